// The alerting service in the benchmark's process, booted as production boots it, and what the benchmark reads of it.
import { readFile } from 'node:fs/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { Histogram } from 'prom-client';
import { AlertingModule } from '@apps/alerting/src/alerting.module';
import { AlertingSettings } from '@apps/alerting/src/alerting.settings';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { AlertThresholdRepository, DATABASE, RobotRepository, type DB } from '@fleet/database';
import { createLogger, createServiceApp, listen, MetricsService } from '@fleet/platform';
import type { Kysely } from 'kysely';

export interface AlertingApp {
  app: NestFastifyApplication;
  config: FleetConfig;
  db: Kysely<DB>;
  robots: RobotRepository;
  thresholds: AlertThresholdRepository;
  settings: AlertingSettings;
  /** `fleet_alerting_events_total` by result, as `/metrics` shows it. */
  events: () => Promise<{ evaluated: number; invalid: number }>;
  /** `fleet_alerting_batch_duration_seconds`: how many batches were evaluated, and the seconds they took in all. */
  batches: () => Promise<{ count: number; seconds: number }>;
  /** The end of the service's log. */
  logTail: (chars: number) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * Boots `AlertingModule` with the bootstrap `runService` uses (the same HTTP host, `/health`, `/metrics`,
 * resources), configured by the environment plus `overrides`, listening on a free loopback port, its clock the
 * system's. Its JSON log (at `LOG_LEVEL`, info unless set, as deployed) goes to `logFile`, so the benchmark's
 * own lines stay readable while the service still pays for logging as it does in production.
 */
export async function startAlerting(overrides: Record<string, string>, logFile: string): Promise<AlertingApp> {
  // eslint-disable-next-line no-restricted-properties -- the service reads this environment plus the run's settings
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', ...overrides });
  const destination = pino.destination({ dest: logFile, sync: true });
  const logger = createLogger(
    { service: 'alerting', instanceId: config.instanceId, level: config.log.level, format: 'json' },
    destination,
  );
  const app = await createServiceApp(AlertingModule, { service: 'alerting', config, logger });
  try {
    await listen(app, config);
  } catch (error) {
    await app.close();
    throw error;
  }
  const registry = app.get(MetricsService).registry;
  const counter = registry.getSingleMetric('fleet_alerting_events_total');
  const histogram = registry.getSingleMetric('fleet_alerting_batch_duration_seconds');
  if (!counter || !(histogram instanceof Histogram)) {
    await app.close();
    throw new Error('alerting registered no fleet_alerting_events_total or fleet_alerting_batch_duration_seconds');
  }
  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    db: app.get<symbol, Kysely<DB>>(DATABASE),
    robots: app.get(RobotRepository),
    thresholds: app.get(AlertThresholdRepository),
    settings: app.get(AlertingSettings),
    events: async () => {
      const { values } = await counter.get();
      const of = (result: string) => values.find((v) => v.labels.result === result)?.value ?? 0;
      return { evaluated: of('evaluated'), invalid: of('invalid') };
    },
    batches: async () => {
      const { values } = await histogram.get();
      const of = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
      return {
        count: of('fleet_alerting_batch_duration_seconds_count'),
        seconds: of('fleet_alerting_batch_duration_seconds_sum'),
      };
    },
    logTail: async (chars) => (await readFile(logFile, 'utf8').catch(() => '')).slice(-chars),
    close: () => (closed ??= app.close().finally(() => destination.end())),
  };
}
