import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { bool, influxDuration, int, oneOf, optionalStr, port, str, url } from './env';

/**
 * Every environment variable Fleet reads, with its default. The README's configuration table mirrors this list
 * (a test keeps them in step).
 */
export const envSchema = z.object({
  NODE_ENV: oneOf(['production', 'development', 'test'], 'production'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LOG_FORMAT: oneOf(['json', 'pretty'], 'json'),
  HOST: str('0.0.0.0'),
  PORT: port(3000),
  FLEET_DATA_DIR: str('./data'),
  FLEET_INSTANCE_ID: optionalStr(),
  SHUTDOWN_TIMEOUT_MS: int(15_000, 1_000, 600_000),

  DATABASE_URL: url(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: int(10, 1, 1_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(30_000, 0, 3_600_000),
  DATABASE_SLOW_QUERY_MS: int(500, 0, 3_600_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(30_000, 0, 600_000),
  DATABASE_MIGRATE_ON_START: bool(true),
  EMBEDDED_POSTGRES_PORT: port(0),

  MQTT_URL: url(['mqtt', 'mqtts', 'tcp', 'tls', 'ws', 'wss']),
  MQTT_USERNAME: optionalStr(),
  MQTT_PASSWORD: optionalStr(),
  MQTT_HOST: str('0.0.0.0'),
  MQTT_PORT: port(1883),
  MQTT_WS_PORT: port(9001),
  MQTT_TOPIC_PREFIX: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "expected topic levels like 'site-a' or 'site-a/line-2'")
      .optional(),
  ),

  REDIS_URL: url(['redis', 'rediss']),
  REDIS_KEY_PREFIX: str('fleet:'),

  TELEMETRY_STORE: oneOf(['postgres', 'influxdb'], 'postgres'),
  INFLUX_URL: url(['http', 'https']),
  INFLUX_DATABASE: str('robot_metrics'),
  INFLUX_RETENTION: influxDuration('7d'),
  INFLUX_TOKEN: optionalStr(),
  INFLUX_USERNAME: optionalStr(),
  INFLUX_PASSWORD: optionalStr(),
});

export type Env = z.output<typeof envSchema>;

/** The validated configuration, built once at start-up. Nothing else reads `process.env`. */
export function toConfig(env: Env) {
  return {
    env: env.NODE_ENV,
    instanceId: env.FLEET_INSTANCE_ID ?? hostname(),
    dataDir: resolve(env.FLEET_DATA_DIR),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT },
    http: { host: env.HOST, port: env.PORT },
    database: {
      /** Unset: Fleet runs its own PostgreSQL with its data under `dataDir`. */
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      slowQueryMs: env.DATABASE_SLOW_QUERY_MS,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      migrateOnStart: env.DATABASE_MIGRATE_ON_START,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    },
    mqtt: {
      /** Unset: Fleet runs its own broker on `broker.port` (and MQTT over WebSocket on `broker.wsPort`). */
      url: env.MQTT_URL,
      username: env.MQTT_USERNAME,
      password: env.MQTT_PASSWORD,
      topicPrefix: env.MQTT_TOPIC_PREFIX ?? '',
      broker: { host: env.MQTT_HOST, port: env.MQTT_PORT, wsPort: env.MQTT_WS_PORT },
    },
    redis: {
      /** Unset: events and live state stay in this process's memory. */
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    telemetry: {
      store: env.TELEMETRY_STORE,
      influx: {
        url: env.INFLUX_URL,
        database: env.INFLUX_DATABASE,
        retention: env.INFLUX_RETENTION,
        token: env.INFLUX_TOKEN,
        username: env.INFLUX_USERNAME,
        password: env.INFLUX_PASSWORD,
      },
    },
  };
}

export type FleetConfig = ReturnType<typeof toConfig>;
