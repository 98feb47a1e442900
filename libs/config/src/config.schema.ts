import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { assertRobotTimezone } from '@fleet/contracts';
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
  MQTT_ALLOW_ANONYMOUS: bool(false),
  MQTT_TOPIC_PREFIX: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "expected topic levels like 'site-a' or 'site-a/line-2'")
      .optional(),
  ),

  REDIS_URL: url(['redis', 'rediss']),
  REDIS_KEY_PREFIX: str('fleet:'),
  EVENTS_MAX_LENGTH: int(100_000, 1_000, 100_000_000),

  TELEMETRY_STORE: oneOf(['postgres', 'influxdb'], 'postgres'),
  INFLUX_URL: url(['http', 'https']),
  INFLUX_DATABASE: str('robot_metrics'),
  INFLUX_RETENTION: influxDuration('7d'),
  INFLUX_TOKEN: optionalStr(),
  INFLUX_USERNAME: optionalStr(),
  INFLUX_PASSWORD: optionalStr(),
  TELEMETRY_RAW_RETENTION_DAYS: int(7, 1, 3650),
  TELEMETRY_HISTORY_CACHE_MS: int(10_000, 0, 3_600_000),

  INGEST_BUFFER_DIR: optionalStr(),
  INGEST_BUFFER_MAX_MB: int(1024, 1, 1_048_576),
  INGEST_MEMORY_MAX_MB: int(64, 1, 16_384),
  INGEST_BATCH_SIZE: int(5_000, 1, 100_000),
  INGEST_BATCH_WAIT_MS: int(50, 0, 60_000),
  INGEST_FSYNC_MS: int(100, 0, 60_000),
  INGEST_MAX_MESSAGE_BYTES: int(262_144, 256, 268_435_455),
  INGEST_AUTO_REGISTER: bool(true),
  INGEST_SHARED_SUBSCRIPTION: oneOf(['auto', 'on', 'off'], 'auto'),
  ROBOT_TIMEZONE: str('UTC').superRefine((zone, ctx) => {
    try {
      assertRobotTimezone(zone);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  ROBOT_MAX_CLOCK_SKEW_S: int(300, 0, 31_536_000),
  ROBOT_MAX_LATE_S: int(86_400, 0, 31_536_000),

  ALERT_OFFLINE_TIMEOUT_S: int(60, 5, 86_400),
  ALERT_CHECK_INTERVAL_MS: int(5_000, 100, 300_000),
  ALERT_REFRESH_MS: int(5_000, 100, 300_000),
  ALERT_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(10, 1, 100),
  ALERT_WEBHOOK_ALLOWED_HOSTS: str(''),

  COMMAND_TIMEOUT_S: int(10, 1, 3_600),
  COMMAND_RETRIES: int(2, 0, 10),
  COMMAND_OFFLINE: oneOf(['reject', 'wait'], 'reject'),
  COMMAND_OFFLINE_WAIT_S: int(300, 1, 86_400),
  COMMAND_CHECK_INTERVAL_MS: int(500, 50, 60_000),

  JWT_SECRET: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().min(32, 'expected at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  ),
  ACCESS_TOKEN_TTL_S: int(900, 30, 86_400),
  TONYPI_ACCESS_TOKEN_TTL_S: int(28_800, 30, 86_400),
  REFRESH_TOKEN_TTL_DAYS: int(30, 1, 365),
  FLEET_ADMIN_USERNAME: str('admin'),
  FLEET_ADMIN_PASSWORD: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().min(12, 'expected at least 12 characters').optional(),
  ),
  LOGIN_MAX_FAILURES_PER_USER: int(5, 1, 1_000),
  LOGIN_MAX_FAILURES_PER_IP: int(50, 1, 100_000),
  LOGIN_MAX_FAILURES_ACCOUNT: int(100, 1, 100_000),
  LOGIN_BLOCK_S: int(900, 1, 86_400),
  CORS_ORIGINS: str(''),
  TRUST_PROXY: str(''),
  API_DOCS: bool(true),
  SECURITY_HSTS: bool(true),
  METRICS_TOKEN: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().min(16, 'expected at least 16 characters').optional(),
  ),
  WS_MAX_UPDATES_PER_S: int(5, 1, 1_000),
  WS_MAX_BUFFER_KB: int(1_024, 16, 1_048_576),

  REPORTS_DIR: optionalStr(),
  REPORTS_FILE_RETENTION_DAYS: int(90, 1, 36_500),
  REPORTS_TIMEZONE: str('UTC').superRefine((zone, ctx) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `expected an IANA time zone such as UTC or Europe/Paris, got '${zone}'`,
      });
    }
  }),
  REPORTS_CONCURRENCY: int(1, 1, 16),
  REPORTS_MAX_ATTEMPTS: int(3, 1, 20),
  REPORTS_RETRY_BASE_S: int(30, 1, 3_600),
  REPORTS_LEASE_S: int(120, 5, 3_600),
  REPORTS_CHECK_INTERVAL_MS: int(1_000, 50, 60_000),
  REPORTS_ROLLUP_INTERVAL_MS: int(10_000, 100, 600_000),
  REPORTS_GENERATE_WAIT_S: int(60, 1, 600),
  REPORTS_AI_URL: url(['http', 'https']),
  REPORTS_AI_MODEL: str(''),
  REPORTS_AI_API_KEY: optionalStr(),
  REPORTS_AI_TIMEOUT_MS: int(60_000, 1_000, 600_000),
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
    http: {
      host: env.HOST,
      port: env.PORT,
      /** Set: `/metrics` needs it as a bearer token. Unset: `/metrics` answers local requests only. */
      metricsToken: env.METRICS_TOKEN,
    },
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
      broker: {
        host: env.MQTT_HOST,
        port: env.MQTT_PORT,
        wsPort: env.MQTT_WS_PORT,
        /** Admit robots without credentials (the stock TonyPi client); their client id stands for the robot id. */
        allowAnonymous: env.MQTT_ALLOW_ANONYMOUS,
      },
    },
    redis: {
      /** Unset: events and live state stay in this process's memory. */
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    events: {
      /** Each event stream is trimmed to about this many entries. */
      maxLength: env.EVENTS_MAX_LENGTH,
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
      /** Raw points kept by the Postgres store; 1-minute rollups are kept indefinitely. */
      rawRetentionDays: env.TELEMETRY_RAW_RETENTION_DAYS,
      /** How long history buckets read from the rollups, and how far they reach, are reused by this process (0: never). */
      historyCacheMs: env.TELEMETRY_HISTORY_CACHE_MS,
    },
    ingest: {
      /** The on-disk buffer: every message is appended here before it is acknowledged. */
      bufferDir: resolve(env.INGEST_BUFFER_DIR ?? resolve(env.FLEET_DATA_DIR, 'ingest')),
      bufferMaxBytes: env.INGEST_BUFFER_MAX_MB * 1024 * 1024,
      memoryMaxBytes: env.INGEST_MEMORY_MAX_MB * 1024 * 1024,
      batchSize: env.INGEST_BATCH_SIZE,
      batchWaitMs: env.INGEST_BATCH_WAIT_MS,
      fsyncMs: env.INGEST_FSYNC_MS,
      maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES,
      autoRegister: env.INGEST_AUTO_REGISTER,
      sharedSubscription: env.INGEST_SHARED_SUBSCRIPTION,
    },
    robots: {
      /** How timestamps without a zone are read: `UTC`, an offset like `+08:00`, or an IANA zone. */
      timezone: env.ROBOT_TIMEZONE,
      maxClockSkewMs: env.ROBOT_MAX_CLOCK_SKEW_S * 1000,
      maxLateMs: env.ROBOT_MAX_LATE_S * 1000,
    },
    alerting: {
      /** A robot silent for longer is offline, unless its own `robots.offline_timeout_s` says otherwise. */
      offlineTimeoutMs: env.ALERT_OFFLINE_TIMEOUT_S * 1000,
      /** How often robots' silence (and whether telemetry is coming in at all) is checked. */
      checkIntervalMs: env.ALERT_CHECK_INTERVAL_MS,
      /** How often thresholds and snoozes are reread, so changes apply without a restart. */
      refreshMs: env.ALERT_REFRESH_MS,
      webhookTimeoutMs: env.ALERT_WEBHOOK_TIMEOUT_MS,
      /** Deliveries still failing after this many attempts (backing off up to an hour apart) are given up. */
      webhookMaxAttempts: env.ALERT_WEBHOOK_MAX_ATTEMPTS,
      /** Webhook hosts that may resolve to a private or loopback address, when saved and when posted to. */
      webhookAllowedHosts: env.ALERT_WEBHOOK_ALLOWED_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    },
    commands: {
      /** How long a robot has to answer a command when the command does not say. */
      timeoutS: env.COMMAND_TIMEOUT_S,
      /**
       * Resends to a robot that did not answer, when the command does not say; only for commands that are safe to
       * receive twice (stop, resume, emergency stop, status and battery requests). Others are sent once.
       */
      retries: env.COMMAND_RETRIES,
      /** A command for an offline robot: `reject` refuses it (409); `wait` holds it until the robot connects. */
      offline: env.COMMAND_OFFLINE,
      /** With `wait`, how long a command is held for an offline robot before it times out. */
      offlineWaitMs: env.COMMAND_OFFLINE_WAIT_S * 1000,
      /** How often due sends, resends and timeouts are looked for. */
      checkIntervalMs: env.COMMAND_CHECK_INTERVAL_MS,
    },
    auth: {
      /** Unset: a random secret is generated once and kept in `dataDir` (one process; replicas must share one). */
      jwtSecret: env.JWT_SECRET,
      accessTokenTtlS: env.ACCESS_TOKEN_TTL_S,
      /** Tokens from the TonyPi-compatible login: its dashboard never refreshes and signs out on the first 401. */
      tonypiAccessTokenTtlS: env.TONYPI_ACCESS_TOKEN_TTL_S,
      refreshTokenTtlMs: env.REFRESH_TOKEN_TTL_DAYS * 86_400_000,
      adminUsername: env.FLEET_ADMIN_USERNAME,
      /** Unset: the first admin gets a random password, printed once at first start. */
      adminPassword: env.FLEET_ADMIN_PASSWORD,
      /** Failed logins for one username, then for one address, within `blockS` before further attempts wait. */
      maxFailuresPerUser: env.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      /** Failed logins for one username from every address together: guesses spread over many addresses. */
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_ACCOUNT,
      blockS: env.LOGIN_BLOCK_S,
    },
    api: {
      /**
       * Which proxies' `X-Forwarded-For` names the client (login throttling and the audit trail go by address):
       * none, `true` for any, a hop count, or addresses and CIDR ranges.
       */
      trustProxy: trustProxy(env.TRUST_PROXY),
      /** Origins a browser may call the API from (comma-separated, `*` for any); empty: same origin only. */
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      docs: env.API_DOCS,
      /** Send `Strict-Transport-Security`; off for deployments also reached over plain HTTP by name. */
      hsts: env.SECURITY_HSTS,
      /** Live updates per robot, channel and subject (sensor type, job, command) each second; more are coalesced. */
      wsMaxUpdatesPerS: env.WS_MAX_UPDATES_PER_S,
      /** A WebSocket client that falls this far behind is dropped rather than buffered without bound. */
      wsMaxBufferBytes: env.WS_MAX_BUFFER_KB * 1024,
    },
    reports: {
      /** Where report files (PDF, CSV) are kept; they are made again from the stored report when missing. */
      dir: resolve(env.REPORTS_DIR ?? resolve(env.FLEET_DATA_DIR, 'reports')),
      /** Files of reports older than this are removed (the reports themselves stay). */
      fileRetentionMs: env.REPORTS_FILE_RETENTION_DAYS * 86_400_000,
      /** The zone reports are shown in, and schedules count days in, unless they name their own. */
      timezone: env.REPORTS_TIMEZONE,
      /** Reports one replica makes at once. */
      concurrency: env.REPORTS_CONCURRENCY,
      /** Attempts per report before it is failed; pauses between them double from `retryBaseMs`. */
      maxAttempts: env.REPORTS_MAX_ATTEMPTS,
      retryBaseMs: env.REPORTS_RETRY_BASE_S * 1000,
      /** A replica holds a report this long without renewing before another may take it up. */
      leaseMs: env.REPORTS_LEASE_S * 1000,
      /** How often queued reports and due schedules are looked for (a new report is taken up at once). */
      checkIntervalMs: env.REPORTS_CHECK_INTERVAL_MS,
      /** How often the rollup tiers are brought up to date. */
      rollupIntervalMs: env.REPORTS_ROLLUP_INTERVAL_MS,
      /** How long TonyPi's `POST /reports/generate` waits for the report before answering with it as it stands. */
      generateWaitMs: env.REPORTS_GENERATE_WAIT_S * 1000,
      /** The optional language-model summary: an OpenAI-compatible chat API. Unset: no summaries. */
      ai: {
        url: env.REPORTS_AI_URL,
        model: env.REPORTS_AI_MODEL,
        apiKey: env.REPORTS_AI_API_KEY,
        timeoutMs: env.REPORTS_AI_TIMEOUT_MS,
      },
    },
  };
}

export type FleetConfig = ReturnType<typeof toConfig>;

function trustProxy(value: string): boolean | number | string[] {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}
