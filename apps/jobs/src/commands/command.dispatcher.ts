import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  BROADCAST,
  COMMAND_REQUEST_STREAM,
  COMMAND_STREAM,
  FINAL_COMMAND_STATUSES,
  type LiveRecordEvent,
} from '@fleet/contracts';
import {
  commandEvent,
  CommandRepository,
  type CommandChange,
  type CommandDelivery,
  type CommandRow,
  type CreatedCommand,
  type DueResult,
} from '@fleet/database';
import {
  EVENT_BUS,
  KickedRounds,
  MQTT_CONNECTION,
  MqttPublishError,
  type EventBus,
  type MqttConnection,
} from '@fleet/messaging';
import { CLOCK, HealthRegistry, LOGGER, type Clock, type FailureHealth } from '@fleet/platform';
import { commandTopic, nextStep, outboundMessage } from './command-delivery';
import { CommandMetrics } from './command.metrics';

type RobotMessage = ReturnType<typeof outboundMessage>;

/**
 * What became of a publish: the broker took it (`sent`), it may have reached the broker though no acknowledgement
 * came in time (`maybe`: counted as an attempt, since the robot may act on it), or it certainly did not leave
 * (`not_sent`: the connection is down; the result stays due).
 */
type PublishOutcome = 'sent' | 'maybe' | 'not_sent';

/**
 * Whether a command never published is too old to send: one not published within its timeout (the jobs service or
 * the broker was away) is given up rather than executed late. An emergency stop is always sent.
 */
function tooLate(command: { type: string; created_at: Date; timeout_s: number }, now: Date): boolean {
  return command.type !== 'emergency_stop' && now.getTime() - command.created_at.getTime() > command.timeout_s * 1000;
}

function notSentMessage(timeoutS: number): string {
  return `not sent: still unpublished after ${timeoutS} s`;
}

/** Results looked at per round; a round that finds this many is followed by another at once. */
const BATCH = 200;

/**
 * Publishes the commands the API stores, resends them to robots that did not answer in time, and gives up on
 * those that stay silent or offline. Every replica runs it: each round claims due rows with `FOR UPDATE SKIP
 * LOCKED`, so none is sent twice by two replicas. It looks every `COMMAND_CHECK_INTERVAL_MS`, and at once when
 * the API announces a new command on {@link COMMAND_REQUEST_STREAM}.
 *
 * Delivery is at least once: a message published in a round whose transaction then fails is published again.
 */
@Injectable()
export class CommandDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly rounds = new KickedRounds(() => this.nextRound());
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(MQTT_CONNECTION) private readonly mqtt: MqttConnection,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CommandMetrics) private readonly metrics: CommandMetrics,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'commands' });
    this.health = health.track('commands', 'command delivery', {
      checkIntervalMs: this.config.commands.checkIntervalMs,
    });
  }

  onApplicationBootstrap(): void {
    this.rounds.start({
      bus: this.bus,
      stream: COMMAND_REQUEST_STREAM,
      group: 'command-dispatch',
      instanceId: this.config.instanceId,
      intervalMs: this.config.commands.checkIntervalMs,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }

  /** Runs a round now, or right after the one running. */
  kick(): void {
    this.rounds.kick();
  }

  /** Resolves when no round is running (tests). */
  idle(): Promise<void> {
    return this.rounds.idle();
  }

  /** A round, saying how it went; another follows at once after a full batch. */
  private async nextRound(): Promise<boolean> {
    try {
      const handled = await this.round();
      this.health.succeeded();
      return handled >= BATCH;
    } catch (error) {
      this.health.failed(error);
      this.log.warn({ err: error }, 'command delivery round failed; trying again shortly');
      throw error;
    }
  }

  /** One round: returns how many commands and results it looked at. */
  async round(): Promise<number> {
    const now = this.clock.now();
    let handled = 0;
    const changes = await this.commands.deliver(now, BATCH, async (due, delivery) => {
      handled = due.created.length + due.results.length;
      // Published side by side: one round waits for the broker's acknowledgements once, not once per message.
      await Promise.all([
        ...due.created.map((command) => this.publishNew(command, delivery, now)),
        ...due.results.map((result) => this.follow(result, delivery, now)),
      ]);
      return delivery.settle(now);
    });
    await this.announce(changes, now);
    return handled;
  }

  /** A command stored but not published yet: out on the broadcast topic once, or to each target robot. */
  private async publishNew(command: CreatedCommand, delivery: CommandDelivery, now: Date): Promise<void> {
    const deadlineAt = new Date(now.getTime() + command.timeout_s * 1000);
    const pending = command.results.filter((r) => r.status === 'pending');
    delivery.touch(command.id);
    if (tooLate(command, now)) {
      // The jobs service was away: a move executed minutes after it was asked for could hurt someone.
      for (const r of pending) delivery.timedOut(command.id, r.robot_id, notSentMessage(command.timeout_s));
      return;
    }
    const message = this.message(command, now);
    if (typeof message === 'string') {
      for (const r of pending) delivery.timedOut(command.id, r.robot_id, message);
      return;
    }
    if (command.broadcast) {
      if ((await this.publish(command, BROADCAST, message, 'first')) === 'not_sent') return;
      delivery.broadcast(command.id);
      for (const r of pending) delivery.sent(command.id, r.robot_id, deadlineAt);
    } else {
      await Promise.all(
        pending.map(async (r) => {
          if ((await this.publish(command, r.robot_id, message, 'first')) !== 'not_sent') {
            delivery.sent(command.id, r.robot_id, deadlineAt);
          }
        }),
      );
    }
    // Targets not reached now (no connection to the broker) are due and taken up by later rounds.
  }

  /** A result that is due: send (again), or give up. */
  private async follow(result: DueResult, delivery: CommandDelivery, now: Date): Promise<void> {
    if (result.status === 'pending' && result.attempts === 0 && tooLate(commandOf(result), now)) {
      // Never sent (the broker was away since it was stored): given up rather than executed late.
      delivery.timedOut(result.command_id, result.robot_id, notSentMessage(result.timeout_s));
      return;
    }
    const step = nextStep(result, now);
    if (step.kind === 'time_out') {
      delivery.timedOut(result.command_id, result.robot_id, step.message);
      return;
    }
    if (step.kind !== 'send') return;
    const command = { id: result.command_id, type: result.type, parameters: result.parameters };
    const message = this.message(command, now);
    if (typeof message === 'string') {
      delivery.timedOut(result.command_id, result.robot_id, message);
    } else {
      const outcome = await this.publish(command, result.robot_id, message, result.attempts > 0 ? 'retry' : 'first');
      if (outcome !== 'not_sent') delivery.sent(result.command_id, result.robot_id, step.deadlineAt);
    }
  }

  /**
   * The message for the robot, or why there can be none: parameters stored without going through the API's checks
   * (written to the table by hand) are given up on, not retried for ever.
   */
  private message(command: Pick<CommandRow, 'id' | 'type' | 'parameters'>, now: Date): RobotMessage | string {
    try {
      return outboundMessage(command, now);
    } catch (error) {
      this.log.error({ err: error, commandId: command.id }, 'command cannot be sent as stored; given up');
      return `not sent: ${(error as Error).message}`;
    }
  }

  /**
   * Publishes at QoS 1. A publish that fails leaves nothing queued to go out later (see
   * {@link MqttConnection.publishJson}); it is counted by reason, and tried again by a later round only when it
   * certainly did not leave.
   */
  private async publish(
    command: Pick<CommandRow, 'id' | 'type'>,
    robotId: string,
    message: RobotMessage,
    attempt: 'first' | 'retry',
  ): Promise<PublishOutcome> {
    const topic = commandTopic(command.type, robotId);
    try {
      await this.mqtt.publishJson(topic, message);
      this.metrics.published.inc({ type: command.type, attempt });
      this.log.debug({ commandId: command.id, topic }, 'command published');
      return 'sent';
    } catch (error) {
      const maybe = !(error instanceof MqttPublishError) || error.maybeSent;
      this.metrics.publishFailures.inc({ type: command.type, reason: maybe ? 'no_ack' : 'not_connected' });
      const fields = { err: error, commandId: command.id, topic };
      // While the broker is away every round fails at once; the connection's own warning says so once.
      if (maybe) this.log.warn(fields, 'command not acknowledged by the broker; counted as an attempt');
      else this.log.debug(fields, 'no connection to the broker; the command is sent once it is back');
      return maybe ? 'maybe' : 'not_sent';
    }
  }

  /** Never throws: the changes are committed, and failing here would only deliver again. */
  private async announce(changes: readonly CommandChange[], now: Date): Promise<void> {
    if (changes.length === 0) return;
    const events: LiveRecordEvent[] = changes.map((c) => commandEvent(c, now));
    for (const c of changes) countSettled(this.metrics, c);
    for (const c of changes) {
      const fields = { commandId: c.command.id, type: c.command.type, attempts: c.command.attempts };
      if (FINAL_COMMAND_STATUSES.includes(c.command.status)) this.log.info(fields, `command ${c.command.status}`);
      else this.log.debug(fields, `command ${c.command.status}`);
    }
    try {
      await this.bus.publish(COMMAND_STREAM, events);
    } catch (error) {
      this.log.warn({ err: error, events: events.length }, 'command changes committed but not published');
    }
  }
}

/** What {@link tooLate} needs of a due result's command. */
function commandOf(result: DueResult): { type: string; created_at: Date; timeout_s: number } {
  return { type: result.type, created_at: result.command_created_at, timeout_s: result.timeout_s };
}

/** Counts a command that reached its final status, and its robots' final results. */
export function countSettled(metrics: CommandMetrics, change: CommandChange): void {
  if (!FINAL_COMMAND_STATUSES.includes(change.command.status)) return;
  metrics.settled.inc({ status: change.command.status });
  for (const r of change.results) metrics.results.inc({ status: r.status });
}
