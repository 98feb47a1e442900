// Alerting throughput and latency: boots the alerting service in this process, as production boots it, against a
// fresh database on the PostgreSQL server of DATABASE_URL and a fresh key prefix on the Redis of REDIS_URL, and
// publishes TonyPi telemetry events on the event bus as ingest does.
//   Phase 1, throughput: --events events from --robots robots, about 5% of their values past a default threshold,
//     published as fast as alerting takes them. Evaluated events/s = events / the time from the first publish until
//     the 'alerting' consumer group has been handed every event and has acknowledged all of them (XINFO GROUPS).
//   Phase 2, latency: events at --rate per second for --seconds; every 50th is a battery at 5% from a robot of its
//     own whose battery threshold has no pending period, so it opens an alert at once. Latency = the arrival of that
//     alert's 'opened' event on the alerts stream − the publishing of its telemetry event.
// Both phases check what alerting did against the same pure state machine run apart from it: every alert that
// should open opened, once.
// Run: npm run bench:alerting -- [--events 50000] [--robots 50] [--rate 200] [--seconds 20] [--smoke]
//      (--smoke: 2,000 events from 10 robots, then 3 s at 100/s, for CI). MQTT_URL is used when set; without it
//      the service runs its embedded broker on free ports.
// Prints one line per figure; the last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync } from 'mqtt';
import pino from 'pino';
import { ALERTING_GROUP } from '@apps/alerting/src/alert.evaluator';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { ALERT_STREAM, TELEMETRY_STREAM, type AlertEvent, type TelemetryEvent } from '@fleet/contracts';
import { RedisConnection, RedisEventBus } from '@fleet/messaging';
import { robotIds, SeededRandom } from '@fleet/simulator';
import { startAlerting, type AlertingApp } from './alerting/alerting-app';
import { caughtUp, groupPosition } from './alerting/consumer-group';
import { ExpectedAlerts } from './alerting/expected-alerts';
import { toEvent, tonyPiMix, type Reading } from './alerting/tonypi-events';
import { percentile } from './ingest/ingest-metrics';
import { dropRedisKeys, onServer } from './ingest/stored-points';
import { wholeNumber } from './args';
import { Cleanups, cleanUpOnSignal } from './cleanups';

/** Phase 1 publishes this many events per XADD transaction (ingest publishes a written batch at once). */
const BATCH = 1_000;
/**
 * Phase 1 keeps at most this many events published but not yet evaluated: far more than alerting reads at once
 * (500), far fewer than a stream keeps (`EVENTS_MAX_LENGTH`, 100,000 by default), so none is trimmed unread.
 */
const BACKLOG = 20_000;
const BREACH_SHARE = 0.05;
/** In phase 2, every this many events one opens a fresh alert. */
const PROBE_EVERY = 50;
const POLL_MS = 10;
/** With no progress for this long, alerting is taken to have stalled. */
const STALL_MS = 30_000;

interface Args {
  events: number;
  robots: number;
  rate: number;
  seconds: number;
}

const SMOKE: Args = { events: 2_000, robots: 10, rate: 100, seconds: 3 };

function parseArgs(argv: readonly string[]): Args {
  const given: Partial<Args> = {};
  let smoke = false;
  const whole = wholeNumber;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--events') given.events = whole(flag, value(), 10_000_000);
    else if (flag === '--robots') given.robots = whole(flag, value(), 1_000);
    else if (flag === '--rate') given.rate = whole(flag, value(), 100_000);
    else if (flag === '--seconds') given.seconds = whole(flag, value(), 3_600);
    else if (flag === '--smoke' && inline === undefined) smoke = true;
    else throw new Error(`unknown argument '${argv[i]}' (--events, --robots, --rate, --seconds, --smoke)`);
  }
  const args = { ...(smoke ? SMOKE : { events: 50_000, robots: 50, rate: 200, seconds: 20 }), ...given };
  if (Math.floor(args.rate * args.seconds) < PROBE_EVERY) {
    throw new Error(
      `--rate × --seconds must be at least ${PROBE_EVERY}: phase 2 opens one alert per ${PROBE_EVERY} events`,
    );
  }
  return args;
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const ms = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);

/** What both phases work with. */
interface Bench {
  run: string;
  alerting: AlertingApp;
  bus: RedisEventBus;
  redis: RedisConnection;
  mix: Generator<Reading>;
  expected: ExpectedAlerts;
  /** Each robot's newest event time, so the events of one robot keep moving forward. */
  lastTime: Map<string, number>;
  sequence: number;
}

function nextEvent(bench: Bench, reading: Pick<Reading, 'robotId' | 'kind' | 'data'>, wanted: number): TelemetryEvent {
  const time = Math.max(wanted, (bench.lastTime.get(reading.robotId) ?? 0) + 1);
  bench.lastTime.set(reading.robotId, time);
  return toEvent(reading, `bench:${bench.run}:${++bench.sequence}`, new Date(time));
}

/** Throws when `progress()` has not changed for {@link STALL_MS}; call it on every poll. */
function stallGuard(what: string, progress: () => number) {
  let last = { value: Number.NaN, at: performance.now() };
  return () => {
    const value = progress();
    if (value !== last.value) last = { value, at: performance.now() };
    else if (performance.now() - last.at > STALL_MS) throw new Error(`${what}: no progress for ${STALL_MS / 1000} s`);
  };
}

/** Waits until the 'alerting' group has been handed entry `lastId` and everything before it, and acknowledged all. */
async function untilEvaluated(bench: Bench, lastId: string, total: number): Promise<number> {
  let evaluated = 0;
  const guard = stallGuard(`alerting stopped short of the last of ${total} events`, () => evaluated);
  for (;;) {
    if (caughtUp(await groupPosition(bench.redis, TELEMETRY_STREAM, ALERTING_GROUP), lastId)) return performance.now();
    ({ evaluated } = await bench.alerting.events());
    guard();
    await sleep(POLL_MS);
  }
}

/** Phase 1: `events` as fast as alerting evaluates them; resolves with the seconds that took. */
async function throughput(bench: Bench, events: readonly TelemetryEvent[]): Promise<number> {
  let evaluated = 0;
  const guard = stallGuard(`alerting evaluated too little (${BACKLOG} events waiting)`, () => evaluated);
  const first = performance.now();
  let sent = 0;
  let lastId = '';
  while (sent < events.length) {
    ({ evaluated } = await bench.alerting.events());
    if (sent - evaluated >= BACKLOG) {
      guard();
      await sleep(POLL_MS);
      continue;
    }
    const batch = events.slice(sent, sent + BATCH);
    lastId = (await bench.bus.publish(TELEMETRY_STREAM, batch)).at(-1) ?? lastId;
    sent += batch.length;
  }
  return ((await untilEvaluated(bench, lastId, events.length)) - first) / 1000;
}

interface LatencyResult {
  latencies: Float64Array;
  missing: string[];
  duplicates: number;
  achievedRate: number;
  events: TelemetryEvent[];
}

/** Phase 2: events at `rate` per second; every {@link PROBE_EVERY}th opens an alert for a probe robot of its own. */
async function latency(bench: Bench, args: Args, probes: readonly string[]): Promise<LatencyResult> {
  const total = Math.floor(args.rate * args.seconds);
  const probeSet = new Set(probes);
  const publishedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  let duplicates = 0;
  const subscription = bench.bus.subscribe<AlertEvent>(ALERT_STREAM, `bench-${bench.run}`, 'bench', (batch) => {
    const now = performance.now();
    for (const { data } of batch) {
      const robot = data.alert.robot_id;
      if (data.event !== 'opened' || robot === null || !probeSet.has(robot)) continue;
      if (arrivedAt.has(robot)) duplicates++;
      else arrivedAt.set(robot, now);
    }
    return Promise.resolve();
  });
  await subscription.ready;

  const published: TelemetryEvent[] = [];
  const start = performance.now();
  let sent = 0;
  let probe = 0;
  let lastId = '';
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * args.rate) / 1000) + 1);
    const batch: TelemetryEvent[] = [];
    const inBatch: string[] = [];
    const now = Date.now();
    for (; sent < due; sent++) {
      if (sent % PROBE_EVERY === PROBE_EVERY - 1) {
        const robotId = probes[probe++];
        inBatch.push(robotId);
        const data = { robot_id: robotId, percentage: 5, voltage: 9.18, charging: false };
        batch.push(nextEvent(bench, { robotId, kind: 'battery', data }, now));
      } else {
        batch.push(nextEvent(bench, bench.mix.next().value as Reading, now));
      }
    }
    const at = performance.now();
    lastId = (await bench.bus.publish(TELEMETRY_STREAM, batch)).at(-1) ?? lastId;
    for (const robotId of inBatch) publishedAt.set(robotId, at);
    published.push(...batch);
    const wait = start + (sent * 1000) / args.rate - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const achievedRate = total / ((performance.now() - start) / 1000);

  // Everything is evaluated, so every alert event is on its stream: what does not arrive in time is missing.
  await untilEvaluated(bench, lastId, total);
  const deadline = performance.now() + STALL_MS;
  while (arrivedAt.size < probes.length && performance.now() < deadline) await sleep(POLL_MS);
  await subscription.close();
  const latencies = Float64Array.from(
    [...arrivedAt].map(([robot, at]) => at - (publishedAt.get(robot) ?? Number.NaN)),
  ).sort();
  return {
    latencies,
    missing: probes.filter((p) => !arrivedAt.has(p)),
    duplicates,
    achievedRate,
    events: published,
  };
}

async function alertRows(alerting: AlertingApp, robots?: readonly string[]) {
  let query = alerting.db.selectFrom('alerts').select(['robot_id', (eb) => eb.fn.countAll<string>().as('n')]);
  if (robots) query = query.where('robot_id', 'in', robots);
  const rows = await query.groupBy('robot_id').execute();
  return new Map(rows.map((r) => [r.robot_id, Number(r.n)]));
}

/** Prints how many batches alerting evaluated since `before`, and their mean time; resolves with the new totals. */
async function batchLine(phase: string, alerting: AlertingApp, before: { count: number; seconds: number }) {
  const now = await alerting.batches();
  const count = now.count - before.count;
  line(
    `${phase}: alerting's batches`,
    `${n(count)}, ${n(((now.seconds - before.seconds) * 1000) / count, 1)} ms each on average (evaluate + commit)`,
  );
  return now;
}

const sum = (counts: Map<unknown, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** The PostgreSQL server and Redis the benchmark runs against; a missing one stops it with a message naming it. */
function requireServers(config: FleetConfig): { serverUrl: string; redisUrl: string } {
  const missing = [!config.database.url && 'DATABASE_URL', !config.redis.url && 'REDIS_URL'].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the alerting benchmark runs against a real PostgreSQL server and Redis, ` +
        'e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 ' +
        '(bash .ci/run --services-only starts both)',
    );
  }
  return { serverUrl: config.database.url as string, redisUrl: config.redis.url as string };
}

const figures: Record<string, number | null> = {};
const problems: string[] = [];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const { serverUrl, redisUrl } = requireServers(config);
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `fleet-bench:${run}:`;
  const database = `fleet_bench_${run}`;
  const cleanups = new Cleanups();
  const signal = cleanUpOnSignal(cleanups);
  let alerting: AlertingApp | undefined;
  try {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-alerting-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    await onServer(serverUrl, `CREATE DATABASE "${database}"`);
    cleanups.add(() => onServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    cleanups.add(() => dropRedisKeys(redisUrl, prefix));
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${database}`;
    const instanceId = `bench-${run}`;
    if (config.mqtt.url) {
      const mqttUrl = config.mqtt.url;
      // The service's session is persistent: once the service is gone, end it so the broker does not keep it.
      cleanups.add(() =>
        connectAsync(mqttUrl, {
          clientId: `fleet-alerting-${instanceId}`,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
          username: config.mqtt.username,
          password: config.mqtt.password,
        }).then((c) => c.endAsync()),
      );
    }

    const booted = performance.now();
    alerting = await startAlerting(
      {
        DATABASE_URL: databaseUrl.toString(),
        REDIS_KEY_PREFIX: prefix,
        FLEET_INSTANCE_ID: instanceId,
        // Ingest, which records when each robot was last heard from, is not running: without it every robot
        // would count as silent a minute in and be marked offline mid-run.
        ALERT_OFFLINE_TIMEOUT_S: '86400',
        ...(config.mqtt.url ? {} : { MQTT_HOST: '127.0.0.1', MQTT_PORT: '0', MQTT_WS_PORT: '0' }),
      },
      join(dir, 'alerting.log'),
    );
    const app = alerting;
    cleanups.add(() => app.close());
    line(
      'alerting started',
      `${n(performance.now() - booted)} ms (database ${database}, Redis prefix ${prefix}, ` +
        `${config.mqtt.url ? 'MQTT_URL' : 'embedded broker'})`,
    );

    const logger = pino({ level: 'warn' }, pino.destination(2));
    const redis = new RedisConnection(redisUrl, prefix, logger);
    cleanups.add(() => redis.close());
    const bus = new RedisEventBus({ redis, maxLength: app.config.events.maxLength, logger });
    cleanups.add(() => bus.close());

    const ids = robotIds(`bench_${run}_`, args.robots);
    const probes = robotIds(`bench_${run}_probe_`, Math.floor((args.rate * args.seconds) / PROBE_EVERY));
    for (const id of [...ids, ...probes]) await app.robots.create(id);
    line('registered robots', `${n(ids.length)} sending telemetry, ${n(probes.length)} for fresh alerts`);

    // Phase 1: the mix's times run in the past, up to now, so phase 2's (the clock's) come after them.
    const bench: Bench = {
      run,
      alerting: app,
      bus,
      redis,
      mix: tonyPiMix(ids, new SeededRandom(1), BREACH_SHARE),
      expected: new ExpectedAlerts(await app.thresholds.listAll()),
      lastTime: new Map(),
      sequence: 0,
    };
    const readings = Array.from({ length: args.events }, () => bench.mix.next().value as Reading);
    const base = Date.now() - (readings.at(-1)?.simulatedMs ?? 0) - 1_000;
    const events = readings.map((r) => nextEvent(bench, r, base + r.simulatedMs));
    for (const event of events) bench.expected.add(event);
    const judged = readings.reduce((a, r) => a + r.judged, 0);
    const breaching = readings.reduce((a, r) => a + r.breaching, 0);
    line(
      `phase 1: ${n(args.events)} events from ${n(args.robots)} robots`,
      `${n(breaching)} of ${n(judged)} values past a threshold (${n((breaching / judged) * 100, 1)}%)`,
    );

    const batchesBefore = await app.batches();
    const seconds = await throughput(bench, events);
    const perS = args.events / seconds;
    figures.evaluated_per_s = Math.round(perS);
    const counted = await app.events();
    line('phase 1: evaluated', `${n(perS)} events/s (${n(seconds, 2)} s)`);
    const phase1Batches = await batchLine('phase 1', app, batchesBefore);
    if (counted.evaluated !== args.events || counted.invalid !== 0) {
      problems.push(`alerting counted ${counted.evaluated} evaluated and ${counted.invalid} invalid events`);
    }
    const afterPhase1 = sum(await alertRows(app));
    line(
      'phase 1: alerts opened',
      `${n(afterPhase1)} (the state machine says ${n(bench.expected.opened)}; ` +
        `${n(bench.expected.escalated)} escalated, ${n(bench.expected.resolved)} resolved)`,
    );
    if (afterPhase1 !== bench.expected.opened) {
      problems.push(`phase 1 opened ${afterPhase1} alerts, ${bench.expected.opened} expected`);
    }

    // Phase 2: each probe robot's battery alerts at once.
    for (const robot_id of probes) {
      await app.thresholds.upsert({
        robot_id,
        metric_type: 'battery',
        warning_threshold: 20,
        critical_threshold: 10,
        direction: 'below',
        pending_s: 0,
      });
    }
    await app.settings.refresh();
    bench.expected.thresholds(await app.thresholds.listAll());
    const result = await latency(bench, args, probes);
    for (const event of result.events) bench.expected.add(event);
    const lat = result.latencies;
    const [p50, p99, max] = [percentile(lat, 50), percentile(lat, 99), lat.at(-1) ?? Number.NaN];
    Object.assign(figures, { p50: ms(p50), p99: ms(p99), max: ms(max), alerts: lat.length });
    line(
      `phase 2: ${n(result.events.length)} events at ${n(args.rate)}/s`,
      `published at ${n(result.achievedRate, 1)}/s, ${n(probes.length)} fresh alerts expected`,
    );
    await batchLine('phase 2', app, phase1Batches);
    line(
      'phase 2: publish → opened alert event',
      `p50 ${n(p50, 1)} ms, p99 ${n(p99, 1)} ms, max ${n(max, 1)} ms (${n(lat.length)} alerts)`,
    );
    if (result.missing.length > 0) {
      problems.push(
        `${result.missing.length} of ${probes.length} opened alert events never arrived ` +
          `(e.g. ${result.missing.slice(0, 3).join(', ')})`,
      );
    }
    if (result.duplicates > 0) problems.push(`${result.duplicates} alerts were announced as opened more than once`);

    const probeRows = await alertRows(app, probes);
    const oneEach = probes.every((p) => probeRows.get(p) === 1);
    line('phase 2: alert rows of the fresh alerts', `${n(sum(probeRows))}${oneEach ? ', one each' : ', NOT one each'}`);
    if (!oneEach) problems.push(`the ${probes.length} fresh alerts have ${sum(probeRows)} rows, not one each`);
    const total = sum(await alertRows(app));
    line('alert rows in all', `${n(total)} (the state machine says ${n(bench.expected.opened)})`);
    if (total !== bench.expected.opened) problems.push(`${total} alert rows, ${bench.expected.opened} expected`);

    const rssMb = process.resourceUsage().maxRSS / 1024;
    figures.rss_mb = Math.round(rssMb);
    line('peak RSS of this process (alerting and the publisher)', `${n(rssMb)} MB`);
  } catch (error) {
    // Interrupted, the run fails because its connections are closing: nothing to report.
    if (signal.stopping) return;
    problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (alerting) process.stderr.write(`alerting's last log lines:\n${await alerting.logTail(3_000)}\n`);
  } finally {
    await cleanups.run();
    signal.release();
  }
  for (const problem of problems) process.stderr.write(`FAILED: ${problem}\n`);
  const summary = {
    bench: 'alerting',
    events: args.events,
    evaluated_per_s: figures.evaluated_per_s ?? null,
    rate: args.rate,
    latency_ms: { p50: figures.p50 ?? null, p99: figures.p99 ?? null, max: figures.max ?? null },
    alerts: figures.alerts ?? null,
    rss_mb: figures.rss_mb ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
