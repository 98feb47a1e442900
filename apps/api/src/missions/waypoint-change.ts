import { ConflictError, InvalidInputError, type MissionStatusName, type WaypointUpdate } from '@fleet/contracts';
import type { Waypoint, WaypointChanges } from '@fleet/database';
import { requireAllowed } from './mission-lifecycle';

/** States in which the plan is being carried out: moving a waypoint then is tracked. */
const UNDER_WAY: readonly MissionStatusName[] = ['assigned', 'active'];

/**
 * The columns an operator's change to a waypoint sets, or why it is refused. Moving a waypoint or changing its
 * action once the mission is assigned is tracked: the first coordinates are kept, the waypoint becomes `modified`
 * (unless the change sets a status itself), and who changed it, when and why are recorded; the reason is required.
 * Arriving (`in_progress`, `completed`) is only possible while the mission is active; `completed` records the time.
 */
export function waypointChanges(
  mission: { id: string; status: MissionStatusName },
  waypoint: Pick<Waypoint, 'id' | 'status' | 'coordinates' | 'action' | 'actual_arrival' | 'original_coordinates'>,
  update: WaypointUpdate,
  by: string,
  now: Date,
): WaypointChanges {
  requireAllowed(mission, 'change waypoints');
  const changes: WaypointChanges = {};
  if (update.name !== undefined) changes.name = update.name;
  if (update.estimated_arrival !== undefined) changes.estimated_arrival = update.estimated_arrival;

  if (update.status !== undefined) {
    if ((update.status === 'in_progress' || update.status === 'completed') && mission.status !== 'active') {
      throw new ConflictError(
        `mission ${mission.id} is ${mission.status}: waypoint ${waypoint.id} cannot be ${update.status} ` +
          '(only while the mission is active)',
      );
    }
    changes.status = update.status;
    changes.actual_arrival =
      update.status !== 'completed' ? null : waypoint.status === 'completed' ? waypoint.actual_arrival : now;
  }

  const moved = update.coordinates !== undefined && !sameCoordinates(update.coordinates, waypoint.coordinates);
  const actionChanged = update.action !== undefined && update.action !== waypoint.action;
  if (!moved && !actionChanged) return changes;
  if (moved) changes.coordinates = update.coordinates;
  if (actionChanged) changes.action = update.action;
  if (!UNDER_WAY.includes(mission.status)) return changes;

  const reason = update.modification_reason;
  if (reason === undefined) {
    throw new InvalidInputError(
      `waypoint ${waypoint.id}: say why it changes (modification_reason) while the mission is ${mission.status}`,
      [{ path: 'modification_reason', message: `required to move a waypoint or change its action once assigned` }],
    );
  }
  if (moved) changes.original_coordinates = waypoint.original_coordinates ?? waypoint.coordinates;
  changes.status ??= 'modified';
  return { ...changes, modification_reason: reason, modified_by: by, modified_at: now };
}

function sameCoordinates(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
