// API read throughput and latency: boots the API in this process, as production boots it, against a fresh database
// (on the PostgreSQL server of DATABASE_URL, or an embedded one without it), a fresh key prefix on the Redis of
// REDIS_URL (in-memory live state without it), the broker of MQTT_URL (an embedded one on free ports without it)
// and, with INFLUX_URL, InfluxDB as the telemetry store (a fresh database), else the Postgres store. It signs in as
// the first admin, then seeds what the services would have written:
//   --robots robots, registered and online, each with the live state one round of the TonyPi client's messages
//     leaves (status, battery, ten sensors, 18 servos, location), written through the live state and the store;
//   --days days of status reports of the first robot, one every 10 s (60,480 points for 7 days), through the
//     telemetry store in batches, as ingest writes them;
//   --alerts alerts spread over the robots and the last 7 days, mixed types and severities, most resolved.
// Then, for each route, autocannon (in a worker thread, so it does not share the API's event loop) with the
// admin's bearer token and --connections connections warms it up for --warmup s and measures it for --duration s:
//   latest state   GET /api/v1/robots/:robotId/state
//   history        GET /api/v1/robots/:robotId/telemetry?measurement=robot_status&fields=system_cpu_percent
//                    &from=<7 days ago>&to=<now>&every=1m&fn=mean   (at most MAX_HISTORY_BUCKETS minutes)
//   alert list     GET /api/v1/alerts?limit=50
// Every answer must be 2xx, else the run fails; each route's answer is checked once against what was seeded.
// Figures: req/s is the 2xx answers over the run's duration; p50, p95 and p99 are taken from every 2xx answer's
// latency; requests ask for compressed answers as a browser does, and the bytes on the wire are counted.
// Run: npm run bench:api -- [--robots 20] [--days 7] [--alerts 5000] [--connections 10] [--duration 10]
//      [--warmup 2] [--routes latest_state,history_7d_1m,alerts_list] [--smoke]
//      (--routes: only these; --smoke: one day of history, 2 s per route after 1 s of warm-up, for CI)
// Prints one line per figure; the last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectAsync } from 'mqtt';
import pino from 'pino';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { MAX_HISTORY_BUCKETS } from '@fleet/contracts';
import { EmbeddedPostgres } from '@fleet/database';
import type { Kysely } from 'kysely';
import type { DB } from '@fleet/database';
import { InfluxHttp, InfluxTelemetryStore, RollupMaintainer } from '@fleet/telemetry';
import { startApi, type ApiApp } from './api/api-app';
import { Cleanups, cleanUpOnSignal } from './cleanups';
import { loadRoute, type LoadFigures, type LoadOptions } from './api/load';
import { seedAlerts, seedHistory, seedLiveState, seedRobots, SERVOS } from './api/seed';
import { dropRedisKeys, onServer } from './ingest/stored-points';
import { wholeNumber } from './args';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** The TonyPi client reports its status every 10 s. */
const STATUS_EVERY_MS = 10_000;
/** The range the history route is asked for, and the alerts' creation times spread over. */
const HISTORY_DAYS = 7;
const PAGE = 50;

interface Args extends LoadOptions {
  robots: number;
  days: number;
  alerts: number;
  routes: readonly RouteName[];
}

const ROUTES = ['latest_state', 'history_7d_1m', 'alerts_list'] as const;
type RouteName = (typeof ROUTES)[number];

/** `a,b` → the routes named, each one of {@link ROUTES}. */
function routeList(text: string | undefined): RouteName[] {
  const names = (text ?? '').split(',').filter((name) => name !== '');
  const unknown = names.filter((name) => !(ROUTES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--routes takes a comma-separated list of ${ROUTES.join(', ')}; got '${text ?? ''}'`);
  }
  return names as RouteName[];
}

const SMOKE = { days: 1, durationS: 2, warmupS: 1 };

function parseArgs(argv: readonly string[]): Args {
  const given: Partial<Args> = {};
  let smoke = false;
  const whole = wholeNumber;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--robots') given.robots = whole(flag, value(), 1_000);
    // Both stores keep 7 days of raw points by default.
    else if (flag === '--days') given.days = whole(flag, value(), HISTORY_DAYS);
    else if (flag === '--alerts') given.alerts = whole(flag, value(), 1_000_000);
    else if (flag === '--connections') given.connections = whole(flag, value(), 1_000);
    else if (flag === '--duration') given.durationS = whole(flag, value(), 3_600);
    else if (flag === '--warmup') given.warmupS = whole(flag, value(), 600);
    else if (flag === '--routes') given.routes = routeList(value());
    else if (flag === '--smoke' && inline === undefined) smoke = true;
    else {
      throw new Error(
        `unknown argument '${argv[i]}' ` +
          '(--robots, --days, --alerts, --connections, --duration, --warmup, --routes, --smoke)',
      );
    }
  }
  const defaults = {
    robots: 20,
    days: HISTORY_DAYS,
    alerts: 5_000,
    connections: 10,
    durationS: 10,
    warmupS: 2,
    routes: ROUTES,
  };
  return { ...defaults, ...(smoke ? SMOKE : {}), ...given };
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const round1 = (value: number) => Math.round(value * 10) / 10;

interface Route {
  label: string;
  path: string;
  /** What the route must answer, given what was seeded; a problem in words, or undefined. */
  check: (body: unknown) => string | undefined;
}

/** The stores the run uses, each fresh, and what undoes them. */
async function prepareStores(config: FleetConfig, run: string, dir: string, cleanups: Cleanups) {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const database = `fleet_bench_${run}`;
  const prefix = `fleet-bench:${run}:`;
  const instanceId = `bench-${run}`;
  let serverUrl = config.database.url;
  if (!serverUrl) {
    const embedded = new EmbeddedPostgres({ dataDir: join(dir, 'data'), port: 0, logger });
    cleanups.add(() => embedded.stop());
    serverUrl = (await embedded.start()).url;
  }
  const server = serverUrl;
  await onServer(server, `CREATE DATABASE "${database}"`);
  cleanups.add(() => onServer(server, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  const databaseUrl = new URL(server);
  databaseUrl.pathname = `/${database}`;

  const influxUrl = config.telemetry.influx.url;
  if (influxUrl) {
    const influx = new InfluxHttp({ ...config.telemetry.influx, url: influxUrl });
    cleanups.add(async () => {
      const response = await influx.request(`/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, {
        method: 'POST',
      });
      if (!response.ok) throw new Error(`InfluxDB answered HTTP ${response.status} to DROP DATABASE ${database}`);
    });
  }
  const redisUrl = config.redis.url;
  if (redisUrl) cleanups.add(() => dropRedisKeys(redisUrl, prefix));
  const mqttUrl = config.mqtt.url;
  if (mqttUrl) {
    // The API's session is persistent: once the API is gone, end it so the broker does not keep it.
    cleanups.add(() =>
      connectAsync(mqttUrl, {
        clientId: `fleet-api-${instanceId}`,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        username: config.mqtt.username,
        password: config.mqtt.password,
      }).then((c) => c.endAsync()),
    );
  }
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl.toString(),
    TELEMETRY_STORE: influxUrl ? 'influxdb' : 'postgres',
    INFLUX_DATABASE: database,
    REDIS_KEY_PREFIX: prefix,
    MQTT_TOPIC_PREFIX: `fleet-bench/${run}`,
    FLEET_INSTANCE_ID: instanceId,
    FLEET_DATA_DIR: join(dir, 'fleet'),
    LOG_LEVEL: 'warn',
    ...(mqttUrl ? {} : { MQTT_HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_WS_PORT: '0' }),
  };
  const where =
    `database ${database}${config.database.url ? '' : ' (embedded PostgreSQL)'}, ` +
    `${redisUrl ? `Redis prefix ${prefix}` : 'in-memory live state'}, ${mqttUrl ? 'MQTT_URL' : 'embedded broker'}`;
  return { env, where, store: influxUrl ? ('influxdb' as const) : ('postgres' as const) };
}

/** The minutes (bucket starts) that hold at least one of `times` within `from`..`to`. */
function minutesWithPoints(times: Iterable<number>, from: number, to: number): number {
  const minutes = new Set<number>();
  for (const t of times) if (t >= from && t < to) minutes.add(Math.floor(t / MINUTE_MS));
  return minutes.size;
}

/** Runs a rollup maintainer reaching back `backfillMs` until it has caught up; the minutes it rolled. */
async function rollAll(db: Kysely<DB>, store: InfluxTelemetryStore, backfillMs: number): Promise<number> {
  const maintainer = new RollupMaintainer(db, {
    minutes: store,
    now: () => new Date(),
    minuteChunkMs: 6 * 60 * MINUTE_MS,
    minuteBackfillMs: backfillMs,
  });
  let minutes = 0;
  for (let run = 0; run < 1_000; run++) {
    const result = await maintainer.run();
    minutes += result.minutesRolled;
    if (result.minutesRolled + result.hoursRolled + result.marksRolled === 0) return minutes;
  }
  throw new Error('the rollups did not catch up in 1,000 runs');
}

function* every(from: number, to: number, step: number): Generator<number> {
  for (let t = from; t < to; t += step) yield t;
}

const figures: Partial<Record<RouteName, LoadFigures>> = {};
const problems: string[] = [];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const cleanups = new Cleanups();
  const signal = cleanUpOnSignal(cleanups);
  let api: ApiApp | undefined;
  let store: 'influxdb' | 'postgres' | null = null;
  try {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-api-'));
    // An embedded PostgreSQL run as root drops to another user, who must reach its data directory.
    await chmod(dir, 0o755);
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    const stores = await prepareStores(config, run, dir, cleanups);
    store = stores.store;
    const adminPassword = randomBytes(18).toString('base64url');

    const booted = performance.now();
    api = await startApi(
      {
        ...stores.env,
        FLEET_ADMIN_PASSWORD: adminPassword,
        JWT_SECRET: randomBytes(48).toString('base64url'),
      },
      join(dir, 'api.log'),
    );
    const app = api;
    cleanups.add(() => app.close());
    line('API started', `${n(performance.now() - booted)} ms (${stores.where}, store ${store})`);

    // Seeding.
    const seeded = performance.now();
    const now = Date.now();
    const ids = Array.from({ length: args.robots }, (_, i) => `tonypi_${String(i + 1).padStart(2, '0')}`);
    const robotId = ids[0];
    await seedRobots(app.db, ids, new Date(now));
    const livePoints = await seedLiveState(app.live, app.store, app.config, ids, new Date(now));
    line(`seeded ${n(ids.length)} robots' live state`, `${n(livePoints)} points (${SERVOS} servos each)`);
    // A minute inside the store's retention, so none of the oldest points is past it by the time it is written.
    const historyFrom = now - args.days * DAY_MS + MINUTE_MS;
    const historyPoints = await seedHistory(
      app.store,
      app.config,
      robotId,
      new Date(historyFrom),
      new Date(now),
      STATUS_EVERY_MS,
    );
    line(
      `seeded ${args.days} day${args.days > 1 ? 's' : ''} of ${robotId}'s robot_status`,
      `${n(historyPoints)} points, one every ${STATUS_EVERY_MS / 1000} s`,
    );
    if (app.store instanceof InfluxTelemetryStore) {
      // What the reports service does in production: roll InfluxDB's points into Fleet's 1-minute rollups.
      const rolling = performance.now();
      const minutes = await rollAll(app.db, app.store, args.days * DAY_MS + DAY_MS);
      line('rolled the 1-minute rollups', `${n(minutes)} minutes in ${n((performance.now() - rolling) / 1000, 1)} s`);
    }
    const alerts = await seedAlerts(app.db, ids, args.alerts, new Date(now - HISTORY_DAYS * DAY_MS), new Date(now));
    line(
      `seeded ${n(args.alerts)} alerts`,
      `${n(alerts.open)} open, ${n(alerts.resolved)} resolved, ${n(alerts.acknowledged)} acknowledged`,
    );
    line('seeding took', `${n((performance.now() - seeded) / 1000, 1)} s`);

    // The history route answers at most MAX_HISTORY_BUCKETS buckets.
    const rangeMs = Math.min(HISTORY_DAYS * DAY_MS, MAX_HISTORY_BUCKETS * MINUTE_MS);
    if (rangeMs < HISTORY_DAYS * DAY_MS) {
      line(
        'history range (capped by MAX_HISTORY_BUCKETS)',
        `${n(rangeMs / DAY_MS, 2)} days = ${n(MAX_HISTORY_BUCKETS)} one-minute buckets, not ${HISTORY_DAYS} days`,
      );
    }
    const to = Date.now();
    const from = to - rangeMs;
    const historyTimes = [...every(historyFrom, now, STATUS_EVERY_MS), now];
    const expectedBuckets = minutesWithPoints(historyTimes, from, to);
    const query = new URLSearchParams({
      measurement: 'robot_status',
      fields: 'system_cpu_percent',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      every: '1m',
      fn: 'mean',
    });
    const routes: Record<RouteName, Route> = {
      latest_state: {
        label: 'latest state',
        path: `/api/v1/robots/${robotId}/state`,
        check: (body) => {
          const state = body as { live?: boolean; servos?: unknown[]; battery?: unknown; location?: unknown };
          if (state.live !== true) return 'the robot has no live state';
          if (state.servos?.length !== SERVOS) return `${state.servos?.length ?? 0} servos, ${SERVOS} seeded`;
          if (!state.battery || !state.location) return 'no battery or location';
          return undefined;
        },
      },
      history_7d_1m: {
        label: `history ${n(rangeMs / DAY_MS, 2)} d, 1-minute buckets`,
        path: `/api/v1/robots/${robotId}/telemetry?${query.toString()}`,
        check: (body) => {
          const history = body as { time?: number[]; values?: Record<string, (number | null)[]> };
          const times = history.time ?? [];
          const values = history.values?.system_cpu_percent ?? [];
          if (times.length !== expectedBuckets) return `${times.length} buckets, ${expectedBuckets} expected`;
          if (values.length !== times.length || values.some((v) => typeof v !== 'number')) {
            return 'a bucket without a value';
          }
          return undefined;
        },
      },
      alerts_list: {
        label: `alert list, ${PAGE} per page`,
        path: `/api/v1/alerts?limit=${PAGE}`,
        check: (body) => {
          const page = body as { items?: unknown[]; total?: number };
          if (page.total !== args.alerts) return `total ${page.total ?? 'missing'}, ${args.alerts} seeded`;
          if (page.items?.length !== PAGE) return `${page.items?.length ?? 0} items, ${PAGE} asked for`;
          return undefined;
        },
      },
    };

    for (const name of args.routes) {
      const route = routes[name];
      const token = await app.login(app.config.auth.adminUsername, adminPassword);
      const response = await fetch(`${app.url}${route.path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      if (response.status !== 200) {
        throw new Error(`GET ${route.path}: HTTP ${response.status} ${text.slice(0, 1_000)}`);
      }
      const wrong = route.check(JSON.parse(text));
      if (wrong) problems.push(`GET ${route.path}: ${wrong}`);
      const result = await loadRoute(`${app.url}${route.path}`, token, args, name);
      figures[name] = result;
      line(
        route.label,
        `${n(result.reqPerS)} req/s, p50 ${n(result.p50Ms, 1)} ms, p95 ${n(result.p95Ms, 1)} ms, ` +
          `p99 ${n(result.p99Ms, 1)} ms (${n(result.requests)} requests, ${n(text.length)} bytes each, ` +
          `${n(result.bytesPerAnswer)} on the wire)`,
      );
    }
    line('load', `${args.connections} connections, ${args.durationS} s per route after ${args.warmupS} s of warm-up`);
  } catch (error) {
    // Interrupted, the run fails because its connections are closing: nothing to report.
    if (signal.stopping) return;
    problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (api) process.stderr.write(`the API's last log lines:\n${await api.logTail(3_000)}\n`);
  } finally {
    await cleanups.run();
    signal.release();
  }
  for (const problem of problems) process.stderr.write(`FAILED: ${problem}\n`);
  const summary = Object.fromEntries(
    ROUTES.map((name) => {
      const f = figures[name];
      return [
        name,
        f
          ? {
              req_per_s: Math.round(f.reqPerS),
              p50_ms: round1(f.p50Ms),
              p95_ms: round1(f.p95Ms),
              p99_ms: round1(f.p99Ms),
              wire_bytes: Math.round(f.bytesPerAnswer),
            }
          : null,
      ];
    }),
  );
  process.stdout.write(`${JSON.stringify({ bench: 'api', ...summary, store })}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
