import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { createServiceApp, listen, type Clock } from '@fleet/platform';
import { captureLogs } from './logs';
import { uniqueName } from './servers';

export interface RunningApp {
  app: NestFastifyApplication;
  config: FleetConfig;
  url: string;
  logs: ReturnType<typeof captureLogs>;
  close: () => Promise<void>;
}

/** Settings that keep a test's app to itself: free ports, loopback only, its own client id. */
export function isolatedEnv(): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    FLEET_INSTANCE_ID: uniqueName('test'),
    LOG_LEVEL: 'debug',
  };
}

/** Boots `root` as `service` does in production (same bootstrap), listening on a free port. */
export async function startApp(
  root: Type,
  service: string,
  env: Record<string, string>,
  options: { clock?: Clock } = {},
): Promise<RunningApp> {
  const config = loadConfig({ ...isolatedEnv(), ...env });
  const logs = captureLogs();
  const app = await createServiceApp(root, { service, config, logger: logs.logger, ...options });
  let port: number;
  try {
    port = await listen(app, config);
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, config, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export interface HealthBody {
  status: 'ok' | 'error';
  info: Record<string, { status: string; [key: string]: unknown }>;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}
