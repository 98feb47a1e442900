import { ConflictError, type MissionStatusName } from '@fleet/contracts';

/**
 * What may be done to a mission, and from which states. The lifecycle is pending → assigned → active → completed,
 * with failed and cancelled as the other ends; a mission that ended never changes again.
 */
const ALLOWED_FROM = {
  assign: ['pending', 'assigned'],
  unassign: ['assigned'],
  start: ['assigned'],
  complete: ['active'],
  fail: ['assigned', 'active'],
  cancel: ['pending', 'assigned', 'active'],
  update: ['pending', 'assigned'],
  delete: ['pending', 'assigned', 'cancelled'],
  'change waypoints': ['pending', 'assigned', 'active'],
} as const satisfies Record<string, readonly MissionStatusName[]>;

export type MissionOperation = keyof typeof ALLOWED_FROM;

const OBJECT: Record<MissionOperation, string> = {
  assign: 'assign it',
  unassign: 'unassign it',
  start: 'start it',
  complete: 'complete it',
  fail: 'fail it',
  cancel: 'cancel it',
  update: 'update it',
  delete: 'delete it',
  'change waypoints': 'change its waypoints',
};

/** A lifecycle step and what it needs. */
export type MissionTransition =
  | { action: 'assign'; robotId: string }
  | { action: 'unassign' }
  | { action: 'start' }
  | { action: 'complete' }
  | { action: 'fail'; reason: string }
  | { action: 'cancel'; reason?: string };

/** What the lifecycle needs to know of a mission. */
export interface MissionState {
  id: string;
  status: MissionStatusName;
  started_at: Date | null;
}

/** The columns a transition sets. */
export interface TransitionChanges {
  status: MissionStatusName;
  assigned_robot_id?: string | null;
  assigned_at?: Date | null;
  started_at?: Date;
  completed_at?: Date;
  actual_duration_s?: number;
  failure_reason?: string | null;
  updated_at: Date;
}

/**
 * Throws a {@link ConflictError} unless `operation` is allowed in the mission's state, saying what is allowed.
 *
 * @example
 * requireAllowed(mission, 'start');
 * // ConflictError: mission 7f… is completed: cannot start it (start is allowed from assigned)
 */
export function requireAllowed(mission: Pick<MissionState, 'id' | 'status'>, operation: MissionOperation): void {
  const allowed: readonly MissionStatusName[] = ALLOWED_FROM[operation];
  if (allowed.includes(mission.status)) return;
  throw new ConflictError(
    `mission ${mission.id} is ${mission.status}: cannot ${OBJECT[operation]} ` +
      `(${operation} is allowed from ${orList(allowed)})`,
  );
}

/**
 * Throws a {@link ConflictError} unless the mission may be deleted: only one that never started (pending, assigned,
 * or cancelled before its start). A mission that started keeps its record, commands and telemetry for its report.
 *
 * @example
 * requireDeletable(mission);
 * // ConflictError: mission 7f… is completed: it started, so it is kept for its report and cannot be deleted …
 */
export function requireDeletable(mission: MissionState): void {
  const allowed: readonly MissionStatusName[] = ALLOWED_FROM.delete;
  if (allowed.includes(mission.status) && mission.started_at === null) return;
  const started = mission.started_at !== null || mission.status === 'active';
  throw new ConflictError(
    `mission ${mission.id} is ${mission.status}: ` +
      (started
        ? 'it started, so it is kept for its report and cannot be deleted'
        : `cannot delete it (delete is allowed from ${orList(allowed)})`) +
      ' (only a mission that never started can be deleted: pending, assigned, or cancelled before its start)',
  );
}

/**
 * The columns `transition` changes on `mission` at `now`, or a {@link ConflictError} if the mission's state does
 * not allow it. An ending (complete, fail, cancel) records `completed_at` and, for a started mission, its duration.
 */
export function applyTransition(mission: MissionState, transition: MissionTransition, now: Date): TransitionChanges {
  requireAllowed(mission, transition.action);
  switch (transition.action) {
    case 'assign':
      return { status: 'assigned', assigned_robot_id: transition.robotId, assigned_at: now, updated_at: now };
    case 'unassign':
      return { status: 'pending', assigned_robot_id: null, assigned_at: null, updated_at: now };
    case 'start':
      return { status: 'active', started_at: now, updated_at: now };
    case 'complete':
      return { status: 'completed', ...ended(mission, now), failure_reason: null };
    case 'fail':
      return { status: 'failed', ...ended(mission, now), failure_reason: transition.reason };
    case 'cancel':
      return { status: 'cancelled', ...ended(mission, now), failure_reason: transition.reason ?? null };
  }
}

function ended(mission: MissionState, now: Date) {
  const duration =
    mission.started_at === null
      ? {}
      : { actual_duration_s: Math.max(0, Math.round((now.getTime() - mission.started_at.getTime()) / 1000)) };
  return { completed_at: now, ...duration, updated_at: now };
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
