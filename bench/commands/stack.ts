// The API, the jobs service and ingest in the benchmark's process, meeting on one broker, one Redis key prefix and
// one fresh database, as production runs them.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectAsync, type IClientOptions } from 'mqtt';
import pino from 'pino';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { JobsModule } from '@apps/jobs/src/jobs.module';
import { TelemetryReader } from '@apps/jobs/src/telemetry.reader';
import type { FleetConfig } from '@fleet/config';
import { EmbeddedBroker, INTERNAL_USER } from '@fleet/messaging';
import { startApi, type ApiApp } from '../api/api-app';
import type { Cleanups } from '../cleanups';
import { dropRedisKeys, onServer } from '../ingest/stored-points';
import { startService, type ServiceApp } from './service-app';

export interface Stack {
  api: ApiApp;
  jobs: ServiceApp;
  ingest: ServiceApp;
  adminPassword: string;
  mqttUrl: string;
  /** `MQTT_TOPIC_PREFIX` of the run. */
  topicPrefix: string;
  /** `REDIS_KEY_PREFIX` of the run. */
  redisPrefix: string;
  /** What robots log in with: nothing on the embedded broker (anonymous robots), else MQTT_USERNAME/PASSWORD. */
  robotAuth: Pick<IClientOptions, 'username' | 'password'>;
  /** Where the run lives, in words. */
  where: string;
  /** The services' last log lines. */
  logTails: (chars: number) => Promise<string>;
  /** What the services logged (at LOG_LEVEL warn: warnings and errors), one line per service and message, counted. */
  logSummary: () => Promise<string[]>;
}

/**
 * A fresh database on `serverUrl`, a fresh key prefix on `redisUrl`, a fresh topic prefix on MQTT_URL or on an
 * embedded broker started here (robots admitted without credentials, services logged in as Fleet), then the API,
 * the jobs service (once it reads robot messages) and ingest. `cleanups` undoes all of it.
 */
export async function startStack(
  config: FleetConfig,
  servers: { serverUrl: string; redisUrl: string },
  run: string,
  dir: string,
  cleanups: Cleanups,
  env: Record<string, string>,
): Promise<Stack> {
  const database = `fleet_bench_${run}`;
  const redisPrefix = `fleet-bench:${run}:`;
  const topicPrefix = `fleet-bench/${run}`;
  await onServer(servers.serverUrl, `CREATE DATABASE "${database}"`);
  cleanups.add(() => onServer(servers.serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  cleanups.add(() => dropRedisKeys(servers.redisUrl, redisPrefix));
  const databaseUrl = new URL(servers.serverUrl);
  databaseUrl.pathname = `/${database}`;

  let mqttUrl = config.mqtt.url;
  let serviceAuth: Pick<IClientOptions, 'username' | 'password'> = {
    username: config.mqtt.username,
    password: config.mqtt.password,
  };
  let robotAuth = serviceAuth;
  const brokerEnv: Record<string, string> = {};
  if (!mqttUrl) {
    const secret = randomBytes(24).toString('base64url');
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: secret,
      topicPrefix,
      allowAnonymous: true,
      logger: pino({ level: 'warn' }, pino.destination(2)),
    });
    cleanups.add(() => broker.close());
    const { port } = await broker.start();
    mqttUrl = `mqtt://127.0.0.1:${port}`;
    serviceAuth = { username: INTERNAL_USER, password: secret };
    robotAuth = {};
    // aedes grants shared subscriptions but delivers nothing to them.
    Object.assign(brokerEnv, {
      MQTT_USERNAME: INTERNAL_USER,
      MQTT_PASSWORD: secret,
      INGEST_SHARED_SUBSCRIPTION: 'off',
    });
  } else {
    const url = mqttUrl;
    // The services' sessions are persistent: once they are gone, end them so the broker does not keep them.
    for (const service of ['api', 'jobs', 'ingest']) {
      cleanups.add(() =>
        connectAsync(url, {
          clientId: `fleet-${service}-bench-${run}-${service}`,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
          ...serviceAuth,
        }).then((c) => c.endAsync()),
      );
    }
  }

  const shared = {
    ...brokerEnv,
    DATABASE_URL: databaseUrl.toString(),
    TELEMETRY_STORE: 'postgres',
    REDIS_URL: servers.redisUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    MQTT_URL: mqttUrl,
    MQTT_TOPIC_PREFIX: topicPrefix,
    FLEET_DATA_DIR: join(dir, 'fleet'),
    LOG_LEVEL: 'warn',
    ...env,
  };
  const adminPassword = randomBytes(18).toString('base64url');
  const api = await startApi(
    {
      ...shared,
      FLEET_INSTANCE_ID: `bench-${run}-api`,
      FLEET_ADMIN_PASSWORD: adminPassword,
      JWT_SECRET: randomBytes(48).toString('base64url'),
    },
    join(dir, 'api.log'),
  );
  cleanups.add(() => api.close());
  const jobs = await startService(
    JobsModule,
    'jobs',
    { ...shared, FLEET_INSTANCE_ID: `bench-${run}-jobs` },
    join(dir, 'jobs.log'),
  );
  cleanups.add(() => jobs.close());
  await jobs.app.get(TelemetryReader).ready;
  const ingest = await startService(
    IngestModule,
    'ingest',
    { ...shared, FLEET_INSTANCE_ID: `bench-${run}-ingest`, INGEST_BUFFER_DIR: join(dir, 'buffer') },
    join(dir, 'ingest.log'),
  );
  cleanups.add(() => ingest.close());
  const logs: [string, { logTail: (chars: number) => Promise<string> }][] = [
    ['api', api],
    ['jobs', jobs],
    ['ingest', ingest],
  ];
  return {
    api,
    jobs,
    ingest,
    adminPassword,
    mqttUrl,
    topicPrefix,
    redisPrefix,
    robotAuth,
    where:
      `database ${database}, Redis prefix ${redisPrefix}, topic prefix ${topicPrefix} on ` +
      `${config.mqtt.url ? 'MQTT_URL' : 'an embedded broker'}`,
    logSummary: async () => {
      const summary: string[] = [];
      for (const [name, app] of logs) {
        const counts = new Map<string, number>();
        for (const text of (await app.logTail(Number.MAX_SAFE_INTEGER)).split('\n')) {
          if (!text) continue;
          const entry = JSON.parse(text) as { level?: string; msg?: string; err?: { message?: string } };
          const key = `${entry.level ?? '?'}: ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const [key, count] of counts) summary.push(`${name} ${key} × ${count}`);
      }
      return summary;
    },
    logTails: async (chars) =>
      (await Promise.all(logs.map(async ([name, app]) => `--- ${name}\n${await app.logTail(chars)}`))).join('\n'),
  };
}
