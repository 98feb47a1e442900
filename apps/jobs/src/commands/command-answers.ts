import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  COMMAND_STREAM,
  commandResponsePayloadSchema,
  type LiveRecordEvent,
  type RobotStatus,
  type TelemetryEvent,
} from '@fleet/contracts';
import { commandEvent, CommandRepository, RobotRepository, type CommandAnswer } from '@fleet/database';
import { EVENT_BUS, LIVE_STATE, type EventBus, type LiveState } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { isPermanent } from '../permanent-error';
import { countSettled } from './command.dispatcher';
import { CommandMetrics } from './command.metrics';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keys every answer has; what else a robot sends with its answer is kept as the result's data. */
const ENVELOPE_KEYS = new Set(['robot_id', 'command_id', 'success', 'message', 'timestamp']);

/**
 * Matches robots' answers (`tonypi/commands/response`, `tonypi/emergency_stop/response`) to the commands Fleet
 * sent, by command id and robot: the result becomes `ack_success` or `ack_error` with what the robot sent, and the
 * command settles once every target answered. A repeated or late answer changes nothing. An acknowledged
 * emergency stop or resume also sets the robot's status, whoever sent it (the robot's own stop button too), unless
 * the robot acknowledged a newer one since (see {@link RobotRepository.setStatus}).
 */
@Injectable()
export class CommandAnswers {
  private readonly log: Logger;

  constructor(
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CommandMetrics) private readonly metrics: CommandMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'commands' });
  }

  /**
   * Applies the answers among a batch of telemetry events, all in one transaction. Throws when the database fails,
   * so the batch is read again (what was recorded is recognised and skipped). When the database refuses the batch
   * for good, each answer is tried alone so one robot's bad data does not hold back the others' answers.
   */
  async track(batch: readonly TelemetryEvent[]): Promise<void> {
    const answers: Answer[] = [];
    const statuses: StatusChange[] = [];
    for (const event of batch) {
      const parsed = commandResponsePayloadSchema.safeParse(event.data);
      if (!parsed.success) {
        this.log.warn({ messageKey: event.messageKey }, 'skipping an answer whose payload does not parse');
        continue;
      }
      const answer = toAnswer(event, parsed.data);
      if (answer) answers.push(answer);
      const status = stopStatus(parsed.data);
      if (status) {
        // Fleet's own clock dates it, as it dates the commands it is compared with: a robot's clock may be behind.
        statuses.push({ robotId: event.robotId, status, at: new Date(event.receivedAt), commandId: answer?.commandId });
      }
    }
    // Answers first: a status is applied only when no newer stop or resume was acknowledged, this batch's included.
    if (answers.length > 0) await this.recordAndAnnounce(answers);
    for (const change of statuses) await this.setStatus(change);
  }

  private async recordAndAnnounce(answers: readonly Answer[]): Promise<void> {
    let events: LiveRecordEvent[];
    try {
      events = await this.record(answers);
    } catch (error) {
      if (!isPermanent(error) || answers.length === 1) return this.skipPermanent(error, answers);
      events = [];
      for (const answer of answers) {
        try {
          events.push(...(await this.record([answer])));
        } catch (alone) {
          this.skipPermanent(alone, [answer]);
        }
      }
    }
    if (events.length === 0) return;
    try {
      await this.bus.publish(COMMAND_STREAM, events);
    } catch (error) {
      this.log.warn({ err: error, events: events.length }, 'command changes committed but not published');
    }
  }

  private async record(answers: readonly Answer[]): Promise<LiveRecordEvent[]> {
    const now = this.clock.now();
    const changes = await this.commands.answerAll(answers, now);
    const events: LiveRecordEvent[] = [];
    for (const change of changes) {
      countSettled(this.metrics, change);
      for (const robotId of change.answeredBy) {
        this.log.info({ commandId: change.command.id, robotId, command: change.command.status }, 'command answered');
        events.push(commandEvent(change, now, robotId));
      }
    }
    const ignored = answers.length - changes.reduce((n, c) => n + c.answeredBy.length, 0);
    if (ignored > 0) this.log.debug({ ignored }, 'answers that change nothing (repeated, late, or not a target)');
    return events;
  }

  /** Rethrows what retrying may cure; logs and skips what it cannot. */
  private skipPermanent(error: unknown, answers: readonly Answer[]): void {
    if (!isPermanent(error)) throw error;
    this.log.error(
      { err: error, answers: answers.map((a) => ({ commandId: a.commandId, robotId: a.robotId })) },
      'cannot record these answers; skipped (they stay stored as telemetry)',
    );
  }

  private async setStatus({ robotId, status, at, commandId }: StatusChange): Promise<void> {
    const updated = await this.robots.setStatus(robotId, status, { at, commandId });
    if (!updated) {
      this.log.info(
        { robotId, status, commandId },
        'status answer not applied: robot unknown, or a newer stop or resume holds',
      );
      return;
    }
    await this.live.setStatus(robotId, status, at);
    this.log.info({ robotId, status }, status === 'emergency_stopped' ? 'robot emergency-stopped' : 'robot resumed');
  }
}

/** A status an acknowledged emergency stop or resume sets, with when it dates from. */
interface StatusChange {
  robotId: string;
  status: RobotStatus;
  at: Date;
  /** The command of Fleet's it answers, if any: its creation time orders it. */
  commandId?: string;
}

interface Answer {
  commandId: string;
  robotId: string;
  answer: CommandAnswer;
}

/** The answer to record, when it names a command of Fleet's (their ids are UUIDs; robots make up others). */
function toAnswer(
  event: TelemetryEvent,
  payload: { command_id?: string | null; success: boolean; message?: string | null },
): Answer | undefined {
  const commandId = payload.command_id;
  if (!commandId || !UUID.test(commandId)) return undefined;
  const data = Object.fromEntries(Object.entries(event.data).filter(([key]) => !ENVELOPE_KEYS.has(key)));
  return {
    commandId: commandId.toLowerCase(),
    robotId: event.robotId,
    answer: {
      success: payload.success,
      message: payload.message ?? null,
      data: Object.keys(data).length > 0 ? data : null,
    },
  };
}

/** The status an acknowledged emergency stop or resume puts the robot in, if the answer is one. */
export function stopStatus(answer: {
  success: boolean;
  type?: string | null;
  state?: Record<string, unknown> | null;
}): RobotStatus | undefined {
  if (!answer.success) return undefined;
  const type = answer.type ?? '';
  if (type === 'emergency_stop' || type === 'emergency_stop_ack' || answer.state?.emergency_stopped === true) {
    return 'emergency_stopped';
  }
  if (type === 'resume' || type === 'resume_ack' || type === 'clear_emergency') return 'online';
  return undefined;
}
