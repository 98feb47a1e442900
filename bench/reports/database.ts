import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { FleetConfig } from '@fleet/config';
import { EmbeddedPostgres, SchemaMigrator, connectDatabase, type DB } from '@fleet/database';
import type { Cleanups } from '../cleanups';
import { onServer } from '../ingest/stored-points';

/**
 * A fresh, migrated database named `name` on the PostgreSQL server of DATABASE_URL, or on an embedded one started
 * for the run; everything is undone by `cleanups`.
 */
export async function freshDatabase(
  config: FleetConfig,
  name: string,
  cleanups: Cleanups,
): Promise<{ db: Kysely<DB>; where: string }> {
  const logger = pino({ level: 'warn' });
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-reports-'));
  // An embedded PostgreSQL run as root drops to another user, who must reach its data directory.
  await chmod(dir, 0o755);
  cleanups.add(() => rm(dir, { recursive: true, force: true }));
  let server = config.database.url;
  if (!server) {
    const embedded = new EmbeddedPostgres({ dataDir: join(dir, 'data'), port: 0, logger });
    cleanups.add(() => embedded.stop());
    server = (await embedded.start()).url;
  }
  const serverUrl = server;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  cleanups.add(() => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // The service's own connection: its pool survives the server ending an idle connection, as DROP ... FORCE does
  // while the pool is still closing.
  const connection = await connectDatabase({
    database: { ...config.database, url: url.toString(), poolSize: 4 },
    dataDir: dir,
    logger,
    applicationName: 'fleet-bench-reports',
  });
  cleanups.add(() => connection.close());
  await new SchemaMigrator(connection.db).migrateToLatest();
  return { db: connection.db, where: `${name}${config.database.url ? '' : ' (embedded PostgreSQL)'}` };
}
