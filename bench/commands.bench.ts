// Command delivery throughput and round trip: boots the API, the jobs service and ingest in this process, as
// production boots them, against a fresh database on the PostgreSQL server of DATABASE_URL, a fresh key prefix on
// the Redis of REDIS_URL and a fresh topic prefix on the broker of MQTT_URL (an embedded one on a free port without
// it). --robots robots are registered through the API, connect to the broker, announce themselves online
// (tonypi/status/{id}, through ingest) and answer every command at once with success on tonypi/commands/response.
//   Phase 1, throughput: --commands `status_request` commands, each to one robot in turn, posted by --connections
//     HTTP clients (a worker thread) as fast as the API accepts them. Accepted/s = 202 answers / the time from the
//     first request until the last answer; completed/s = commands completed / the time from the first request until
//     the `commands` table holds every one as settled (all `completed` unless delivery fell behind: a command not
//     published within its timeout_s times out instead). Also shown: created → published and published → answer
//     recorded, from the results' times, and how many were published more than once (answers later than timeout_s).
//   Phase 2, round trip: commands at --rate per second for --seconds. Round trip = the arrival of the command's
//     change to `completed` on the `commands` event stream − the start of its POST. Also shown: the time from
//     the command's creation to its publication (`sent_at − created_at`), which tells whether the API's nudge
//     reached the jobs service or the command waited for its next look (COMMAND_CHECK_INTERVAL_MS).
// Both phases check that nothing was lost: every command completed, and each robot received each of its commands
// exactly once (and no other robot's).
// Run: npm run bench:commands -- [--robots 20] [--commands 2000] [--connections 10] [--rate 20] [--seconds 10]
//      [--smoke]  (--smoke: 200 commands to 5 robots, then 3 s at 10/s, for CI)
// Prints one line per figure; the last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadConfig, type FleetConfig } from '@fleet/config';
import { COMMAND_STREAM, type LiveRecordEvent } from '@fleet/contracts';
import { RedisConnection, RedisEventBus } from '@fleet/messaging';
import { wholeNumber } from './args';
import { Cleanups, cleanUpOnSignal } from './cleanups';
import { announceOnline, connectRobots, disconnectRobots } from './commands/fake-robots';
import { epochNow, postCommands, type PostRun } from './commands/poster';
import {
  deliveryProblems,
  notCompleted,
  POLL_MS,
  resultTimes,
  sorted,
  STALL_MS,
  stallGuard,
  statuses,
  untilSettled,
} from './commands/outcomes';
import { startStack, type Stack } from './commands/stack';
import { percentile } from './ingest/ingest-metrics';

const COMMAND_TYPE = 'status_request';

interface Args {
  robots: number;
  commands: number;
  connections: number;
  rate: number;
  seconds: number;
}

const SMOKE: Partial<Args> = { robots: 5, commands: 200, rate: 10, seconds: 3 };

function parseArgs(argv: readonly string[]): Args {
  const given: Partial<Args> = {};
  let smoke = false;
  const whole = wholeNumber;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--robots') given.robots = whole(flag, value(), 1_000);
    else if (flag === '--commands') given.commands = whole(flag, value(), 1_000_000);
    else if (flag === '--connections') given.connections = whole(flag, value(), 1_000);
    else if (flag === '--rate') given.rate = whole(flag, value(), 10_000);
    else if (flag === '--seconds') given.seconds = whole(flag, value(), 3_600);
    else if (flag === '--smoke' && inline === undefined) smoke = true;
    else {
      throw new Error(
        `unknown argument '${argv[i]}' (--robots, --commands, --connections, --rate, --seconds, --smoke)`,
      );
    }
  }
  const defaults: Args = { robots: 20, commands: 2_000, connections: 10, rate: 20, seconds: 10 };
  return { ...defaults, ...(smoke ? SMOKE : {}), ...given };
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const ms = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);

/** The PostgreSQL server and Redis the benchmark runs against; a missing one stops it with a message naming it. */
function requireServers(config: FleetConfig): { serverUrl: string; redisUrl: string } {
  const missing = [!config.database.url && 'DATABASE_URL', !config.redis.url && 'REDIS_URL'].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the command benchmark runs the API, ` +
        'jobs and ingest against a real PostgreSQL server and Redis (their events meet there), e.g. ' +
        'DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 ' +
        '(bash .ci/run --services-only starts both)',
    );
  }
  return { serverUrl: config.database.url as string, redisUrl: config.redis.url as string };
}

/** The ids of the accepted commands; a refused one is a problem (the run goes on with the others). */
function accepted(run: PostRun, phase: string, problems: string[]): string[] {
  const refused = run.posted.filter((p) => p.status !== 202);
  if (refused.length > 0) {
    const first = refused[0];
    problems.push(
      `${phase}: ${refused.length} of ${run.posted.length} commands were not accepted ` +
        `(e.g. HTTP ${first.status} for ${first.robotId}: ${first.problem ?? ''})`,
    );
  }
  return run.posted.flatMap((p) => (p.id ? [p.id] : []));
}

const spread = (values: Float64Array) =>
  `p50 ${n(percentile(values, 50))} ms, p99 ${n(percentile(values, 99))} ms, max ${n(values.at(-1) ?? Number.NaN)} ms`;

const figures: Record<string, number | null> = {};
const problems: string[] = [];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const servers = requireServers(config);
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const cleanups = new Cleanups();
  const signal = cleanUpOnSignal(cleanups);
  let stack: Stack | undefined;
  try {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-commands-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    const booted = epochNow();
    stack = await startStack(config, servers, run, dir, cleanups, {});
    const app = stack;
    const interval = app.api.config.commands.checkIntervalMs;
    line('API, jobs and ingest started', `${n(epochNow() - booted)} ms (${app.where})`);

    const logger = pino({ level: 'warn' }, pino.destination(2));
    const redis = new RedisConnection(servers.redisUrl, app.redisPrefix, logger);
    cleanups.add(() => redis.close());
    const bus = new RedisEventBus({ redis, maxLength: app.api.config.events.maxLength, logger });
    cleanups.add(() => bus.close());

    // Robots: registered through the API, connected, online through ingest.
    const token = await app.api.login(app.api.config.auth.adminUsername, app.adminPassword);
    const ids = Array.from({ length: args.robots }, (_, i) => `tonypi_${run}_${String(i + 1).padStart(3, '0')}`);
    for (const robot_id of ids) {
      const response = await fetch(`${app.api.url}/api/v1/robots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ robot_id }),
      });
      if (response.status !== 201) {
        throw new Error(`registering ${robot_id}: HTTP ${response.status} ${(await response.text()).slice(0, 500)}`);
      }
    }
    const robots = await connectRobots(app.mqttUrl, app.topicPrefix, ids, app.robotAuth);
    cleanups.add(() => disconnectRobots(robots));
    const online = epochNow();
    await announceOnline(robots, app.topicPrefix);
    let onlineCount = 0;
    const onlineGuard = stallGuard('robots going online', () => onlineCount);
    while (onlineCount < ids.length) {
      const rows = await app.api.db
        .selectFrom('robots')
        .select('robot_id')
        .where('robot_id', 'in', ids)
        .where('status', '=', 'online')
        .execute();
      onlineCount = rows.length;
      onlineGuard();
      if (onlineCount < ids.length) await sleep(POLL_MS);
    }
    line(`${n(ids.length)} robots registered and online`, `${n(epochNow() - online)} ms after their status messages`);

    // Every command's change to completed, as the live feed would get it.
    const completedAt = new Map<string, number>();
    const completionEvents = new Map<string, number>();
    let repeatedCompletions = 0;
    const subscription = bus.subscribe<LiveRecordEvent>(COMMAND_STREAM, `bench-${run}`, 'bench', (batch) => {
      const at = epochNow();
      for (const { data } of batch) {
        const command = data.command as { id?: string; status?: string } | undefined;
        if (command?.status !== 'completed' || !command.id) continue;
        completionEvents.set(data.event, (completionEvents.get(data.event) ?? 0) + 1);
        if (completedAt.has(command.id)) repeatedCompletions++;
        else completedAt.set(command.id, at);
      }
      return Promise.resolve();
    });
    cleanups.add(() => subscription.close());
    await subscription.ready;

    // Every command sent, and its robot.
    const sent = new Map<string, string>();
    const remember = (result: PostRun) => {
      for (const p of result.posted) if (p.id) sent.set(p.id, p.robotId);
    };

    // Phase 1: throughput.
    const phase1 = await postCommands({
      url: app.api.url,
      token,
      robotIds: Array.from({ length: args.commands }, (_, i) => ids[i % ids.length]),
      type: COMMAND_TYPE,
      connections: args.connections,
    });
    remember(phase1);
    const phase1Ids = accepted(phase1, 'phase 1', problems);
    const acceptSeconds = (phase1.endedAt - phase1.startedAt) / 1000;
    const httpLatency = sorted(phase1.posted.map((p) => p.latencyMs));
    const phase1Settled = await untilSettled(app, phase1Ids);
    const phase1Problem = await notCompleted(app, phase1Ids, phase1Settled.counts);
    if (phase1Problem) problems.push(`phase 1: ${phase1Problem}`);
    const completeSeconds = (phase1Settled.at - phase1.startedAt) / 1000;
    const phase1Completed = phase1Settled.counts.get('completed') ?? 0;
    Object.assign(figures, {
      accepted_per_s: Math.round(phase1Ids.length / acceptSeconds),
      http_p50: ms(percentile(httpLatency, 50)),
      http_p99: ms(percentile(httpLatency, 99)),
      completed_per_s: Math.round(phase1Completed / completeSeconds),
      phase1_not_completed: phase1Ids.length - phase1Completed,
    });
    line(
      `phase 1: ${n(args.commands)} commands, ${args.connections} HTTP clients`,
      `${n(phase1Ids.length)} accepted (202) to ${n(ids.length)} robots, one each in turn`,
    );
    line('phase 1: accepted', `${n(phase1Ids.length / acceptSeconds)} commands/s (${n(acceptSeconds, 2)} s)`);
    line(
      'phase 1: POST /api/v1/commands latency',
      `p50 ${n(percentile(httpLatency, 50), 1)} ms, p99 ${n(percentile(httpLatency, 99), 1)} ms`,
    );
    line(
      'phase 1: completed (commands table)',
      `${n(phase1Completed / completeSeconds)} commands/s (${n(phase1Completed)} of ${n(phase1Ids.length)}` +
        `${phase1Completed === phase1Ids.length ? '' : ', NOT ALL'}; ` +
        `all settled ${n(completeSeconds, 2)} s after the first POST)`,
    );
    const phase1Times = await resultTimes(app, phase1Ids);
    line('phase 1: created → published (sent_at − created_at)', spread(phase1Times.published));
    line(
      'phase 1: published → answer recorded',
      `${spread(phase1Times.answered)}; ${n(phase1Times.resent)} published more than once`,
    );
    figures.resent = phase1Times.resent;
    figures.publish1_p50 = ms(percentile(phase1Times.published, 50));

    // Phase 2: round trip at a steady rate.
    const total = args.rate * args.seconds;
    const phase2 = await postCommands({
      url: app.api.url,
      token,
      robotIds: Array.from({ length: total }, (_, i) => ids[i % ids.length]),
      type: COMMAND_TYPE,
      connections: args.connections,
      rate: args.rate,
    });
    remember(phase2);
    const phase2Ids = accepted(phase2, 'phase 2', problems);
    const phase2Settled = await untilSettled(app, phase2Ids);
    const phase2Problem = await notCompleted(app, phase2Ids, phase2Settled.counts);
    if (phase2Problem) problems.push(`phase 2: ${phase2Problem}`);
    // Every completed one's event is on the stream by now: what does not arrive in time is lost.
    const expected = phase2Settled.counts.get('completed') ?? 0;
    const deadline = Date.now() + STALL_MS;
    while (phase2Ids.filter((id) => completedAt.has(id)).length < expected && Date.now() < deadline) {
      await sleep(POLL_MS);
    }
    const startedAt = new Map(phase2.posted.flatMap((p) => (p.id ? [[p.id, p.startedAt] as const] : [])));
    const roundTrips = sorted(
      phase2Ids.flatMap((id) => {
        const done = completedAt.get(id);
        const started = startedAt.get(id);
        return done === undefined || started === undefined ? [] : [done - started];
      }),
    );
    const lost = phase2Ids.length - roundTrips.length;
    const achievedRate = total / ((phase2.endedAt - phase2.startedAt) / 1000);
    const [p50, p95, p99, max] = [50, 95, 99, 100].map((p) => percentile(roundTrips, p));
    Object.assign(figures, { p50: ms(p50), p95: ms(p95), p99: ms(p99), max: ms(max), lost });
    line(
      `phase 2: ${n(total)} commands at ${n(args.rate)}/s`,
      `posted at ${n(achievedRate, 1)}/s, ${n(phase2Ids.length)} accepted`,
    );
    line(
      'phase 2: POST → completed event (round trip)',
      `p50 ${n(p50, 1)} ms, p95 ${n(p95, 1)} ms, p99 ${n(p99, 1)} ms, max ${n(max, 1)} ms (${n(roundTrips.length)})`,
    );
    const phase2Times = await resultTimes(app, phase2Ids);
    const phase2Delays = phase2Times.published;
    const nudged = phase2Delays.filter((d) => d < interval / 5).length;
    line(
      'phase 2: created → published (sent_at − created_at)',
      `${spread(phase2Delays)} (COMMAND_CHECK_INTERVAL_MS ${n(interval)}; ` +
        `${n(nudged)} of ${n(phase2Delays.length)} under ${n(interval / 5)} ms)`,
    );
    line(
      'phase 2: published → answer recorded',
      `${spread(phase2Times.answered)}; ${n(phase2Times.resent)} published more than once`,
    );
    figures.resent = (figures.resent ?? 0) + phase2Times.resent;
    figures.publish_p50 = ms(percentile(phase2Delays, 50));
    line(
      'phase 2: completion events by their "event" field',
      [...completionEvents].map(([event, count]) => `${event} × ${n(count)}`).join(', ') || 'none',
    );
    if (lost > 0) problems.push(`phase 2: ${lost} of ${phase2Ids.length} commands were never announced completed`);
    if (repeatedCompletions > 0) problems.push(`${repeatedCompletions} commands were announced completed twice`);

    const all = [...phase1Ids, ...phase2Ids];
    const counts = await statuses(app, all);
    const completed = counts.get('completed') ?? 0;
    const phase2Sent = new Set(phase2Ids);
    const delivery = [
      ...deliveryProblems(robots, sent, (id) => !phase2Sent.has(id)).map((p) => `phase 1: ${p}`),
      ...deliveryProblems(robots, sent, (id) => phase2Sent.has(id)).map((p) => `phase 2: ${p}`),
    ];
    problems.push(...delivery);
    line(
      completed === all.length && delivery.length === 0 ? 'none lost' : 'LOST',
      `${n(completed)} of ${n(all.length)} commands completed; ` +
        (delivery.length === 0 ? 'each robot received each of its commands exactly once' : delivery.join('; ')),
    );
    if (problems.length > 0) {
      for (const entry of await app.logSummary()) process.stderr.write(`log: ${entry}\n`);
    }
    const rssMb = process.resourceUsage().maxRSS / 1024;
    figures.rss_mb = Math.round(rssMb);
    line('peak RSS of this process (API, jobs, ingest, robots)', `${n(rssMb)} MB`);
  } catch (error) {
    // Interrupted, the run fails because its connections are closing: nothing to report.
    if (signal.stopping) return;
    problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (stack) process.stderr.write(`the services' last log lines:\n${await stack.logTails(2_000)}\n`);
  } finally {
    await cleanups.run();
    signal.release();
  }
  for (const problem of problems) process.stderr.write(`FAILED: ${problem}\n`);
  const summary = {
    bench: 'commands',
    robots: args.robots,
    commands: args.commands,
    connections: args.connections,
    accepted_per_s: figures.accepted_per_s ?? null,
    http_ms: { p50: figures.http_p50 ?? null, p99: figures.http_p99 ?? null },
    completed_per_s: figures.completed_per_s ?? null,
    not_completed: figures.phase1_not_completed ?? null,
    rate: args.rate,
    round_trip_ms: {
      p50: figures.p50 ?? null,
      p95: figures.p95 ?? null,
      p99: figures.p99 ?? null,
      max: figures.max ?? null,
    },
    created_to_published_p50_ms: { phase1: figures.publish1_p50 ?? null, phase2: figures.publish_p50 ?? null },
    resent: figures.resent ?? null,
    lost: figures.lost ?? null,
    rss_mb: figures.rss_mb ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
