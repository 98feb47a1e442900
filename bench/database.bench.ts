// Embedded PostgreSQL start-up and insert rates, on the embedded server and on DATABASE_URL when set.
// Prints one line per figure and a JSON summary. Run: npm run bench:db
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '@fleet/config';
import {
  connectDatabase,
  EmbeddedPostgres,
  SchemaMigrator,
  SystemLogRepository,
  type DatabaseConnection,
} from '@fleet/database';

const ROWS = 100_000;
const BATCH = 1_000;
const SINGLE = 5_000;
const logger = pino({ level: 'warn' });
const figures: Record<string, number | string> = {};

function record(name: string, value: number, unit: string): void {
  figures[name] = Math.round(value);
  process.stdout.write(`${name.padEnd(48)} ${Math.round(value).toLocaleString('en-US').padStart(10)} ${unit}\n`);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function inserts(label: string, connection: DatabaseConnection): Promise<void> {
  await new SchemaMigrator(connection.db).migrateToLatest();
  const logs = new SystemLogRepository(connection.db);
  await connection.db.deleteFrom('system_logs').where('category', '=', 'bench').execute();
  const entry = (i: number) => ({
    level: 'INFO' as const,
    category: 'bench',
    message: `reading ${i}`,
    robot_id: `tonypi_${String(i % 10).padStart(2, '0')}`,
    details: { value: i, unit: '°C' },
  });

  const [, batchedMs] = await timed(async () => {
    for (let i = 0; i < ROWS; i += BATCH) await logs.insertMany(Array.from({ length: BATCH }, (_, j) => entry(i + j)));
  });
  record(`${label}: batched inserts (${BATCH}/statement)`, (ROWS / batchedMs) * 1000, 'rows/s');

  const [, singleMs] = await timed(async () => {
    for (let i = 0; i < SINGLE; i++) await logs.insert(entry(i));
  });
  record(`${label}: single-row inserts, one at a time`, (SINGLE / singleMs) * 1000, 'rows/s');

  const [, concurrentMs] = await timed(async () => {
    const workers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < SINGLE; i += 8) await logs.insert(entry(i));
    });
    await Promise.all(workers);
  });
  record(`${label}: single-row inserts, 8 at a time`, (SINGLE / concurrentMs) * 1000, 'rows/s');

  const [page, listMs] = await timed(() => logs.list({ robotId: 'tonypi_03', limit: 50 }));
  record(`${label}: list 50 of ${page.total} by robot`, listMs, 'ms');
  await connection.db.deleteFrom('system_logs').where('category', '=', 'bench').execute();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-'));
  await chmod(dir, 0o755);
  try {
    const server = new EmbeddedPostgres({ dataDir: dir, port: 0, logger });
    const [, firstMs] = await timed(() => server.start());
    record('embedded: first start (create cluster + start)', firstMs, 'ms');
    const [, stopMs] = await timed(() => server.stop());
    record('embedded: stop', stopMs, 'ms');
    const [{ url }, restartMs] = await timed(() => server.start());
    record('embedded: start with existing data', restartMs, 'ms');

    const embedded = await connectDatabase({
      database: { ...config.database, url },
      dataDir: dir,
      logger,
      applicationName: 'fleet-bench',
    });
    await inserts('embedded', embedded);
    await embedded.close();
    await server.stop();

    if (config.database.url) {
      const external = await connectDatabase({
        database: config.database,
        dataDir: dir,
        logger,
        applicationName: 'fleet-bench',
      });
      await inserts('DATABASE_URL', external);
      await external.close();
    } else {
      process.stdout.write('DATABASE_URL not set: real PostgreSQL not measured\n');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
