import { sql } from 'kysely';
import { loadConfig } from '@fleet/config';
import { connectDatabase, DatabaseUnavailableError, type DatabaseConnection } from '@fleet/database';
import { describeEachDatabase } from '../support/database';
import { captureLogs } from '../support/logs';
import { TcpProxy } from '../support/proxy';
import { uniqueName } from '../support/servers';

describeEachDatabase('database connection', (factory) => {
  let connection: DatabaseConnection | undefined;

  afterEach(async () => {
    await connection?.close();
    connection = undefined;
  });

  async function connect(url: string, env: Record<string, string> = {}, logs = captureLogs()) {
    const config = loadConfig({ DATABASE_URL: url, ...env });
    connection = await connectDatabase({
      database: config.database,
      dataDir: config.dataDir,
      logger: logs.logger,
      applicationName: env.APP ?? 'fleet-test',
    });
    return connection;
  }

  it('survives losing a connection in the middle of a transaction: the transaction fails, the next query works', async () => {
    const database = await factory().create();
    const proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    try {
      const logs = captureLogs();
      const { db } = await connect(proxy.rewrite(database.url), {}, logs);
      const lost = db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        await proxy.cut(); // the held client's socket dies between two statements
        await new Promise((resolve) => setImmediate(resolve));
        await sql`SELECT 2`.execute(trx);
      });
      await expect(lost).rejects.toThrow();
      await proxy.start();
      await expect(sql`SELECT 1 AS ok`.execute(db)).resolves.toMatchObject({ rows: [{ ok: 1 }] });
      expect(logs.lines().some((l) => l.msg === 'database connection lost while in use')).toBe(true);
    } finally {
      await connection?.close();
      connection = undefined;
      await proxy.cut();
    }
  });

  it('cancels statements that run longer than DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const { db } = await connect((await factory().create()).url, { DATABASE_STATEMENT_TIMEOUT_MS: '200' });
    await expect(sql`SELECT pg_sleep(2)`.execute(db)).rejects.toThrow(/statement timeout/);
    await expect(sql`SELECT 1 AS ok`.execute(db)).resolves.toMatchObject({ rows: [{ ok: 1 }] });
  });

  it('logs queries slower than DATABASE_SLOW_QUERY_MS with their SQL but never their values', async () => {
    const logs = captureLogs();
    const { db } = await connect((await factory().create()).url, { DATABASE_SLOW_QUERY_MS: '50' }, logs);
    await sql`SELECT pg_sleep(0.1), ${'secret-value'}::text AS v`.execute(db);
    await sql`SELECT 1`.execute(db);
    const slow = logs.lines().filter((l) => l.msg === 'slow query');
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({
      level: 'warn',
      sql: expect.stringContaining('pg_sleep') as unknown,
      parameters: 1,
    });
    expect(JSON.stringify(slow[0])).not.toContain('secret-value');
  });

  it('opens at most DATABASE_POOL_SIZE connections, named after the service', async () => {
    const app = uniqueName('fleet_pool');
    const { db } = await connect((await factory().create()).url, { DATABASE_POOL_SIZE: '2', APP: app });
    // Each query counts the service's connections while it holds one of them itself.
    const seen = await Promise.all(
      Array.from({ length: 6 }, () =>
        sql<{ n: number }>`
          SELECT count(*)::int AS n, pg_sleep(0.1)::text AS waited
          FROM pg_stat_activity WHERE application_name = ${app} AND state = 'active'`.execute(db),
      ),
    );
    expect(Math.max(...seen.map((r) => r.rows[0]?.n ?? 0))).toBe(2);
  });

  it('fails at once, without retrying, when waiting cannot help (no such database)', async () => {
    const missing = new URL((await factory().create()).url);
    missing.pathname = `/${uniqueName('no_such_db')}`;
    const started = Date.now();
    await expect(connect(missing.toString(), { DATABASE_CONNECT_TIMEOUT_MS: '20000' })).rejects.toThrow(
      /after 1 attempt\(s\): database .* does not exist/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('names DATABASE_URL when the server cannot be reached within DATABASE_CONNECT_TIMEOUT_MS', async () => {
    const started = Date.now();
    const failing = connect('postgres://fleet:pw@127.0.0.1:1/fleet', { DATABASE_CONNECT_TIMEOUT_MS: '500' });
    await expect(failing).rejects.toThrow(DatabaseUnavailableError);
    await expect(failing).rejects.toThrow(/cannot reach PostgreSQL at 127\.0\.0\.1:1\/fleet \(DATABASE_URL\)/);
    await expect(failing).rejects.not.toThrow(/pw/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
