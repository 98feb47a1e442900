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
 * emergency stop or resume also sets the robot's status, whoever sent it (the robot's own stop button too).
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

  /** Applies the answers among a batch of telemetry events. Throws when the database fails, so it is read again. */
  async track(batch: readonly TelemetryEvent[]): Promise<void> {
    const changes: LiveRecordEvent[] = [];
    for (const event of batch) {
      const parsed = commandResponsePayloadSchema.safeParse(event.data);
      if (!parsed.success) {
        this.log.warn({ messageKey: event.messageKey }, 'skipping an answer whose payload does not parse');
        continue;
      }
      try {
        const change = await this.apply(event, parsed.data);
        if (change) changes.push(change);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        this.log.error(
          { err: error, robotId: event.robotId, messageKey: event.messageKey },
          'cannot apply this answer of the robot; skipped (it stays stored as telemetry)',
        );
      }
    }
    if (changes.length === 0) return;
    try {
      await this.bus.publish(COMMAND_STREAM, changes);
    } catch (error) {
      this.log.warn({ err: error, events: changes.length }, 'command changes committed but not published');
    }
  }

  private async apply(
    event: TelemetryEvent,
    answer: ReturnType<typeof commandResponsePayloadSchema.parse>,
  ): Promise<LiveRecordEvent | undefined> {
    const at = new Date(event.time);
    const status = stopStatus(answer);
    if (status) await this.setStatus(event.robotId, status, at);
    const commandId = answer.command_id;
    if (!commandId || !UUID.test(commandId)) return undefined;
    const data = Object.fromEntries(Object.entries(event.data).filter(([key]) => !ENVELOPE_KEYS.has(key)));
    const recorded: CommandAnswer = {
      success: answer.success,
      message: answer.message ?? null,
      data: Object.keys(data).length > 0 ? data : null,
    };
    const now = this.clock.now();
    const change = await this.commands.answer(commandId.toLowerCase(), event.robotId, recorded, now);
    if (!change) {
      this.log.debug({ commandId, robotId: event.robotId }, 'answer changes nothing (repeated, late, or not a target)');
      return undefined;
    }
    countSettled(this.metrics, change);
    this.log.info(
      { commandId, robotId: event.robotId, success: answer.success, command: change.command.status },
      'command answered',
    );
    return commandEvent(change, now, event.robotId);
  }

  private async setStatus(robotId: string, status: RobotStatus, at: Date): Promise<void> {
    const updated = await this.robots.setStatus(robotId, status);
    if (!updated) return;
    await this.live.setStatus(robotId, status, at);
    this.log.info({ robotId, status }, status === 'emergency_stopped' ? 'robot emergency-stopped' : 'robot resumed');
  }
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
