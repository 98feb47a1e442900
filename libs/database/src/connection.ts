import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { FleetConfig } from '@fleet/config';
import type { DB } from './db.types';
import { EmbeddedPostgres } from './embedded-postgres';

export interface DatabaseConnection {
  db: Kysely<DB>;
  /** `embedded` when Fleet runs its own PostgreSQL, `external` for `DATABASE_URL`. */
  mode: 'embedded' | 'external';
  /** Where it connects, without credentials: `127.0.0.1:5432/fleet`. */
  target: string;
  /** The pool's connections right now: open, idle, and requests waiting for one (for `/metrics`). */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  /** Closes the pool, then stops the embedded server if there is one. */
  close(): Promise<void>;
  /** For a process that must exit now: tells the embedded server to stop, synchronously. */
  closeNow(): void;
}

export interface ConnectOptions {
  database: FleetConfig['database'];
  dataDir: string;
  logger: Logger;
  /** Shown in `pg_stat_activity`, so a DBA sees which service holds a connection. */
  applicationName: string;
  /** For command-line tools: use the embedded server a running Fleet already started. */
  attachToRunning?: boolean;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Where a URL points, without the password. */
export function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

/**
 * A Kysely instance on a `pg` pool: the server at `DATABASE_URL`, or an embedded one under the data directory.
 * Waits up to `DATABASE_CONNECT_TIMEOUT_MS` for the server to answer, so services may start before their
 * database does. Queries slower than `DATABASE_SLOW_QUERY_MS` are logged (SQL text only, never parameters).
 *
 * @example
 * const { db, close } = await connectDatabase({ database: config.database, dataDir: config.dataDir, logger, applicationName: 'fleet-cli' });
 */
export async function connectDatabase(options: ConnectOptions): Promise<DatabaseConnection> {
  const { database, logger } = options;
  let url = database.url;
  let embedded: EmbeddedPostgres | undefined;
  if (!url) {
    const server = new EmbeddedPostgres({ dataDir: options.dataDir, port: database.embeddedPort, logger });
    if (options.attachToRunning) {
      const attached = await server.attachOrStart();
      url = attached.url;
      if (attached.owned) embedded = server;
    } else {
      url = (await server.start()).url;
      embedded = server;
    }
  }

  const pool = new Pool({
    connectionString: url,
    max: database.poolSize,
    application_name: options.applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...(database.statementTimeoutMs > 0 ? { statement_timeout: database.statementTimeoutMs } : {}),
  });
  // An idle client losing its server (restart, failover) must not crash the process; the pool reconnects.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
  // Nor may a client held between the statements of a transaction: the pool listens only to the idle ones, and an
  // 'error' nobody listens to ends the process. The transaction's next statement fails and its caller retries.
  pool.on('connect', (client) =>
    client.on('error', (error) => logger.warn({ err: error }, 'database connection lost while in use')),
  );

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: queryLogger(logger, database.slowQueryMs) });
  const target = describeTarget(url);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        await db.destroy();
      } finally {
        await embedded?.stop();
      }
    })());
  const closeNow = () => embedded?.stopNow();
  const variable = database.url ? 'DATABASE_URL' : 'embedded';
  try {
    await waitForServer(pool, `${target} (${variable})`, database.connectTimeoutMs, logger);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  const poolStats = () => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: database.poolSize,
  });
  return { db, mode: database.url ? 'external' : 'embedded', target, poolStats, close, closeNow };
}

function queryLogger(logger: Logger, slowQueryMs: number) {
  return (event: LogEvent) => {
    if (event.level === 'error') {
      logger.debug(
        { err: event.error, sql: event.query.sql, ms: Math.round(event.queryDurationMillis) },
        'query failed',
      );
    } else if (slowQueryMs > 0 && event.queryDurationMillis >= slowQueryMs) {
      logger.warn(
        { sql: event.query.sql, parameters: event.query.parameters.length, ms: Math.round(event.queryDurationMillis) },
        'slow query',
      );
    }
  };
}

/** SQLSTATE classes and codes that waiting will not fix: bad credentials, no such database, no privilege. */
const PERMANENT = /^(28|3D|42501)/;

async function waitForServer(pool: Pool, target: string, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (PERMANENT.test(code) || Date.now() + delay > deadline) {
        throw new DatabaseUnavailableError(
          `cannot reach PostgreSQL at ${target} after ${attempt} attempt(s): ${(error as Error).message}`,
          { cause: error },
        );
      }
      logger.warn({ target, attempt, err: (error as Error).message }, 'database not reachable yet, retrying');
      await sleep(delay);
    }
  }
}
