import { ApiModule } from '@apps/api/src/api.module';
import type { UserRole } from '@fleet/contracts';
import { DATABASE, type DB } from '@fleet/database';
import { hashPassword } from '@fleet/platform';
import type { Kysely } from 'kysely';
import { startApp, type RunningApp } from './app';
import { DatabaseFactory, type TestDatabase } from './database';
import { serverUrl, uniqueName } from './servers';
import { tempDir } from './temp-dir';

export const ADMIN_PASSWORD = 'first-admin-password-1';
export const USER_PASSWORD = 'a-good-long-password';

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The API as production runs it: its own database, Mosquitto and Redis under a prefix of its own. */
export interface TestApi {
  app: RunningApp;
  db: Kysely<DB>;
  database: TestDatabase;
  prefix: string;
  /** `fetch` against the API; JSON in and out. */
  call<T = any>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response<T>>;
  /** Signs in and returns the access token. */
  login(username: string, password?: string): Promise<string>;
  /** A user of `role` (made on first use), signed in: its access token. */
  tokenFor(role: UserRole): Promise<string>;
  close(): Promise<void>;
}

export const API_SERVERS = ['DATABASE_URL', 'REDIS_URL', 'MQTT_URL'] as const;

export async function startApi(factory: DatabaseFactory, env: Record<string, string> = {}): Promise<TestApi> {
  const database = await factory.create();
  const prefix = uniqueName('api');
  const dataDir = await tempDir('fleet-api');
  const app = await startApp(ApiModule, 'api', {
    DATABASE_URL: database.url,
    MQTT_URL: serverUrl('MQTT_URL') as string,
    MQTT_TOPIC_PREFIX: prefix,
    REDIS_URL: serverUrl('REDIS_URL') as string,
    REDIS_KEY_PREFIX: `${prefix}:`,
    FLEET_DATA_DIR: dataDir.path,
    FLEET_ADMIN_PASSWORD: ADMIN_PASSWORD,
    JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
    // No reports service runs beside the API here: TonyPi's generate route answers the queued report soon.
    REPORTS_GENERATE_WAIT_S: '1',
    ...env,
  });
  const db: Kysely<DB> = app.app.get(DATABASE);
  const { call, login, tokenFor } = apiClient(app.url, db, prefix);

  return {
    app,
    db,
    database,
    prefix,
    call,
    login,
    tokenFor,
    close: async () => {
      await app.close();
      await dataDir.remove();
    },
  };
}

/**
 * Calls to a running API (JSON in and out), signing in as the first admin or as a user of a role made on first use
 * (its name ends with `prefix`).
 */
export function apiClient(
  baseUrl: string,
  db: Kysely<DB>,
  prefix: string,
): Pick<TestApi, 'call' | 'login' | 'tokenFor'> {
  const tokens = new Map<UserRole, Promise<string>>();

  const call: TestApi['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return { status: response.status, body: body as any, headers: response.headers };
  };

  const login = async (username: string, password = USER_PASSWORD) => {
    const response = await call('POST', '/api/v1/auth/login', { body: { username, password } });
    if (response.status !== 200)
      throw new Error(`login as ${username}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.access_token as string;
  };

  const tokenFor = (role: UserRole) => {
    let token = tokens.get(role);
    if (!token) {
      token =
        role === 'admin'
          ? login('admin', ADMIN_PASSWORD)
          : (async () => {
              const username = `${role}-${prefix}`.slice(0, 50);
              await db
                .insertInto('users')
                .values({
                  username,
                  email: `${username}@example.test`,
                  role,
                  password_hash: await hashPassword(USER_PASSWORD),
                })
                .execute();
              return login(username);
            })();
      tokens.set(role, token);
    }
    return token;
  };

  return { call, login, tokenFor };
}
