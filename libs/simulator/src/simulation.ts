import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { prefixTopic, unprefixTopic } from '@fleet/messaging';
import { commandTopics, respondToCommand } from './command-responder';
import { checkClockZone, type RobotClockZone } from './naive-timestamp';
import { modesPerRobot } from './robot-modes';
import { startSchedule, type ScheduledStream } from './schedule';
import { SILENT_AFTER_S, SimulatedRobot } from './simulated-robot';
import type { SimulatedMessage } from './tonypi-payloads';

export interface SimulationOptions {
  /** The broker, e.g. `mqtt://localhost:1883`. */
  url: string;
  /** How many robots; their ids are `prefix` + 01, 02, ... */
  robots: number;
  /** Robot id prefix; default `tonypi_`. */
  prefix?: string;
  /** Speed-up over the client's own intervals; default 1. */
  rate?: number;
  /** Mode specifications, e.g. `['job', '2:silent']` (see {@link modesPerRobot}). */
  modes?: readonly string[];
  /** QoS of what the robots publish; the stock client uses 0. */
  qos?: 0 | 1;
  /** Credentials every robot logs in with; the stock client has none. */
  username?: string;
  password?: string;
  /** Each robot's own credentials (on the embedded broker: its robot id and the secret Fleet issued it). */
  credentials?: (robotId: string) => { username: string; password: string };
  /** The MQTT client id of each robot; default its robot id, as the stock client does. */
  clientId?: (robotId: string) => string;
  /**
   * Opens a robot's connection instead of connecting to `url` with mqtt.js; `setup` must run before the client
   * does anything. Fleet passes its own connection factory, which logs in as Fleet on the embedded broker.
   */
  connect?: (clientId: string, setup: (client: MqttClient) => void) => Promise<MqttClient>;
  /** `MQTT_TOPIC_PREFIX` of the installation the robots talk to. */
  topicPrefix?: string;
  /** The zone the robots' clocks are set to (their timestamps carry none); default this machine's, as a robot's. */
  clockZone?: RobotClockZone;
  /** First robot's seed; default derived from each robot id, so runs repeat. */
  seed?: number;
  /** How long to wait for every robot to connect; default 10 s. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/** A running simulation. */
export interface SimulationHandle {
  readonly robotIds: readonly string[];
  /** Messages published so far, by robot. */
  readonly published: ReadonlyMap<string, number>;
  /** Messages published so far, all robots. */
  readonly total: number;
  /** Each robot reports itself offline and disconnects, as the client does when stopped; safe to call twice. */
  stop(): Promise<void>;
}

const CLOSE_PATIENCE_MS = 2_000;

/** Robot ids `tonypi_01`, `tonypi_02`, ...: two digits at least, more when there are 100 robots or more. */
export function robotIds(prefix: string, count: number): string[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/**
 * Starts simulated TonyPi robots, each with its own MQTT connection (client id = robot id), publishing what the
 * TonyPi client publishes at its intervals divided by `rate`, and answering commands as it does. Resolves once
 * every robot is connected; rejects, closing what it opened, when one cannot connect.
 *
 * @example
 * const simulation = await startSimulation({ url: 'mqtt://localhost:1883', robots: 3, rate: 10, modes: ['2:job'] });
 * await simulation.stop();
 */
export async function startSimulation(options: SimulationOptions): Promise<SimulationHandle> {
  if (!Number.isInteger(options.robots) || options.robots < 1) {
    throw new RangeError(`robots: expected a whole number of robots from 1, got ${options.robots}`);
  }
  const rate = options.rate ?? 1;
  if (!(rate > 0)) throw new RangeError(`rate: expected a speed-up above 0, got ${rate}`);
  const zone = options.clockZone ?? 'local';
  checkClockZone(zone);
  const modes = modesPerRobot(options.modes ?? [], options.robots);
  const ids = robotIds(options.prefix ?? 'tonypi_', options.robots);
  const robots = ids.map(
    (robotId, index) =>
      new RobotRunner(
        new SimulatedRobot({
          robotId,
          index,
          modes: modes[index],
          clockZone: zone,
          seed: options.seed === undefined ? undefined : options.seed + index,
        }),
        { ...options, rate },
      ),
  );
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const opened = await Promise.allSettled(robots.map((r) => r.open(timeoutMs)));
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed) {
    await Promise.all(robots.map((r) => r.stop()));
    throw failed.reason;
  }
  for (const robot of robots) robot.start();
  options.logger?.info(
    { robots: ids.length, rate, modes: options.modes ?? [], broker: describeUrl(options.url) },
    'simulated robots publishing',
  );

  let stopping: Promise<void> | undefined;
  return {
    robotIds: ids,
    get published() {
      return new Map(robots.map((r) => [r.robot.robotId, r.published]));
    },
    get total() {
      return robots.reduce((sum, r) => sum + r.published, 0);
    },
    stop: () => (stopping ??= Promise.all(robots.map((r) => r.stop())).then(() => undefined)),
  };
}

/** One robot's connection and timers. */
class RobotRunner {
  private client?: MqttClient;
  published = 0;
  private startedAt = Date.now();
  private readonly qos: 0 | 1;
  private stopSchedule?: () => void;
  private silentTimer?: NodeJS.Timeout;
  private lastError?: Error;
  private stopping?: Promise<void>;
  private gone = false;

  constructor(
    readonly robot: SimulatedRobot,
    private readonly options: SimulationOptions & { rate: number },
  ) {
    this.qos = options.qos ?? 0;
  }

  /** Connects; resolves once connected, rejects when the broker refuses the login or after `timeoutMs`. */
  async open(timeoutMs: number): Promise<void> {
    const id = this.robot.robotId;
    const clientId = this.options.clientId?.(id) ?? id;
    const setup = (client: MqttClient) => this.attach(client);
    if (this.options.connect) {
      await withTimeout(this.options.connect(clientId, setup), timeoutMs, () =>
        this.failure(`no connection within ${timeoutMs} ms`),
      );
    } else {
      setup(
        connect(this.options.url, {
          clientId,
          ...(this.options.credentials?.(id) ?? { username: this.options.username, password: this.options.password }),
          protocolVersion: 4,
          clean: true,
          keepalive: 60,
          reconnectPeriod: 1_000,
          connectTimeout: 10_000,
        }),
      );
    }
    await this.connected(timeoutMs);
  }

  private attach(client: MqttClient): void {
    this.client = client;
    const id = this.robot.robotId;
    const { logger, topicPrefix } = this.options;
    client.on('error', (error) => {
      if (this.lastError?.message !== error.message) {
        logger?.warn({ robotId: id, err: error.message }, 'simulated robot: MQTT error');
      }
      this.lastError = error;
    });
    const onConnect = () => {
      // The client subscribes (QoS 0) and reports its status on every connect, the first and after a reconnect.
      client.subscribe(
        commandTopics(id).map((t) => this.topic(t)),
        { qos: 0 },
      );
      if (this.published > 0) this.publish([this.robot.status(new Date(), this.at())]);
    };
    client.on('connect', onConnect);
    if (client.connected) onConnect();
    client.on('message', (topic, body) => {
      const local = unprefixTopic(topicPrefix ?? '', topic);
      if (local === undefined || this.gone) return;
      const outcome = respondToCommand(this.robot, local, body, new Date(), this.at());
      this.publish(outcome.messages);
      if (outcome.shutdown) void this.stop();
    });
  }

  /** Resolves once connected; rejects at once when the broker refuses the login, or after `timeoutMs`. */
  private connected(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(this.failure('no client'));
    if (client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onConnect = () => done();
      const onError = (error: Error & { code?: number }) => {
        // CONNACK 4 and 5 (MQTT 3.1.1): bad user name or password, not authorized. Retrying will not help.
        if (error.code === 4 || error.code === 5) done(this.failure(error.message, error));
      };
      const timer = setTimeout(
        () =>
          done(
            this.failure(`no connection within ${timeoutMs} ms${this.lastError ? `: ${this.lastError.message}` : ''}`),
          ),
        timeoutMs,
      );
      client.on('connect', onConnect);
      client.on('error', onError);
    });
  }

  start(): void {
    this.startedAt = Date.now();
    this.publish(this.robot.startup(new Date(), 0));
    const streams: ScheduledStream[] = ['sensors', 'servos', 'location', 'status', 'battery', 'heartbeat'];
    if (this.robot.modes.has('job')) streams.push('job');
    this.stopSchedule = startSchedule(this.options.rate, streams, (stream) => this.publish(this.due(stream)));
    if (this.robot.modes.has('silent')) {
      this.silentTimer = setTimeout(() => this.goSilent(), (SILENT_AFTER_S * 1000) / this.options.rate);
    }
  }

  stop(): Promise<void> {
    return (this.stopping ??= this.end());
  }

  private due(stream: ScheduledStream): SimulatedMessage[] {
    const now = new Date();
    const at = this.at();
    switch (stream) {
      case 'sensors':
        return this.robot.sensors(now, at);
      case 'servos':
        return [this.robot.servos(now, at)];
      case 'location':
        return [this.robot.locationUpdate(now, at)];
      case 'status':
        return [this.robot.status(now, at)];
      case 'battery':
        return [this.robot.batteryStatus(now, at)];
      case 'heartbeat':
        return [this.robot.heartbeat(now, at)];
      case 'job':
        return this.robot.jobEvents(now, at);
    }
  }

  /** Power lost: no goodbye, no more messages, the connection just drops. */
  private goSilent(): void {
    this.gone = true;
    this.stopSchedule?.();
    this.options.logger?.info({ robotId: this.robot.robotId }, 'simulated robot went silent');
    this.client?.end(true);
  }

  private async end(): Promise<void> {
    this.stopSchedule?.();
    clearTimeout(this.silentTimer);
    const client = this.client;
    if (!client) return;
    if (!this.gone && client.connected) {
      this.gone = true;
      this.publish([this.robot.status(new Date(), this.at(), 'offline')]);
    }
    this.gone = true;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLOSE_PATIENCE_MS);
    });
    // end() waits for QoS 1 acknowledgements, which a broker that is gone never sends.
    const ended = await Promise.race([client.endAsync(), patience]);
    clearTimeout(timer);
    if (ended === 'timeout') client.stream.destroy();
  }

  private publish(messages: readonly SimulatedMessage[]): void {
    // Like the client, a robot that is not connected skips what it would have sent rather than queueing it.
    const client = this.client;
    if (!client?.connected) return;
    for (const { topic, payload } of messages) {
      client.publish(this.topic(topic), JSON.stringify(payload), { qos: this.qos }, (error) => {
        if (error) this.lastError = error;
      });
      this.published++;
    }
  }

  private topic(name: string): string {
    return prefixTopic(this.options.topicPrefix ?? '', name);
  }

  /** Simulated seconds since the start. */
  private at(): number {
    return ((Date.now() - this.startedAt) / 1000) * this.options.rate;
  }

  private failure(reason: string, cause?: Error): Error {
    return new Error(
      `simulated robot ${this.robot.robotId} cannot connect to ${describeUrl(this.options.url)}: ${reason}`,
      {
        cause,
      },
    );
  }
}

/** `promise`, or a rejection with `failure()` after `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, failure: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url;
  }
}
