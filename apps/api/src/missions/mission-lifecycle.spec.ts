import { ConflictError, type MissionStatusName } from '@fleet/contracts';
import { applyTransition, requireAllowed, requireDeletable, type MissionTransition } from './mission-lifecycle';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const STARTED = new Date('2026-03-01T11:45:30.000Z');

function mission(status: MissionStatusName, startedAt: Date | null = null) {
  return { id: 'm-1', status, started_at: startedAt };
}

function refusal(run: () => unknown): ConflictError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConflictError) return error;
    throw error;
  }
  throw new Error('expected a ConflictError');
}

const STEPS: Record<MissionTransition['action'], MissionTransition> = {
  assign: { action: 'assign', robotId: 'rover_1' },
  unassign: { action: 'unassign' },
  start: { action: 'start' },
  complete: { action: 'complete' },
  fail: { action: 'fail', reason: 'wheel stuck' },
  cancel: { action: 'cancel' },
};

/** Which step is allowed from which state: the lifecycle's whole table. */
const ALLOWED: Record<MissionTransition['action'], MissionStatusName[]> = {
  assign: ['pending', 'assigned'],
  unassign: ['assigned'],
  start: ['assigned'],
  complete: ['active'],
  fail: ['assigned', 'active'],
  cancel: ['pending', 'assigned', 'active'],
};

const STATES: MissionStatusName[] = ['pending', 'assigned', 'active', 'completed', 'failed', 'cancelled'];

describe('the mission lifecycle', () => {
  it('assigning records the robot and when', () => {
    expect(applyTransition(mission('pending'), STEPS.assign, NOW)).toEqual({
      status: 'assigned',
      assigned_robot_id: 'rover_1',
      assigned_at: NOW,
      updated_at: NOW,
    });
  });

  it('an assigned mission may be given to another robot, or taken back', () => {
    expect(applyTransition(mission('assigned'), { action: 'assign', robotId: 'rover_2' }, NOW)).toMatchObject({
      status: 'assigned',
      assigned_robot_id: 'rover_2',
    });
    expect(applyTransition(mission('assigned'), STEPS.unassign, NOW)).toEqual({
      status: 'pending',
      assigned_robot_id: null,
      assigned_at: null,
      updated_at: NOW,
    });
  });

  it('starting records when; completing records when and the duration in whole seconds', () => {
    expect(applyTransition(mission('assigned'), STEPS.start, NOW)).toEqual({
      status: 'active',
      started_at: NOW,
      updated_at: NOW,
    });
    expect(applyTransition(mission('active', STARTED), STEPS.complete, NOW)).toEqual({
      status: 'completed',
      completed_at: NOW,
      actual_duration_s: 14 * 60 + 30,
      failure_reason: null,
      updated_at: NOW,
    });
  });

  it('failing keeps the reason; cancelling keeps one if given; a mission that never started has no duration', () => {
    expect(applyTransition(mission('active', STARTED), STEPS.fail, NOW)).toMatchObject({
      status: 'failed',
      failure_reason: 'wheel stuck',
      completed_at: NOW,
      actual_duration_s: 870,
    });
    const cancelled = applyTransition(mission('assigned'), { action: 'cancel', reason: 'road closed' }, NOW);
    expect(cancelled).toEqual({
      status: 'cancelled',
      completed_at: NOW,
      failure_reason: 'road closed',
      updated_at: NOW,
    });
    expect(applyTransition(mission('pending'), STEPS.cancel, NOW)).toMatchObject({ failure_reason: null });
  });

  const PAIRS = (Object.keys(STEPS) as MissionTransition['action'][]).flatMap((action) =>
    STATES.map((status) => ({ action, status })),
  );

  it.each(PAIRS.filter(({ action, status }) => ALLOWED[action].includes(status)))(
    '$action from $status is allowed',
    ({ action, status }) => {
      expect(applyTransition(mission(status, STARTED), STEPS[action], NOW)).toHaveProperty('updated_at', NOW);
    },
  );

  it.each(PAIRS.filter(({ action, status }) => !ALLOWED[action].includes(status)))(
    '$action from $status is refused',
    ({ action, status }) => {
      const error = refusal(() => applyTransition(mission(status, STARTED), STEPS[action], NOW));
      expect(error.message).toMatch(new RegExp(`^mission m-1 is ${status}: cannot ${action} it \\(`));
    },
  );

  it('says what the mission is and where a step is allowed from', () => {
    expect(refusal(() => applyTransition(mission('completed'), STEPS.start, NOW)).message).toBe(
      'mission m-1 is completed: cannot start it (start is allowed from assigned)',
    );
    expect(refusal(() => applyTransition(mission('failed'), STEPS.cancel, NOW)).message).toBe(
      'mission m-1 is failed: cannot cancel it (cancel is allowed from pending, assigned or active)',
    );
  });

  it('the plan changes only before the start, and only a mission that never started can be deleted', () => {
    expect(() => requireAllowed(mission('assigned'), 'update')).not.toThrow();
    expect(refusal(() => requireAllowed(mission('active'), 'update')).message).toBe(
      'mission m-1 is active: cannot update it (update is allowed from pending or assigned)',
    );
    for (const status of ['pending', 'assigned', 'cancelled'] as const) {
      expect(() => requireDeletable(mission(status))).not.toThrow();
    }
    for (const started of [mission('active', STARTED), mission('completed', STARTED), mission('cancelled', STARTED)]) {
      expect(refusal(() => requireDeletable(started)).message).toBe(
        `mission m-1 is ${started.status}: it started, so it is kept for its report and cannot be deleted ` +
          '(only a mission that never started can be deleted: pending, assigned, or cancelled before its start)',
      );
    }
    expect(refusal(() => requireDeletable(mission('failed'))).message).toMatch(
      /^mission m-1 is failed: cannot delete it \(delete is allowed from pending, assigned or cancelled\)/,
    );
    expect(refusal(() => requireAllowed(mission('cancelled'), 'change waypoints')).message).toBe(
      'mission m-1 is cancelled: cannot change its waypoints (change waypoints is allowed from pending, assigned or active)',
    );
  });
});
