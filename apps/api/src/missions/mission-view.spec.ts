import type { MissionDetail } from '@fleet/database';
import { missionView } from './mission-view';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const minutesBefore = (n: number) => new Date(NOW.getTime() - n * 60_000);

function mission(fields: Partial<MissionDetail>): MissionDetail {
  return {
    id: 'm-1',
    name: 'run',
    mission_type: 'delivery',
    status: 'pending',
    priority: 5,
    assigned_robot_id: null,
    scheduled_start: null,
    assigned_at: null,
    started_at: null,
    completed_at: null,
    estimated_duration_s: null,
    actual_duration_s: null,
    failure_reason: null,
    payload: null,
    special_instructions: null,
    created_by: null,
    created_at: minutesBefore(60),
    updated_at: null,
    waypoints: [],
    ...fields,
  };
}

describe('the mission view', () => {
  it('a mission not started has no elapsed time and all of its estimate left', () => {
    expect(missionView(mission({ estimated_duration_s: 600 }), NOW)).toMatchObject({
      elapsed_s: null,
      estimated_remaining_s: 600,
    });
  });

  it('a running mission counts up to now; past its estimate, the remaining time goes negative', () => {
    const running = mission({ status: 'active', started_at: minutesBefore(12), estimated_duration_s: 600 });
    expect(missionView(running, NOW)).toMatchObject({ elapsed_s: 720, estimated_remaining_s: -120 });
  });

  it('an ended mission counts up to its end and has nothing remaining', () => {
    const ended = mission({
      status: 'completed',
      started_at: minutesBefore(30),
      completed_at: minutesBefore(20),
      estimated_duration_s: 900,
    });
    expect(missionView(ended, NOW)).toMatchObject({ elapsed_s: 600, estimated_remaining_s: null });
  });

  it('counts waypoints by how far they got', () => {
    const waypoint = (status: MissionDetail['waypoints'][number]['status']) =>
      ({ status }) as MissionDetail['waypoints'][number];
    const view = missionView(
      mission({ waypoints: (['completed', 'completed', 'skipped', 'modified', 'pending'] as const).map(waypoint) }),
      NOW,
    );
    expect(view.progress).toEqual({ total: 5, completed: 2, skipped: 1, modified: 1 });
    expect(view.waypoints).toHaveLength(5);
    expect(view).not.toHaveProperty('waypoint_counts');
  });
});
