// The API in the benchmark's process, booted as production boots it, and what the benchmark reads and seeds of it.
import { readFile } from 'node:fs/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { ApiModule } from '@apps/api/src/api.module';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { DATABASE, type DB } from '@fleet/database';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { createLogger, createServiceApp, listen } from '@fleet/platform';
import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';

export interface ApiApp {
  app: NestFastifyApplication;
  config: FleetConfig;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  db: Kysely<DB>;
  live: LiveState;
  store: TelemetryStore;
  /** Signs in and returns the access token. */
  login: (username: string, password: string) => Promise<string>;
  /** The end of the API's log. */
  logTail: (chars: number) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * Boots `ApiModule` with the bootstrap `runService` uses (the same HTTP host, hooks, `/health`, `/metrics`,
 * resources), configured by the environment plus `overrides`, listening on a free loopback port, its clock the
 * system's. Its JSON log goes to `logFile`, so the benchmark's own lines stay readable while the API still pays
 * for logging as it does in production.
 */
export async function startApi(overrides: Record<string, string>, logFile: string): Promise<ApiApp> {
  // eslint-disable-next-line no-restricted-properties -- the API reads this environment plus the run's settings
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', ...overrides });
  const destination = pino.destination({ dest: logFile, sync: true });
  const logger = createLogger(
    { service: 'api', instanceId: config.instanceId, level: config.log.level, format: 'json' },
    destination,
  );
  let app: NestFastifyApplication;
  let port: number;
  try {
    app = await createServiceApp(ApiModule, { service: 'api', config, logger });
  } catch (error) {
    destination.end();
    throw error;
  }
  try {
    port = await listen(app, config);
  } catch (error) {
    await app.close();
    destination.end();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    url,
    db: app.get<symbol, Kysely<DB>>(DATABASE),
    live: app.get<symbol, LiveState>(LIVE_STATE),
    store: app.get<symbol, TelemetryStore>(TELEMETRY_STORE),
    login: async (username, password) => {
      const response = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const body = (await response.json()) as { access_token?: unknown };
      if (response.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`signing in as ${username}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 500)}`);
      }
      return body.access_token;
    },
    logTail: async (chars) => (await readFile(logFile, 'utf8').catch(() => '')).slice(-chars),
    close: () => (closed ??= app.close().finally(() => destination.end())),
  };
}
