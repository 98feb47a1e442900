import { Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { ApiModule } from '@apps/api/src/api.module';
import { ReportsModule } from '@apps/reports/src/reports.module';
import { ReportWorker } from '@apps/reports/src/report.worker';
import { RollupKeeper } from '@apps/reports/src/rollup.keeper';
import type { UserRole } from '@fleet/contracts';
import { DATABASE, type DB } from '@fleet/database';
import type { ManualClock } from '@fleet/platform';
import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import { ADMIN_PASSWORD, apiClient, type Response } from './api';
import { startApp, type RunningApp } from './app';
import { DatabaseFactory, embeddedTarget } from './database';
import { serverUrl, uniqueName, type ServerVariable } from './servers';
import { tempDir } from './temp-dir';

/** The API and the reports service in one process, as the all-in-one runs them. */
@Module({ imports: [ApiModule, ReportsModule] })
class ApiAndReports {}

export interface ReportsStackTarget {
  name: string;
  /** The servers it needs; none for the embedded defaults. */
  needs: readonly ServerVariable[];
}

/** Real servers (PostgreSQL, InfluxDB, Redis, Mosquitto), and the embedded defaults (embedded PostgreSQL and broker). */
export const REPORTS_TARGETS: readonly ReportsStackTarget[] = [
  {
    name: 'real servers (PostgreSQL, InfluxDB, Redis, Mosquitto)',
    needs: ['DATABASE_URL', 'INFLUX_URL', 'REDIS_URL', 'MQTT_URL'],
  },
  { name: 'embedded defaults (embedded PostgreSQL and broker, in-memory events)', needs: [] },
];

export interface ReportsStack {
  app: RunningApp;
  db: Kysely<DB>;
  store: TelemetryStore;
  clock: ManualClock | undefined;
  /** Topic, key and database prefix, for another replica. */
  prefix: string;
  /** The database URL, for another replica. */
  databaseUrl: string;
  worker: ReportWorker;
  rollups: RollupKeeper;
  call<T = any>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response<T>>;
  /** The raw answer, for files. */
  fetch(path: string, token: string): Promise<globalThis.Response>;
  tokenFor(role: UserRole): Promise<string>;
  close(): Promise<void>;
}

/** Starts the API and the reports service on `target`, with a clock the test moves. */
export async function startReportsStack(
  target: ReportsStackTarget,
  options: { clock?: ManualClock; env?: Record<string, string>; databaseUrl?: string; prefix?: string },
): Promise<ReportsStack> {
  const real = target.needs.length > 0;
  const factory = new DatabaseFactory(
    real ? { name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string } : embeddedTarget(),
  );
  // A second replica shares the first one's database.
  const database = options.databaseUrl ? { url: options.databaseUrl } : await factory.create();
  const prefix = options.prefix ?? uniqueName('reports');
  const dataDir = await tempDir('fleet-reports');
  const servers: Record<string, string> = real
    ? {
        MQTT_URL: serverUrl('MQTT_URL') as string,
        MQTT_TOPIC_PREFIX: prefix,
        REDIS_URL: serverUrl('REDIS_URL') as string,
        REDIS_KEY_PREFIX: `${prefix}:`,
        TELEMETRY_STORE: 'influxdb',
        INFLUX_URL: serverUrl('INFLUX_URL') as string,
        INFLUX_DATABASE: prefix,
      }
    : {};
  const app = await startApp(
    ApiAndReports,
    'fleet',
    {
      DATABASE_URL: database.url,
      ...servers,
      FLEET_DATA_DIR: dataDir.path,
      FLEET_ADMIN_PASSWORD: ADMIN_PASSWORD,
      JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
      REPORTS_CHECK_INTERVAL_MS: '100',
      REPORTS_ROLLUP_INTERVAL_MS: '200',
      ...options.env,
    },
    options.clock ? { clock: options.clock } : {},
  );
  const db: Kysely<DB> = app.app.get(DATABASE);
  const { call, tokenFor } = apiClient(app.url, db, prefix);
  return {
    app,
    db,
    store: app.app.get(TELEMETRY_STORE),
    clock: options.clock,
    databaseUrl: database.url,
    prefix,
    worker: app.app.get(ReportWorker),
    rollups: app.app.get(RollupKeeper),
    call,
    fetch: (path, token) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    tokenFor,
    close: async () => {
      await app.close();
      if (!options.databaseUrl) await factory.dispose();
      await dataDir.remove();
    },
  };
}
