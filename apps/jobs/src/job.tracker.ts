import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { JOB_STREAM, type LiveRecordEvent, type TelemetryEvent } from '@fleet/contracts';
import { JobRepository, type JobFields, type RobotJobs, type TrackedJob } from '@fleet/database';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { readJobMessage } from './job-message';
import { isPermanent } from './permanent-error';
import {
  decide,
  type IgnoreReason,
  type JobEventKind,
  type JobMessage,
  type JobState,
  type JobStatus,
} from './job-state';

/**
 * Follows robots' jobs from their `tonypi/job/{id}` messages (read from the telemetry stream by the
 * {@link TelemetryReader}). Each message is applied in its own transaction holding the robot's job lock, and a
 * message already applied (or older than one applied) changes nothing. Job changes are announced on
 * {@link JOB_STREAM} once committed.
 */
@Injectable()
export class JobTracker {
  private readonly log: Logger;

  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'jobs' });
  }

  /**
   * Applies the job messages among a batch of telemetry events, in order. Throws when the database fails, so the bus
   * delivers the batch again (what was applied is recognised and skipped); a message the database refuses for
   * good is logged and skipped, so one robot's bad data does not stop job tracking for the fleet.
   */
  async track(batch: readonly TelemetryEvent[]): Promise<void> {
    const announcements: LiveRecordEvent[] = [];
    for (const event of batch) {
      const message = readJobMessage(event);
      if (!message) {
        this.log.warn({ messageKey: event.messageKey }, 'skipping a job event whose payload does not parse');
        continue;
      }
      const robotId = event.robotId;
      try {
        announcements.push(...(await this.apply(robotId, message)));
      } catch (error) {
        if (!isPermanent(error)) throw error;
        this.log.error(
          { err: error, robotId, messageKey: message.key },
          'cannot apply this job message of the robot; skipped (it stays stored as telemetry)',
        );
      }
    }
    await this.announce(announcements);
  }

  /** Applies one message to the robot's jobs; returns the changes to announce once committed. */
  private apply(robotId: string, message: JobMessage): Promise<LiveRecordEvent[]> {
    return this.jobs.forRobot(robotId, async (robot) => {
      const current = await robot.current();
      const decision = decide(current && toState(current), message);
      if (decision.kind === 'ignored') {
        this.logIgnored(robotId, current?.id ?? null, message, decision.reason);
        return [];
      }
      const now = this.clock.now();
      const out: LiveRecordEvent[] = [];
      if (decision.superseded && decision.superseded.id !== null) {
        const row = await robot.update(decision.superseded.id, toFields(decision.superseded), now);
        out.push(recordEvent('superseded', message.time, row));
      }
      const { job } = decision;
      const row =
        job.id === null ? await robot.insert(toFields(job), now) : await robot.update(job.id, toFields(job), now);
      out.push(recordEvent(decision.event, message.time, row));
      for (const milestone of decision.milestones) await this.logMilestone(robot, row, milestone, message.time);
      return out;
    });
  }

  /**
   * A message the robot sent that leaves its job as it was is logged at info, so an operator can tell why the job did
   * not move; one the bus delivered again, or a status without a meaning, only at debug.
   */
  private logIgnored(robotId: string, jobId: number | null, message: JobMessage, reason: IgnoreReason): void {
    const fields = { robotId, jobId, messageKey: message.key, status: message.status, reason };
    if (reason === 'redelivered' || reason === 'unknown_status') {
      this.log.debug(fields, 'job message changes nothing');
      return;
    }
    this.log.info(fields, `job message of ${robotId} ignored: ${IGNORED_BECAUSE[reason]}`);
  }

  private async logMilestone(robot: RobotJobs, job: TrackedJob, milestone: number, at: Date): Promise<void> {
    const task = job.task_name ? ` (${job.task_name})` : '';
    await robot.logMilestone({
      jobId: job.id,
      robotId: job.robot_id,
      milestone,
      at,
      message: `Job ${job.id}${task} on ${job.robot_id} reached ${milestone}%`,
      details: {
        task_name: job.task_name,
        percent_complete: job.percent_complete,
        items_done: job.items_done,
        items_total: job.items_total,
      },
    });
  }

  /** Never throws: the changes are committed, and failing here would only read the same messages again. */
  private async announce(events: readonly LiveRecordEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events) this.log.info({ jobId: e.id, event: e.event, robotId: e.robot_id }, `job ${e.event}`);
    try {
      await this.bus.publish(JOB_STREAM, events);
    } catch (error) {
      this.log.warn({ err: error, events: events.length }, 'job changes committed but not published on the event bus');
    }
  }
}

const IGNORED_BECAUSE: Record<Exclude<IgnoreReason, 'redelivered' | 'unknown_status'>, string> = {
  out_of_order: 'older than the last message applied to its job',
  closed: 'its job has already closed',
  after_close: 'it echoes the job that just closed and opens no new one',
};

function toState(row: TrackedJob): JobState {
  return {
    id: row.id,
    status: row.status as JobStatus,
    taskName: row.task_name,
    phase: row.phase,
    startTime: row.start_time,
    endTime: row.end_time,
    itemsTotal: row.items_total,
    itemsDone: row.items_done,
    percent: row.percent_complete,
    lastItem: row.last_item,
    estimatedDurationS: row.estimated_duration_s,
    durationS: row.duration_s,
    endReason: row.end_reason,
    lastMessageAt: row.last_message_at,
    lastMessageKey: row.last_message_key,
  };
}

function toFields(job: JobState): JobFields {
  return {
    status: job.status,
    task_name: job.taskName,
    phase: job.phase,
    start_time: job.startTime,
    end_time: job.endTime,
    items_total: job.itemsTotal,
    items_done: job.itemsDone,
    percent_complete: job.percent,
    last_item: job.lastItem ?? null,
    estimated_duration_s: job.estimatedDurationS,
    duration_s: job.durationS,
    end_reason: job.endReason,
    last_message_at: job.lastMessageAt,
    last_message_key: job.lastMessageKey,
  };
}

/** The job change as the live feed reads it ({@link JOB_STREAM}): the event, when, and the job row. */
function recordEvent(event: JobEventKind, at: Date, job: TrackedJob): LiveRecordEvent {
  return {
    event,
    at: at.toISOString(),
    robot_id: job.robot_id,
    id: job.id,
    job: {
      ...job,
      start_time: job.start_time.toISOString(),
      end_time: job.end_time?.toISOString() ?? null,
      created_at: job.created_at?.toISOString() ?? null,
      updated_at: job.updated_at?.toISOString() ?? null,
      last_message_at: job.last_message_at?.toISOString() ?? null,
    },
  };
}
