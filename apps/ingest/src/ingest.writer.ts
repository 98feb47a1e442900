import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { decodeRobotMessage, TELEMETRY_STREAM } from '@fleet/contracts';
import { DeadLetterRepository, SystemLogRepository } from '@fleet/database';
import {
  EVENT_BUS,
  LIVE_STATE,
  MQTT_CONNECTION,
  type EventBus,
  type LiveState,
  type MqttConnection,
} from '@fleet/messaging';
import { HealthRegistry, LOGGER } from '@fleet/platform';
import { TELEMETRY_STORE, type TelemetryPoint, type TelemetryStore } from '@fleet/telemetry';
import { planBatch, type Decoded, type IngestPlan } from './batch-planner';
import { MessageLog } from './buffer/message-log';
import type { BufferedMessage } from './buffer/record-codec';
import { INGEST_BUFFER } from './ingest.tokens';
import { IngestMetrics } from './ingest.metrics';
import { writeIsolating } from './isolate';
import { RobotRegistry } from './robot-registry';

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;
/** How long a shutdown waits for the batch being written before leaving it to the next start. */
const STOP_PATIENCE_MS = 5_000;

class Stopping extends Error {}

/**
 * Takes messages from the ingest buffer in batches and writes what they become: points to the telemetry store,
 * robots, logs and dead letters to Postgres, live state, events, and scan replies. A batch is committed (and never
 * read again) only when all of it is written; a failing write is retried with backoff, the buffer meanwhile holding
 * what arrives, and `/health/ready` says what is failing.
 */
@Injectable()
export class IngestWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Logger;
  private running?: Promise<void>;
  private stopping = false;
  private wakeStop?: () => void;
  private failure?: { target: string; since: number; error: string };
  private writingSince?: number;

  constructor(
    @Inject(INGEST_BUFFER) private readonly buffer: MessageLog,
    /**
     * The service's shared connection, never ingest's own: while the buffer is full, ingest's connection reads no
     * packet (it holds a message's acknowledgement until there is room), so a reply's PUBACK could not arrive there
     * and the batch that makes the room would never commit.
     */
    @Inject(MQTT_CONNECTION) private readonly replies: MqttConnection,
    @Inject(TELEMETRY_STORE) private readonly store: TelemetryStore,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(EVENT_BUS) private readonly events: EventBus,
    @Inject(RobotRegistry) private readonly registry: RobotRegistry,
    @Inject(DeadLetterRepository) private readonly deadLetters: DeadLetterRepository,
    @Inject(SystemLogRepository) private readonly systemLogs: SystemLogRepository,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'ingest' });
    health.register({ name: 'ingest', check: () => this.health() });
  }

  onApplicationBootstrap(): void {
    this.running = this.run().catch((error: unknown) => {
      this.log.fatal({ err: error }, 'ingest stopped writing');
      this.failure = { target: 'ingest', since: Date.now(), error: (error as Error).message };
    });
  }

  /**
   * When the oldest message being written was received (epoch ms), or undefined when nothing is being written:
   * every message received before it is fully written, robots' sightings included.
   */
  get oldestUnwrittenAt(): number | undefined {
    return this.writingSince;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeStop?.();
    if (this.running) await Promise.race([this.running, sleep(STOP_PATIENCE_MS)]);
  }

  private async run(): Promise<void> {
    const { batchSize, batchWaitMs } = this.config.ingest;
    await this.retry('database', () => this.registry.refresh());
    while (!this.stopping) {
      this.updateGauges();
      await Promise.race([this.buffer.waitForMessages(), this.stopSignal()]);
      if (this.stopping) break;
      // A short wait lets a batch fill, unless one is already full.
      if (batchWaitMs > 0 && this.buffer.backlog.messages < batchSize) await this.pause(batchWaitMs);
      const batch = this.buffer.take(batchSize);
      if (batch.length === 0) continue;
      this.writingSince = Math.min(...batch.map((m) => m.receivedAt));
      try {
        await this.write(batch);
      } catch (error) {
        if (error instanceof Stopping) break;
        throw error;
      }
      this.buffer.commit(batch);
      this.writingSince = undefined;
      const now = Date.now();
      for (const message of batch) this.metrics.ackLagSeconds.observe((now - message.receivedAt) / 1000);
    }
  }

  /** Writes everything a batch becomes; each step is retried until it succeeds, never repeated once done. */
  private async write(batch: BufferedMessage[]): Promise<void> {
    await this.retry('database', () => this.registry.refresh());
    let plan = this.plan(batch);
    // A robot registered through the API since the last reload is let in now, not a minute later.
    const refused = plan.deadLetters.flatMap((row) =>
      row.reason === 'unknown_robot' && row.robot_id ? [row.robot_id] : [],
    );
    const unknown = [...plan.newRobots, ...refused];
    if (await this.retry('database', () => this.registry.refreshForUnknown(unknown))) plan = this.plan(batch);
    this.metrics.batchSize.observe(batch.length);
    const written = await this.retry('telemetry', () => this.writePoints(plan.points));
    this.metrics.points.inc(written);
    await this.retry('database', () => this.writeEntities(plan));
    await this.retry('live_state', () => this.writeLiveState(plan));
    await this.retry('events', () => this.events.publish(TELEMETRY_STREAM, plan.events));
    await this.retry('mqtt', () => this.reply(plan));
    this.count(plan);
    this.log.debug(
      { messages: batch.length, points: written, rejected: plan.deadLetters.length, first: batch[0]?.seq },
      'batch stored',
    );
  }

  private plan(batch: BufferedMessage[]): IngestPlan {
    return planBatch(batch, this.registry, {
      logId: this.buffer.logId,
      autoRegister: this.config.ingest.autoRegister,
      maxMessageBytes: this.config.ingest.maxMessageBytes,
      sightingIntervalMs: 1_000,
      decode: (message) => this.decode(message),
    });
  }

  /**
   * Writes points; those the store refuses for what they are (not for being unavailable), e.g. older than its raw
   * retention or of another type than the field already has, are set aside, logged and counted, so one bad point
   * never holds up the rest.
   */
  private async writePoints(points: TelemetryPoint[]): Promise<number> {
    const refused: { point: TelemetryPoint; error: string }[] = [];
    const written = await writeIsolating(
      points,
      (batch) => this.store.write(batch),
      (point, error) => refused.push({ point, error: (error as Error).message }),
    );
    if (refused.length > 0) {
      this.metrics.pointsRefused.inc(refused.length);
      this.log.error(
        { refused: refused.length, examples: refused.slice(0, 5) },
        'the telemetry store refused points (they are left out; the rest of the batch is stored)',
      );
    }
    return written;
  }

  private decode(message: BufferedMessage): Decoded {
    const receivedAt = new Date(message.receivedAt);
    const result = decodeRobotMessage(message.topic, message.payload, receivedAt, this.config.robots);
    if (!result.ok) return result;
    const { kind, robotId, time, clock, data } = result.message;
    return {
      ok: true,
      message: {
        kind,
        robotId,
        time,
        clock,
        data: data,
        receivedAt,
      },
    };
  }

  /** Robots, connection events, dead letters and robot logs; a row Postgres refuses is logged, never retried forever. */
  private async writeEntities(plan: IngestPlan): Promise<void> {
    const refused = (table: string) => (row: unknown, error: unknown) => {
      this.metrics.rowsRefused.inc({ table });
      this.log.error(
        { table, row, err: error },
        'the database refused a row made from a robot message; it is left out',
      );
    };
    await this.registry.apply(plan, refused);
    await writeIsolating(plan.deadLetters, (rows) => this.deadLetters.insertMany(rows), refused('dead_letters'));
    await writeIsolating(plan.logs, (rows) => this.systemLogs.insertMany(rows), refused('system_logs'));
  }

  private async writeLiveState(plan: IngestPlan): Promise<void> {
    // Every write is newest-wins, so they may go together, and only each robot's newest status of the batch counts
    // (the live state keeps the newest point per series of the batch itself).
    const newest = new Map<string, { status: string; at: Date }>();
    for (const entry of plan.statuses) {
      const known = newest.get(entry.robotId);
      if (!known || entry.at >= known.at) newest.set(entry.robotId, entry);
    }
    await Promise.all([
      this.live.apply(plan.points),
      ...[...newest].map(([robotId, { status, at }]) => this.live.setStatus(robotId, status, at)),
      this.live.touch([...plan.sightings].map(([robotId, sighting]) => ({ robotId, at: sighting.at }))),
    ]);
  }

  private async reply(plan: IngestPlan): Promise<void> {
    for (const reply of plan.replies)
      await this.replies.client.publishAsync(this.replies.topic(reply.topic), JSON.stringify(reply.payload), {
        qos: 1,
      });
  }

  private count(plan: IngestPlan): void {
    if (plan.accepted > 0) this.metrics.messages.inc({ result: 'accepted', reason: '' }, plan.accepted);
    for (const [reason, n] of plan.rejected) {
      this.metrics.messages.inc({ result: 'rejected', reason }, n);
      this.log.warn({ reason, messages: n }, 'messages rejected (kept as dead letters)');
    }
  }

  /** Runs `work` until it succeeds, backing off; gives up only when the service stops. */
  private async retry<T>(target: string, work: () => Promise<T>): Promise<T> {
    let delay = RETRY_FIRST_MS;
    for (;;) {
      const end = this.metrics.writeSeconds.startTimer({ target });
      try {
        const result = await work();
        end();
        if (this.failure?.target === target) {
          this.log.info({ target, downForMs: Date.now() - this.failure.since }, 'ingest writes work again');
          this.failure = undefined;
        }
        return result;
      } catch (error) {
        this.metrics.writeFailures.inc({ target });
        const message = (error as Error).message;
        if (this.failure?.target !== target) {
          this.failure = { target, since: Date.now(), error: message };
          this.log.error({ err: error, target, backlog: this.buffer.backlog }, 'ingest cannot write; retrying');
        } else this.failure.error = message;
        this.updateGauges();
        if (this.stopping) throw new Stopping();
        await this.pause(delay);
        if (this.stopping) throw new Stopping();
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private health(): Promise<Record<string, unknown>> {
    const backlog = this.buffer.backlog;
    if (this.failure) {
      const seconds = Math.round((Date.now() - this.failure.since) / 1000);
      return Promise.reject(
        new Error(
          `cannot write to ${this.failure.target} for ${seconds} s (${this.failure.error}); ` +
            `${backlog.messages} messages buffered`,
        ),
      );
    }
    return Promise.resolve({ backlog: backlog.messages, backlog_bytes: backlog.bytes, spilling: this.buffer.spilling });
  }

  private updateGauges(): void {
    const backlog = this.buffer.backlog;
    this.metrics.backlogMessages.set(backlog.messages);
    this.metrics.backlogBytes.set(backlog.bytes);
    this.metrics.spilling.set(this.buffer.spilling ? 1 : 0);
  }

  private stopSignal(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) resolve();
      else this.wakeStop = resolve;
    });
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), this.stopSignal()]);
  }
}
