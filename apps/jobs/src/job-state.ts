/**
 * How one `tonypi/job/{id}` message changes a robot's jobs. Pure: the caller loads the robot's current job (locked),
 * applies the decision and announces it.
 *
 * - `started` opens a job; one still active is closed as `superseded` at the new job's start.
 * - `in_progress` (or the legacy `working`, or a bare percentage) updates phase, percent, items and last item; with no
 *   active job it opens one (Fleet may have missed the start).
 * - `done`/`completed`, `cancelled`, `failed` close the active job with end time and duration (a close with no job
 *   open is recorded as a job that started `elapsed_time` earlier: its start may come late, or never).
 * - With no job open, a message that is not a start and only echoes the job that last closed opens nothing (see
 *   {@link CLOSED_ECHO_WINDOW_MS}): the TonyPi client also reports found items the legacy way, after its own `done`
 *   and with a counter that may carry on past the job, and each of those would otherwise count as one more job.
 * - A message older (by the robot's clock) than the last one applied, or the same message again, changes nothing,
 *   so nothing moves backwards and nothing closed reopens. Percent and items done never decrease within a job.
 */

import type { JobStatus } from '@fleet/database';

export type { JobStatus };

/** The percentages whose crossing is logged, once per job. */
export const JOB_MILESTONES = [25, 50, 75, 100] as const;

export type ClosedStatus = Exclude<JobStatus, 'active' | 'superseded'>;
/** What a change does, as announced on the job stream. */
export type JobEventKind = 'started' | 'progress' | ClosedStatus | 'superseded';

/** A job as the state machine sees it; `id` is null for one not stored yet. */
export interface JobState {
  id: number | null;
  status: JobStatus;
  taskName: string | null;
  phase: string | null;
  startTime: Date;
  endTime: Date | null;
  itemsTotal: number | null;
  itemsDone: number;
  percent: number;
  lastItem: unknown;
  estimatedDurationS: number | null;
  durationS: number | null;
  endReason: string | null;
  lastMessageAt: Date | null;
  lastMessageKey: string | null;
}

/** A job message, as read from its telemetry event (see job-message.ts). */
export interface JobMessage {
  key: string;
  /** Robot time (or time of receipt when the robot's clock was not trusted). */
  time: Date;
  status: string | undefined;
  taskName: string | undefined;
  phase: string | undefined;
  percent: number | undefined;
  itemsDone: number | undefined;
  itemsTotal: number | undefined;
  lastItem: unknown;
  elapsedS: number | undefined;
  estimatedS: number | undefined;
  reason: string | undefined;
}

export type IgnoreReason = 'redelivered' | 'out_of_order' | 'unknown_status' | 'closed' | 'after_close';

/**
 * For this long (robot time) after a job closes, a message with no job open is taken as an echo of that job unless
 * its `elapsed_time` shows it began after the close. The client's echoes (a legacy `working`/`completed` sent for the
 * item that finished the job, a repeated completion) follow the close within seconds; a minute leaves room for a slow
 * publish loop, and costs little: a job whose start was missed inside it and which sends no `elapsed_time` (the legacy
 * form) is opened by its first message after the minute, its counts being absolute.
 */
export const CLOSED_ECHO_WINDOW_MS = 60_000;

export interface JobChange {
  /** The job as it is now (new when `id` is null). */
  job: JobState;
  event: JobEventKind;
  /** The job it replaced, closed as superseded. */
  superseded?: JobState;
  /** Milestones the job crossed with this message. */
  milestones: number[];
}

export type JobDecision = { kind: 'ignored'; reason: IgnoreReason } | ({ kind: 'changed' } & JobChange);

type Action = 'start' | 'progress' | ClosedStatus;

const ACTIONS: Record<string, Action> = {
  started: 'start',
  in_progress: 'progress',
  working: 'progress',
  done: 'completed',
  completed: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  failed: 'failed',
};

const MAX_INT = 2_147_483_647;

/**
 * What `message` does given the robot's `current` job: its active one, or else the one it last heard about (used
 * only to refuse late and repeated messages).
 *
 * @example
 * decide(undefined, { key: 'a:1', time, status: 'started', taskName: 'Peeling', ... })
 * // { kind: 'changed', event: 'started', job: { id: null, status: 'active', taskName: 'Peeling', ... }, milestones: [] }
 */
export function decide(current: JobState | undefined, message: JobMessage): JobDecision {
  const action = actionOf(message);
  if (!action) return { kind: 'ignored', reason: 'unknown_status' };
  if (current) {
    if (current.lastMessageKey === message.key) return { kind: 'ignored', reason: 'redelivered' };
    const last = current.lastMessageAt?.getTime();
    if (last !== undefined) {
      const at = message.time.getTime();
      if (at < last) return { kind: 'ignored', reason: 'out_of_order' };
      // A start, or anything after a job closed, must be strictly newer than what was last applied: one at the same
      // instant is the same moment seen again, not a new job.
      if (at === last && (action === 'start' || current.status !== 'active')) {
        return { kind: 'ignored', reason: current.status === 'active' ? 'out_of_order' : 'closed' };
      }
    }
  }
  const active = current?.status === 'active' ? current : undefined;
  if (current && !active && action !== 'start' && echoesClosed(current, message)) {
    return { kind: 'ignored', reason: 'after_close' };
  }
  switch (action) {
    case 'start': {
      const job = open(message, message.time);
      const superseded = active && close(active, 'superseded', message, false);
      return changed(job, 'started', 0, superseded);
    }
    case 'progress': {
      if (!active) return changed(open(message, startOf(message)), 'started', 0);
      return changed(progress(active, message), 'progress', active.percent);
    }
    case 'completed':
    case 'cancelled':
    case 'failed': {
      const base = active ?? open(message, startOf(message));
      const before = active ? active.percent : 0;
      return changed(close(progress(base, message), action, message, true), action, before);
    }
  }
}

function actionOf(message: JobMessage): Action | undefined {
  const status = message.status?.trim().toLowerCase();
  if (status === undefined || status === '') return message.percent === undefined ? undefined : 'progress';
  return ACTIONS[status];
}

/**
 * Whether `message`, arriving with no job open, is about the job that last closed rather than a new one: it does not
 * show it began after the close, and it comes within {@link CLOSED_ECHO_WINDOW_MS} of the close or counts past its
 * own total (the legacy counter carrying on after the job, which no real job does). Past the window, the same counts
 * again are a job of its own: a task of a fixed size whose start Fleet missed.
 */
function echoesClosed(last: JobState, message: JobMessage): boolean {
  const end = (last.endTime ?? last.lastMessageAt)?.getTime();
  if (end === undefined) return false;
  const at = message.time.getTime();
  const elapsed = nonNegative(message.elapsedS);
  if (elapsed !== undefined && at - elapsed * 1000 >= end) return false;
  return at - end <= CLOSED_ECHO_WINDOW_MS || countsPastTotal(message);
}

function countsPastTotal(message: JobMessage): boolean {
  if (message.percent !== undefined && message.percent > 100) return true;
  const done = count(message.itemsDone);
  const total = count(message.itemsTotal);
  return done !== undefined && total !== undefined && total > 0 && done > total;
}

function changed(job: JobState, event: JobEventKind, before: number, superseded?: JobState): JobDecision {
  return { kind: 'changed', job, event, milestones: crossed(before, job.percent), ...(superseded && { superseded }) };
}

/** The milestones passed going from `before` to `after` percent. */
export function crossed(before: number, after: number): number[] {
  return JOB_MILESTONES.filter((m) => before < m && after >= m);
}

function startOf(message: JobMessage): Date {
  const elapsed = message.elapsedS;
  return elapsed !== undefined && elapsed > 0 ? new Date(message.time.getTime() - elapsed * 1000) : message.time;
}

function open(message: JobMessage, startTime: Date): JobState {
  const itemsTotal = count(message.itemsTotal) ?? null;
  const itemsDone = count(message.itemsDone) ?? 0;
  return {
    id: null,
    status: 'active',
    taskName: message.taskName ?? null,
    phase: message.phase ?? null,
    startTime,
    endTime: null,
    itemsTotal,
    itemsDone,
    percent: percentOf(message, itemsDone, itemsTotal) ?? 0,
    lastItem: message.lastItem ?? null,
    estimatedDurationS: nonNegative(message.estimatedS) ?? null,
    durationS: null,
    endReason: null,
    lastMessageAt: message.time,
    lastMessageKey: message.key,
  };
}

function progress(job: JobState, message: JobMessage): JobState {
  const itemsTotal = count(message.itemsTotal) ?? job.itemsTotal;
  const itemsDone = Math.max(job.itemsDone, count(message.itemsDone) ?? 0);
  const percent = percentOf(message, itemsDone, itemsTotal);
  return {
    ...job,
    taskName: job.taskName ?? message.taskName ?? null,
    phase: message.phase ?? job.phase,
    itemsTotal,
    itemsDone,
    percent: Math.max(job.percent, percent ?? 0),
    lastItem: message.lastItem ?? job.lastItem,
    estimatedDurationS: nonNegative(message.estimatedS) ?? job.estimatedDurationS,
    lastMessageAt: message.time,
    lastMessageKey: message.key,
  };
}

/** Closes `job` at the message's time; `own` when the message is about this job (its elapsed time is the duration). */
function close(job: JobState, status: ClosedStatus | 'superseded', message: JobMessage, own: boolean): JobState {
  const endTime = message.time.getTime() < job.startTime.getTime() ? job.startTime : message.time;
  const measured = (endTime.getTime() - job.startTime.getTime()) / 1000;
  const reported = own ? nonNegative(message.elapsedS) : undefined;
  return {
    ...job,
    status,
    endTime,
    durationS: reported ?? measured,
    percent: status === 'completed' ? 100 : job.percent,
    endReason: own && status !== 'completed' ? (message.reason ?? null) : null,
    ...(own && { lastMessageAt: message.time, lastMessageKey: message.key }),
  };
}

/** The percent the message gives, or else items done out of items total; clamped to 0-100. */
function percentOf(message: JobMessage, itemsDone: number, itemsTotal: number | null): number | undefined {
  const given = message.percent;
  if (given !== undefined && Number.isFinite(given)) return Math.min(100, Math.max(0, given));
  if (message.itemsDone !== undefined && itemsTotal !== null && itemsTotal > 0) {
    return Math.min(100, (itemsDone / itemsTotal) * 100);
  }
  return undefined;
}

function count(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : Math.min(MAX_INT, Math.max(0, Math.trunc(value)));
}

function nonNegative(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) || value < 0 ? undefined : value;
}
