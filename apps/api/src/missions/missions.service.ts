import { Inject, Injectable } from '@nestjs/common';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  type MissionCreate,
  type MissionListQuery,
  type MissionTelemetryQuery,
  type MissionUpdate,
  type TelemetryHistory,
  type WaypointCreate,
  type WaypointUpdate,
} from '@fleet/contracts';
import { MissionRepository, RobotRepository, type MissionDetail } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';
import { RobotHistoryService } from '../robots/robot-history.service';
import { applyTransition, requireAllowed, requireDeletable, type MissionTransition } from './mission-lifecycle';
import { missionSummaryView, missionView } from './mission-view';
import { waypointChanges } from './waypoint-change';

/**
 * Missions: a plan of ordered waypoints for one robot, carried through pending → assigned → active → completed
 * (or failed, or cancelled) by operators. Every change is audited.
 */
@Injectable()
export class MissionsService {
  constructor(
    @Inject(MissionRepository) private readonly missions: MissionRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(RobotHistoryService) private readonly history: RobotHistoryService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(query: MissionListQuery) {
    const page = await this.missions.list({
      status: query.status,
      robotId: query.robot_id,
      missionType: query.mission_type,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      limit: query.limit,
      offset: query.offset,
    });
    const now = this.clock.now();
    return { ...page, items: page.items.map((mission) => missionSummaryView(mission, now)) };
  }

  async get(id: string) {
    return missionView(await this.missions.get(id), this.clock.now());
  }

  /** A new mission, assigned from the start when it names a robot. */
  async create(actor: Actor, input: MissionCreate) {
    const { waypoints, assigned_robot_id: robotId, ...fields } = input;
    const now = this.clock.now();
    if (robotId !== undefined) await this.assignableRobot(robotId, 'assigned_robot_id');
    const mission = await this.missions.create(
      {
        ...fields,
        ...(robotId !== undefined && { status: 'assigned', assigned_robot_id: robotId, assigned_at: now }),
        created_by: actor.user.username,
      },
      waypoints,
    );
    await this.audit.record(actor, 'mission.create', 'mission', mission.id, null, mission);
    return missionView(mission, now);
  }

  /** Changes the plan; only before the mission starts. */
  async update(actor: Actor, id: string, changes: MissionUpdate) {
    const now = this.clock.now();
    const { before, after } = await this.missions.change(id, (mission) => {
      requireAllowed(mission, 'update');
      return { ...changes, updated_at: now };
    });
    await this.audit.record(actor, 'mission.update', 'mission', id, before, after);
    return missionView(after, now);
  }

  /** Deletes a mission with its waypoints; only one that never started (see {@link requireDeletable}). */
  async remove(actor: Actor, id: string): Promise<void> {
    const before = await this.missions.remove(id, requireDeletable);
    await this.audit.record(actor, 'mission.delete', 'mission', id, before, null);
  }

  /** One lifecycle step (assign, unassign, start, complete, fail, cancel); the step's name is the audit action. */
  async transition(actor: Actor, id: string, transition: MissionTransition) {
    if (transition.action === 'assign') await this.assignableRobot(transition.robotId, 'robot_id');
    const now = this.clock.now();
    const { before, after } = await this.missions.change(id, (mission) => applyTransition(mission, transition, now));
    await this.audit.record(actor, `mission.${transition.action}`, 'mission', id, before, after);
    return missionView(after, now);
  }

  /** Appends a waypoint; not once the mission ended. */
  async addWaypoint(actor: Actor, missionId: string, input: WaypointCreate) {
    const { mission, waypoint } = await this.missions.addWaypoint(
      missionId,
      (current) => requireAllowed(current, 'change waypoints'),
      input,
    );
    await this.audit.record(actor, 'mission.waypoint.add', 'mission', missionId, null, waypoint);
    return missionView({ ...mission, waypoints: [...mission.waypoints, waypoint] }, this.clock.now());
  }

  /** Changes a waypoint's status, place, action, name or expected arrival; see {@link waypointChanges}. */
  async updateWaypoint(actor: Actor, missionId: string, waypointId: string, update: WaypointUpdate) {
    const now = this.clock.now();
    const { mission, before, after } = await this.missions.changeWaypoint(missionId, waypointId, (current, waypoint) =>
      waypointChanges(current, waypoint, update, actor.user.username, now),
    );
    await this.audit.record(actor, 'mission.waypoint.update', 'mission', missionId, before, after);
    return missionView(withWaypoint(mission, after), now);
  }

  /** The assigned robot's telemetry from the mission's start to its end (or now, while it runs). */
  async telemetry(id: string, query: MissionTelemetryQuery): Promise<TelemetryHistory> {
    const mission = await this.missions.get(id);
    if (mission.started_at === null || mission.assigned_robot_id === null) {
      throw new ConflictError(`mission ${id} is ${mission.status} and never started: it has no telemetry`);
    }
    const from = mission.started_at;
    const end = mission.completed_at ?? this.clock.now();
    const to = end > from ? end : new Date(from.getTime() + 1);
    return this.history.telemetry(mission.assigned_robot_id, {
      ...query,
      from: from.toISOString(),
      to: to.toISOString(),
    });
  }

  /** A robot a mission may be given: registered and not deleted. */
  private async assignableRobot(robotId: string, field: string): Promise<void> {
    const robot = await this.robots.find(robotId);
    if (!robot) throw new NotFoundError('robot', robotId);
    if (!robot.is_active) {
      throw new InvalidInputError(`robot '${robotId}' is deactivated: a mission cannot be assigned to it`, [
        { path: field, message: 'a deactivated robot' },
      ]);
    }
  }
}

function withWaypoint(mission: MissionDetail, waypoint: MissionDetail['waypoints'][number]): MissionDetail {
  return { ...mission, waypoints: mission.waypoints.map((w) => (w.id === waypoint.id ? waypoint : w)) };
}
