import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '@fleet/config';
import {
  checkClockZone,
  modesPerRobot,
  parseRate,
  robotIds,
  ROBOT_MODES,
  startSimulation,
  type SimulationHandle,
} from '@fleet/simulator';
import type { CliIo } from './cli';

/** What `simulate` needs from the command line around it. */
export interface SimulateCommandContext {
  io: CliIo;
  /** Tells the command line that a command ran (it prints help otherwise). */
  ran: () => void;
}

interface SimulateOptions {
  robots: number;
  rate: number;
  mode: string[];
  qos: '0' | '1';
  url?: string;
  prefix: string;
  duration?: number;
  username?: string;
  password?: string;
  credentials?: string;
  clockZone?: string;
  seed?: number;
}

/** How often progress is printed, in seconds. */
const REPORT_EVERY_S = 10;

/**
 * `fleet simulate`: TonyPi robots that publish what the TonyPi client publishes, at its intervals (sensors 2 s,
 * servos 3 s, location 5 s, status 10 s, battery 30 s) or faster, until Ctrl-C or `--duration`.
 */
export function registerSimulateCommand(program: Command, context: SimulateCommandContext): void {
  const { io, ran } = context;
  program
    .command('simulate')
    .description('simulate TonyPi robots publishing telemetry over MQTT, as the TonyPi client does, until Ctrl-C')
    .option('--robots <n>', 'how many robots', positiveInteger('--robots'), 3)
    .option('--rate <rate>', 'speed-up over the client intervals: 1x, 10x, 100x or a number', rateOption, 1)
    .option(
      '--mode <mode>',
      `${ROBOT_MODES.join(', ')}; for some robots only: 2:silent, 1,3:hot-servos, 2-4:job (repeatable)`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option('--qos <qos>', 'QoS of published messages (the stock client uses 0)').choices(['0', '1']).default('0'),
    )
    .option('--url <url>', 'broker (default: MQTT_URL, else the embedded broker on localhost:MQTT_PORT)')
    .option('--prefix <prefix>', 'robot id prefix: tonypi_01, tonypi_02, ...', 'tonypi_')
    .option('--duration <time>', 'stop after this long: 90, 90s, 15m, 2h', durationOption)
    .option('--username <name>', 'MQTT username for every robot (default: MQTT_USERNAME)')
    .option('--password <secret>', 'MQTT password for every robot (default: MQTT_PASSWORD)')
    .option(
      '--credentials <file>',
      'per-robot credentials from `fleet robots credentials`: a JSON object or "robot_id secret" lines',
    )
    .option(
      '--clock-zone <zone>',
      "zone of the robots' clocks: local, UTC, +08:00, an IANA zone (default: ROBOT_TIMEZONE)",
    )
    .option('--seed <n>', 'seed of the first robot, for repeatable readings', positiveInteger('--seed'))
    .action(async (options: SimulateOptions, command: Command) => {
      ran();
      await simulate(options, io, (message) => command.error(`error: ${message}`, { exitCode: 64 }));
    });
}

/** Stops the command with a usage error naming the option. */
type UsageError = (message: string) => never;

async function simulate(options: SimulateOptions, io: CliIo, usage: UsageError): Promise<void> {
  const config = loadConfig(io.env);
  const url = options.url ?? config.mqtt.url ?? `mqtt://localhost:${config.mqtt.broker.port || 1883}`;
  const clockZone = options.clockZone ?? config.robots.timezone;
  try {
    checkClockZone(clockZone);
  } catch (error) {
    usage(`--clock-zone: ${(error as Error).message.replace(/^timeZone: /, '')}`);
  }
  try {
    modesPerRobot(options.mode, options.robots);
  } catch (error) {
    usage(`--mode: ${(error as Error).message}`);
  }
  const secrets = options.credentials ? await readCredentials(options.credentials, usage) : undefined;
  const ids = robotIds(options.prefix, options.robots);
  const missing = secrets && ids.filter((id) => !secrets.has(id));
  if (missing?.length) {
    usage(`--credentials: no secret for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }

  const logger = pino(
    { level: 'info', base: undefined, timestamp: false },
    { write: (line: string) => io.err(humanLine(line)) },
  );
  const qos = options.qos === '1' ? 1 : 0;
  const username = options.username ?? config.mqtt.username;
  const password = options.password ?? config.mqtt.password;
  const shared = secrets ? {} : { username, password };
  const simulation = await startSimulation({
    url,
    robots: options.robots,
    prefix: options.prefix,
    rate: options.rate,
    modes: options.mode,
    qos,
    ...shared,
    ...(secrets && { credentials: (robotId: string) => ({ username: robotId, password: secrets.get(robotId) ?? '' }) }),
    topicPrefix: config.mqtt.topicPrefix,
    clockZone,
    seed: options.seed,
    logger,
  }).catch((error: unknown) => {
    if (!/Not authorized|Bad username or password/.test(String(error))) throw error;
    throw new Error(
      `${(error as Error).message}\n` +
        "Robots log in to Fleet's broker with credentials: give each robot a secret with `npm run fleet -- robots " +
        'credentials <id> --create` and pass them with --credentials <file>, or start Fleet with ' +
        'MQTT_ALLOW_ANONYMOUS=true; or let Fleet simulate its own robots with `npm start -- --simulate 3`.',
      { cause: error },
    );
  });
  const range = ids.length === 1 ? ids[0] : `${ids[0]} ... ${ids[ids.length - 1]}`;
  io.out(
    `simulating ${ids.length} TonyPi robot(s) (${range}) on ${describe(url)} at ${options.rate}x, QoS ${qos}` +
      `${options.mode.length ? `, modes ${options.mode.join(' ')}` : ''}; Ctrl-C stops\n`,
  );
  await runUntilStopped(simulation, options.duration, io);
}

/** Waits for Ctrl-C (or SIGTERM) or the duration, printing progress, then stops the robots as the client stops. */
async function runUntilStopped(simulation: SimulationHandle, durationS: number | undefined, io: CliIo): Promise<void> {
  const began = Date.now();
  let last = { at: began, total: 0 };
  const report = setInterval(() => {
    const now = Date.now();
    const total = simulation.total;
    const rate = ((total - last.total) * 1000) / Math.max(1, now - last.at);
    io.out(`${Math.round((now - began) / 1000)} s: ${total.toLocaleString('en-US')} messages (${rate.toFixed(1)}/s)\n`);
    last = { at: now, total };
  }, REPORT_EVERY_S * 1000);
  let onSignal: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const reason = await new Promise<string>((resolve) => {
    onSignal = () => resolve('stopping');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (durationS !== undefined)
      timer = setTimeout(() => resolve(`${durationS} s elapsed: stopping`), durationS * 1000);
  });
  clearInterval(report);
  clearTimeout(timer);
  // A terminal's Ctrl-C reaches npm and this process both: swallow the repeat while the robots say goodbye.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    io.out(`${reason}\n`);
    await simulation.stop();
  } finally {
    process.off('SIGINT', ignore);
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  io.out(`stopped: ${simulation.total.toLocaleString('en-US')} messages published\n`);
}

/** Reads `{"tonypi_01": "secret", ...}` or lines `tonypi_01 secret` (also `tonypi_01:secret`). */
async function readCredentials(file: string, usage: UsageError): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    usage(`--credentials: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const map = new Map<string, string>();
  if (text.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      usage(`--credentials: ${file} is not valid JSON`);
    }
    for (const [id, secret] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof secret !== 'string') usage(`--credentials: the secret of ${id} is not a string`);
      map.set(id, secret);
    }
    return map;
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(\S+?)(?:\s+|:)(\S+)$/.exec(line);
    if (!match) usage(`--credentials: line ${i + 1} of ${file}: expected "robot_id secret"`);
    map.set(match[1], match[2]);
  });
  return map;
}

function positiveInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100_000) {
      throw new InvalidArgumentError(`${option}: expected a whole number from 1 to 100000, got '${value}'`);
    }
    return n;
  };
}

function rateOption(value: string): number {
  try {
    return parseRate(value);
  } catch (error) {
    throw new InvalidArgumentError(`--${(error as Error).message}`);
  }
}

function durationOption(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/i.exec(value);
  const seconds = match
    ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h']
    : 0;
  if (!(seconds > 0))
    throw new InvalidArgumentError(`--duration: expected a time like 90, 90s, 15m or 2h, got '${value}'`);
  return seconds;
}

/** A pino JSON line as a short line for a person at a terminal. */
function humanLine(line: string): string {
  try {
    const { msg, robotId, err } = JSON.parse(line) as Record<string, unknown>;
    // The command says so itself, in more words.
    if (msg === 'simulated robots publishing') return '';
    return `${[robotId, msg, err].filter((part) => typeof part === 'string' && part).join(': ')}\n`;
  } catch {
    return line;
  }
}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url;
  }
}
