import { FINISHED_MISSION_STATUSES } from '@fleet/contracts';
import type { MissionDetail, MissionSummary, Waypoint } from '@fleet/database';

type WaypointCounts = Partial<Record<Waypoint['status'], number>>;

/**
 * A mission as the API shows it: its row with how long it has run, how long it should still take and how far along
 * its waypoints are, and its waypoints in order.
 */
export function missionView(mission: MissionDetail, now: Date) {
  const counts: WaypointCounts = {};
  for (const waypoint of mission.waypoints) counts[waypoint.status] = (counts[waypoint.status] ?? 0) + 1;
  const { waypoints, ...row } = mission;
  return { ...missionSummaryView({ ...row, waypoint_counts: counts }, now), waypoints };
}

/** A mission in a list: {@link missionView} without its waypoints. */
export function missionSummaryView(mission: MissionSummary, now: Date) {
  const { waypoint_counts: counts, ...row } = mission;
  const finished = (FINISHED_MISSION_STATUSES as readonly string[]).includes(mission.status);
  const elapsedS =
    mission.started_at === null
      ? null
      : Math.max(0, Math.round(((mission.completed_at ?? now).getTime() - mission.started_at.getTime()) / 1000));
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return {
    ...row,
    elapsed_s: elapsedS,
    estimated_remaining_s:
      finished || mission.estimated_duration_s === null ? null : mission.estimated_duration_s - (elapsedS ?? 0),
    progress: {
      total,
      completed: counts.completed ?? 0,
      skipped: counts.skipped ?? 0,
      modified: counts.modified ?? 0,
    },
  };
}
