// Ingest throughput: publishes N QoS-1 TonyPi messages (the client's own mix) as fast as ingest takes them, against
// the configured broker and telemetry store, and checks that every point is stored exactly once.
// Run: npm run bench:ingest -- [--messages 100000] [--robots 10] [--store influxdb|postgres] [--window 400]
//      [--heap-mb 192]  (ingest's V8 heap limit, as shipped for it; 0 leaves Node's default)
//      [--profile <dir>]  (ingest runs with --cpu-prof into <dir>; its top self-time functions and GC share are printed)
//      [--node-arg <flag>]  (repeatable: a Node option for ingest, e.g. --node-arg=--max-semi-space-size=32)
// Prints one line per figure; the last line is one JSON object.
//
// How publish→durable latency is measured: ingest writes messages in the order it receives them, and one publisher
// on one connection is delivered in order, so message i is durable once ingest's points-written counter reaches
// the number of points of messages 0..i. /metrics is read every 20 ms; each message's latency is the time from its
// publish to the first reading that covers it, so figures err high by at most one polling period plus one request.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { loadConfig } from '@fleet/config';
import { EmbeddedPostgres } from '@fleet/database';
import { EmbeddedBroker, INTERNAL_USER, prefixTopic } from '@fleet/messaging';
import { InfluxHttp } from '@fleet/telemetry';
import { summariseProfile } from './ingest/cpu-profile';
import { followedMetricsUrl, latencies, MetricsPoller, percentile } from './ingest/ingest-metrics';
import { INGEST_HEAP_MB, startIngest } from './ingest/ingest-process';
import { countInflux, countPostgres, dropRedisKeys, onServer } from './ingest/stored-points';
import { prepareMessages, type Prepared } from './ingest/tonypi-mix';
import { wholeNumber } from './args';

/** With no progress for this long, ingest is taken to have stalled. */
const STALL_MS = 30_000;
/** With nothing delivered for this long, the plain subscriber's messages are taken to be lost. */
const RAW_STALL_MS = 5_000;
const logger = pino({ level: 'warn' });

interface Args {
  messages: number;
  robots: number;
  store?: 'influxdb' | 'postgres';
  window: number;
  heapMb: number;
  profile?: string;
  nodeArgs: string[];
}

function parseArgs(argv: readonly string[]): Args {
  // Mosquitto queues at most 1,000 messages per subscriber by default (max_queued_messages) and drops the rest.
  const args: Args = { messages: 100_000, robots: 10, window: 400, heapMb: INGEST_HEAP_MB, nodeArgs: [] };
  const whole = wholeNumber;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--messages') args.messages = whole(flag, value(), 10_000_000);
    else if (flag === '--robots') args.robots = whole(flag, value(), 1_000);
    else if (flag === '--window') args.window = whole(flag, value(), 100_000);
    else if (flag === '--heap-mb') {
      const heap = value();
      args.heapMb = heap === '0' ? 0 : whole(flag, heap, 65_536);
    } else if (flag === '--node-arg') {
      const option = value();
      if (!option?.startsWith('--')) throw new Error(`--node-arg: expected a Node option such as --trace-gc`);
      args.nodeArgs.push(option);
    } else if (flag === '--profile') {
      const dir = value();
      if (!dir) throw new Error('--profile: expected a directory');
      args.profile = resolve(dir);
    } else if (flag === '--store') {
      const store = value();
      if (store !== 'influxdb' && store !== 'postgres') {
        throw new Error(`--store: expected influxdb or postgres, got '${store ?? ''}'`);
      }
      args.store = store;
    } else
      throw new Error(
        `unknown argument '${argv[i]}' (--messages, --robots, --store, --window, --heap-mb, --profile, --node-arg)`,
      );
  }
  return args;
}

type Auth = Pick<IClientOptions, 'username' | 'password'>;

const client = (url: string, clientId: string, auth: Auth) =>
  connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...auth });

/** A plain subscriber and a publisher through the broker, QoS 1, with the same window: its raw delivery rate. */
async function brokerRawRate(url: string, auth: Auth, prefix: string, messages: readonly Prepared[], window: number) {
  const sub = await client(url, `bench-sub-${prefix.replace(/\W/g, '-')}`, auth);
  const pub = await client(url, `bench-pub-${prefix.replace(/\W/g, '-')}`, auth);
  try {
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
    let received = 0;
    let wake: (() => void) | undefined;
    let last = 0;
    sub.on('message', () => {
      received++;
      last = performance.now();
      wake?.();
    });
    let sent = 0;
    /** Whether another message arrived within the stall period. */
    const nextMessage = () =>
      new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), RAW_STALL_MS);
        wake = () => {
          clearTimeout(timer);
          done(true);
        };
      });
    const first = performance.now();
    let flowing = true;
    while (flowing && sent < messages.length) {
      while (sent < messages.length && sent - received < window) {
        pub.publish(`${prefix}/${messages[sent].topic}`, messages[sent].body, { qos: 1 });
        sent++;
      }
      flowing = await nextMessage();
    }
    while (flowing && received < messages.length) flowing = await nextMessage();
    // A broker that drops messages (Mosquitto past max_queued_messages) says so in its log; its rate still counts.
    return { rate: (received * 1000) / (last - first), lost: sent - received };
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

/** Publishes every message (QoS 1), keeping at most `window` of them received by the broker but not by ingest. */
async function publishAll(
  pub: MqttClient,
  prefix: string,
  messages: readonly Prepared[],
  window: number,
  poller: MetricsPoller,
) {
  const publishedAt = new Float64Array(messages.length);
  let sent = 0;
  let progress = { at: performance.now(), received: -1 };
  while (sent < messages.length) {
    const { received } = poller.latest;
    let room = window - (sent - received);
    if (room <= 0) {
      if (received !== progress.received) progress = { at: performance.now(), received };
      else if (performance.now() - progress.at > STALL_MS) {
        throw new Error(
          `ingest took no message for ${STALL_MS / 1000} s (fleet_ingest_received_total stays at ${received}, ` +
            `${sent} published)`,
        );
      }
      await poller.next();
      continue;
    }
    while (room-- > 0 && sent < messages.length) {
      publishedAt[sent] = performance.now();
      pub.publish(prefixTopic(prefix, messages[sent].topic), messages[sent].body, { qos: 1 });
      sent++;
    }
    // Let the socket take what was written before deciding again.
    await new Promise((done) => setImmediate(done));
  }
  return publishedAt;
}

/** Waits until ingest has written `points` points or handled every message, or stops making progress. */
async function waitDurable(poller: MetricsPoller, points: number, messages: number): Promise<boolean> {
  let progress = { at: performance.now(), written: -1, handled: -1 };
  for (;;) {
    const { written, accepted, rejected } = poller.latest;
    if (written >= points) return true;
    if (accepted + rejected >= messages) return false;
    if (written !== progress.written || accepted + rejected !== progress.handled) {
      progress = { at: performance.now(), written, handled: accepted + rejected };
    } else if (performance.now() - progress.at > STALL_MS) return false;
    await poller.next();
  }
}

/** Prints the summary of the profile ingest wrote on exit (the one file not there before). */
async function printProfile(dir: string, before: ReadonlySet<string>): Promise<void> {
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile') && !before.has(name));
  if (!file) {
    process.stderr.write(`no CPU profile was written to ${dir}\n`);
    return;
  }
  const summary = summariseProfile(join(dir, file));
  line('ingest CPU profile', join(dir, file));
  line('  busy time (not idle)', `${n(summary.busyMs)} ms of ${n(summary.totalMs)} ms sampled`);
  line('  garbage collection', `${n(summary.gcShare * 100, 1)}% of busy time`);
  for (const entry of summary.top)
    line(`  ${entry.name}`.slice(0, 52), `${n(entry.selfMs)} ms self, ${n(entry.share * 100, 1)}%`);
}

const figures: Record<string, number | boolean> = {};
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const store = args.store ?? config.telemetry.store;
  if (store === 'influxdb' && !config.telemetry.influx.url) throw new Error('--store influxdb needs INFLUX_URL');
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `fleet-bench/${run}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  let ingestOutput: (() => string) | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-ingest-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  try {
    const expected = prepareMessages(args.messages, args.robots, run, config);
    line(`prepared ${n(args.messages)} messages from ${args.robots} robots`, `${n(expected.points)} points`);

    // The broker: MQTT_URL, or an embedded one in this process (ingest then logs in to it as Fleet).
    let mqttUrl = config.mqtt.url;
    let auth: Auth = { username: config.mqtt.username, password: config.mqtt.password };
    const brokerEnv: Record<string, string> = {};
    if (!mqttUrl) {
      const secret = randomBytes(24).toString('base64url');
      const broker = new EmbeddedBroker({
        host: '127.0.0.1',
        port: 0,
        wsPort: 0,
        internalSecret: secret,
        topicPrefix: '',
        logger,
      });
      cleanups.push(() => broker.close());
      const { port } = await broker.start();
      mqttUrl = `mqtt://127.0.0.1:${port}`;
      auth = { username: INTERNAL_USER, password: secret };
      // aedes grants shared subscriptions but delivers nothing to them.
      Object.assign(brokerEnv, {
        MQTT_USERNAME: INTERNAL_USER,
        MQTT_PASSWORD: secret,
        INGEST_SHARED_SUBSCRIPTION: 'off',
      });
    }

    const { rate: raw, lost } = await brokerRawRate(mqttUrl, auth, `${prefix}/raw`, expected.messages, args.window);
    figures.broker_raw_msgs_per_s = Math.round(raw);
    line('broker raw delivery, QoS 1 (plain subscriber)', `${n(raw)} msg/s${lost ? `, ${n(lost)} LOST` : ''}`);

    // The database ingest keeps its entities in (and, with the Postgres store, its points): a fresh one for the run.
    let serverUrl = config.database.url;
    if (!serverUrl) {
      const embedded = new EmbeddedPostgres({ dataDir: join(dir, 'data'), port: 0, logger });
      cleanups.push(() => embedded.stop());
      serverUrl = (await embedded.start()).url;
    }
    const database = `fleet_bench_${run}`;
    await onServer(serverUrl, `CREATE DATABASE "${database}"`);
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${database}`;
    cleanups.push(() => onServer(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    if (store === 'influxdb') {
      const influx = new InfluxHttp({ ...config.telemetry.influx, url: config.telemetry.influx.url ?? '' });
      cleanups.push(() =>
        influx.request(`/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }),
      );
    }

    if (args.profile) await mkdir(args.profile, { recursive: true });
    if (config.redis.url) {
      const redisUrl = config.redis.url;
      cleanups.push(() => dropRedisKeys(redisUrl, `fleet-bench:${run}:`));
    }
    const ingest = await startIngest(
      {
        ...brokerEnv,
        MQTT_URL: mqttUrl,
        MQTT_TOPIC_PREFIX: prefix,
        DATABASE_URL: databaseUrl.toString(),
        TELEMETRY_STORE: store,
        INFLUX_DATABASE: database,
        INGEST_BUFFER_DIR: join(dir, 'buffer'),
        INGEST_AUTO_REGISTER: 'true',
        FLEET_INSTANCE_ID: `bench-${run}`,
        FLEET_DATA_DIR: join(dir, 'data'),
        REDIS_KEY_PREFIX: `fleet-bench:${run}:`,
      },
      args.heapMb,
      [...args.nodeArgs, ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [])],
    );
    // Ingest's session is persistent: once ingest is gone, end it so the broker does not keep it after the run.
    cleanups.push(() => client(mqttUrl, `fleet-ingest-bench-${run}-robots`, auth).then((c) => c.endAsync()));
    cleanups.push(() => ingest.stop());

    ingestOutput = ingest.output;
    const poller = new MetricsPoller(followedMetricsUrl(`http://127.0.0.1:${ingest.port}`));
    cleanups.push(() => poller.stop());
    const pub = await client(mqttUrl, `bench-publisher-${run}`, auth);
    cleanups.push(() => pub.endAsync(true));
    const publishedAt = await publishAll(pub, prefix, expected.messages, args.window, poller);
    const durable = await waitDurable(poller, expected.points, expected.messages.length);
    await pub.endAsync();
    await poller.stop();
    const rssMb = ingest.peakRssMb();
    const profilesBefore = args.profile ? new Set(await readdir(args.profile)) : new Set<string>();
    await ingest.stop();
    if (args.profile) await printProfile(args.profile, profilesBefore);

    const last = poller.latest;
    const samples = poller.samples;
    const doneAt = samples.find((s) => s.written >= expected.points)?.t ?? last.t;
    const seconds = (doneAt - publishedAt[0]) / 1000;
    const lat = latencies(expected.messages, publishedAt, samples)
      .filter((v) => !Number.isNaN(v))
      .sort();
    const msgsPerS = expected.messages.length / seconds;
    figures.msgs_per_s = Math.round(msgsPerS);
    figures.points_per_s = Math.round(expected.points / seconds);
    figures.p50_ms = Math.round(percentile(lat, 50));
    figures.p99_ms = Math.round(percentile(lat, 99));
    figures.rss_mb = Math.round(rssMb);
    figures.ratio = Math.round((msgsPerS / raw) * 100) / 100;

    const counts =
      store === 'influxdb'
        ? await countInflux(config, database, expected)
        : await countPostgres(databaseUrl.toString(), expected.robotIds);
    const stored = [...counts.values()].reduce((a, b) => a + b, 0);
    const perMeasurement = [...expected.byMeasurement].every(([m, { points }]) => counts.get(m) === points);
    figures.published = expected.messages.length;
    figures.stored = stored;
    figures.exactly_once = durable && last.rejected === 0 && stored === expected.points && perMeasurement;

    line(
      `ingest (${store}${config.redis.url ? ', Redis' : ''})`,
      `${n(msgsPerS)} msg/s, ${n(expected.points / seconds)} points/s`,
    );
    line('publish → durable latency', `p50 ${n(percentile(lat, 50), 1)} ms, p99 ${n(percentile(lat, 99), 1)} ms`);
    line(
      'ingest peak RSS (VmHWM)',
      `${n(rssMb)} MB (heap limit ${args.heapMb ? `${args.heapMb} MB` : "Node's default"})`,
    );
    line('ingest rate / broker raw rate', n(msgsPerS / raw, 2));
    line(
      'ingest counters',
      `accepted ${n(last.accepted)}, rejected ${n(last.rejected)}, points written ${n(last.written)}`,
    );
    for (const [m, { points }] of expected.byMeasurement)
      line(`  stored ${m}`, `${n(counts.get(m) ?? 0)} of ${n(points)}`);
    line(
      'stored points',
      `${n(stored)} of ${n(expected.points)}: ${figures.exactly_once ? 'exactly once' : 'MISMATCH'}`,
    );
    if (!durable)
      process.stderr.write(`ingest did not store everything; its last output:\n${ingest.output().slice(-3_000)}\n`);
  } catch (error) {
    figures.exactly_once = false;
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (ingestOutput) process.stderr.write(`ingest's last output:\n${ingestOutput().slice(-3_000)}\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
    }
  }
  const keys = [
    'msgs_per_s',
    'points_per_s',
    'p50_ms',
    'p99_ms',
    'rss_mb',
    'broker_raw_msgs_per_s',
    'ratio',
    'published',
    'stored',
    'exactly_once',
  ];
  process.stdout.write(`${JSON.stringify(Object.fromEntries(keys.map((k) => [k, figures[k] ?? null])))}\n`);
  if (figures.exactly_once !== true) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
