import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { SchemaMigrator, type DB } from '@fleet/database';
import { reportMissingServer, serverUrl, uniqueName } from './servers';

export interface TestDatabase {
  name: string;
  url: string;
  db: Kysely<DB>;
}

/** Where a suite can make databases: the run's embedded PostgreSQL, and the server at DATABASE_URL if set. */
export interface DatabaseTarget {
  name: 'embedded' | 'postgres';
  adminUrl: string;
}

export function embeddedTarget(): DatabaseTarget {
  const adminUrl = process.env.FLEET_TEST_EMBEDDED_URL;
  if (!adminUrl) throw new Error('the embedded test PostgreSQL is not running (test/support/global-setup.ts)');
  return { name: 'embedded', adminUrl };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Makes throwaway databases on one server. A migrated template is built once per factory, and each database is a
 * copy of it, so every test gets its own migrated database in milliseconds.
 */
export class DatabaseFactory {
  private template?: Promise<string>;
  private readonly made: TestDatabase[] = [];

  constructor(readonly target: DatabaseTarget) {}

  /** A new database, migrated unless `migrated: false`. */
  async create(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
    const from = options.migrated === false ? 'template0' : await (this.template ??= this.buildTemplate());
    const name = uniqueName('fleet_t');
    await this.admin(`CREATE DATABASE ${name} TEMPLATE ${from}`);
    const url = withDatabase(this.target.adminUrl, name);
    const pool = new Pool({ connectionString: url, max: 5 });
    // An idle connection the server ends (another suite dropping its databases, a server restart) must not crash
    // the run; the next query simply opens a new one, as the service's own pool does.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const made = { name, url, db };
    this.made.push(made);
    return made;
  }

  /** Drops every database this factory made. */
  async dispose(): Promise<void> {
    for (const { db, name } of this.made.splice(0)) {
      await db.destroy();
      await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    const template = await this.template?.catch(() => undefined);
    if (template) await this.admin(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  }

  private async buildTemplate(): Promise<string> {
    const name = uniqueName('fleet_tpl');
    await this.admin(`CREATE DATABASE ${name} TEMPLATE template0`);
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({
        pool: new Pool({ connectionString: withDatabase(this.target.adminUrl, name), max: 1 }),
      }),
    });
    try {
      await new SchemaMigrator(db).migrateToLatest();
    } finally {
      await db.destroy();
    }
    return name;
  }

  private async admin(statement: string): Promise<void> {
    const client = new Client({ connectionString: this.target.adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }
}

/**
 * Runs `body` once per database server: the embedded one always, the one at DATABASE_URL when set (or reports it
 * missing). `body` gets the suite's factory; make databases with `factory().create()`.
 *
 * @example
 * describeEachDatabase('RobotRepository', (factory) => {
 *   let db: TestDatabase;
 *   beforeEach(async () => (db = await factory().create()));
 * });
 */
export function describeEachDatabase(title: string, body: (factory: () => DatabaseFactory) => void): void {
  const targets: DatabaseTarget[] = [embeddedTarget()];
  const external = serverUrl('DATABASE_URL');
  if (external) targets.push({ name: 'postgres', adminUrl: external });
  else reportMissingServer('DATABASE_URL', `${title} on postgres`);

  describe.each(targets)(`${title} on $name`, (target) => {
    let factory: DatabaseFactory;
    beforeAll(() => {
      factory = new DatabaseFactory(target);
    });
    afterAll(async () => {
      await factory.dispose();
    });
    body(() => factory);
  });
}
