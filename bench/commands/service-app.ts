// A Fleet service other than the API (jobs, ingest) in the benchmark's process, booted as production boots it.
import { readFile } from 'node:fs/promises';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { loadConfig } from '@fleet/config';
import { createLogger, createServiceApp, listen } from '@fleet/platform';

export interface ServiceApp {
  app: NestFastifyApplication;
  /** The end of the service's log. */
  logTail: (chars: number) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * Boots `root` as `service` with the bootstrap `runService` uses (the same HTTP host, `/health`, `/metrics`,
 * resources), configured by the environment plus `overrides`, listening on a free loopback port. Its JSON log goes
 * to `logFile`, so the benchmark's own lines stay readable while the service still pays for logging.
 */
export async function startService(
  root: Type,
  service: string,
  overrides: Record<string, string>,
  logFile: string,
): Promise<ServiceApp> {
  // eslint-disable-next-line no-restricted-properties -- the service reads this environment plus the run's settings
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', ...overrides });
  const destination = pino.destination({ dest: logFile, sync: true });
  const logger = createLogger(
    { service, instanceId: config.instanceId, level: config.log.level, format: 'json' },
    destination,
  );
  let app: NestFastifyApplication;
  try {
    app = await createServiceApp(root, { service, config, logger });
  } catch (error) {
    destination.end();
    throw error;
  }
  try {
    await listen(app, config);
  } catch (error) {
    await app.close();
    destination.end();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    app,
    logTail: async (chars) => (await readFile(logFile, 'utf8').catch(() => '')).slice(-chars),
    close: () => (closed ??= app.close().finally(() => destination.end())),
  };
}
