import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { ConflictError, NotFoundError, type Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB, MissionStatus, MissionType, WaypointStatus } from '../db.types';
import { fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

const MISSION_COLUMNS = [
  'id',
  'name',
  'mission_type',
  'status',
  'priority',
  'assigned_robot_id',
  'scheduled_start',
  'assigned_at',
  'started_at',
  'completed_at',
  'estimated_duration_s',
  'actual_duration_s',
  'failure_reason',
  'payload',
  'special_instructions',
  'created_by',
  'created_at',
  'updated_at',
] as const;

const WAYPOINT_COLUMNS = [
  'id',
  'mission_id',
  'sequence_order',
  'name',
  'coordinates',
  'action',
  'status',
  'estimated_arrival',
  'actual_arrival',
  'original_coordinates',
  'modification_reason',
  'modified_by',
  'modified_at',
  'created_at',
] as const;

/** The index that lets a robot carry out one mission at a time. */
const ONE_ACTIVE_PER_ROBOT = 'uq_missions_one_active_per_robot';

type Instant = Date | string;
type Coordinates = Record<string, number>;

export interface NewMission {
  name: string;
  mission_type: MissionType;
  status?: MissionStatus;
  priority?: number;
  assigned_robot_id?: string | null;
  assigned_at?: Instant | null;
  scheduled_start?: Instant | null;
  estimated_duration_s?: number | null;
  payload?: Record<string, unknown> | null;
  special_instructions?: string | null;
  created_by?: string | null;
}

export interface NewWaypoint {
  name?: string | null;
  coordinates: Coordinates;
  action?: string | null;
  estimated_arrival?: Instant | null;
}

/** Columns a mission change may set. */
export interface MissionChanges extends Partial<Omit<NewMission, 'created_by'>> {
  started_at?: Instant | null;
  completed_at?: Instant | null;
  actual_duration_s?: number | null;
  failure_reason?: string | null;
  updated_at?: Instant | null;
}

/** Columns a waypoint change may set. */
export interface WaypointChanges extends Partial<NewWaypoint> {
  status?: WaypointStatus;
  actual_arrival?: Instant | null;
  original_coordinates?: Coordinates | null;
  modification_reason?: string | null;
  modified_by?: string | null;
  modified_at?: Instant | null;
}

export interface MissionQuery {
  status?: MissionStatus;
  /** Missions assigned to this robot. */
  robotId?: string;
  missionType?: MissionType;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit?: number;
  offset?: number;
}

/**
 * Missions and their ordered waypoints (the rover and drone systems' mission tables). Every change to a mission or
 * its waypoints runs in a transaction holding the mission's row (`FOR UPDATE`), so a decision taken on its state
 * (may it start? may this waypoint move?) still holds when the change is written.
 *
 * @example
 * await missions.change(id, (mission) => {
 *   if (mission.status !== 'assigned') throw new ConflictError('not assigned');
 *   return { status: 'active', started_at: now };
 * });
 */
@Injectable()
export class MissionRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Creates a mission with its waypoints, in the order given, all or nothing. */
  async create(mission: NewMission, waypoints: NewWaypoint[] = []): Promise<MissionDetail> {
    return this.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('missions')
        .values({
          ...missionRow(mission),
          name: mission.name,
          mission_type: mission.mission_type,
          created_by: mission.created_by ?? null,
        })
        .returning(MISSION_COLUMNS)
        .executeTakeFirstOrThrow();
      const rows =
        waypoints.length === 0
          ? []
          : await trx
              .insertInto('mission_waypoints')
              .values(waypoints.map((w, i) => ({ ...newWaypointRow(w), mission_id: created.id, sequence_order: i })))
              .returning(WAYPOINT_COLUMNS)
              .execute();
      return { ...created, waypoints: rows.sort((a, b) => a.sequence_order - b.sequence_order) };
    });
  }

  async find(id: string): Promise<MissionDetail | undefined> {
    return detail(this.db, id);
  }

  async get(id: string): Promise<MissionDetail> {
    const mission = await this.find(id);
    if (!mission) throw new NotFoundError('mission', id);
    return mission;
  }

  /** Missions matching every filter, newest first, each with its waypoints counted by status. */
  async list(query: MissionQuery = {}): Promise<Page<MissionSummary>> {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('missions');
    if (query.status) filtered = filtered.where('status', '=', query.status);
    if (query.robotId) filtered = filtered.where('assigned_robot_id', '=', query.robotId);
    if (query.missionType) filtered = filtered.where('mission_type', '=', query.missionType);
    if (query.from) filtered = filtered.where('created_at', '>=', query.from);
    if (query.to) filtered = filtered.where('created_at', '<', query.to);
    const page = await fetchPage(
      bounds,
      filtered
        .select(MISSION_COLUMNS)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
    const counts = await this.waypointCounts(page.items.map((m) => m.id));
    return { ...page, items: page.items.map((m) => ({ ...m, waypoint_counts: counts.get(m.id) ?? {} })) };
  }

  /** The mission a robot is carrying out, if any. */
  async activeMissionOf(robotId: string): Promise<Mission | undefined> {
    return this.db
      .selectFrom('missions')
      .select(MISSION_COLUMNS)
      .where('assigned_robot_id', '=', robotId)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  /**
   * Changes a mission as `decide` says, given the mission as it is with its row locked; `decide` throws to refuse.
   * A second active mission for a robot is a {@link ConflictError} naming the robot and the mission it carries out.
   */
  async change(
    id: string,
    decide: (current: MissionDetail) => MissionChanges,
  ): Promise<{ before: MissionDetail; after: MissionDetail }> {
    const robot: { id: string | null } = { id: null };
    try {
      return await this.db.transaction().execute(async (trx) => {
        const before = await lockedMission(trx, id);
        const changes = decide(before);
        robot.id = changes.assigned_robot_id ?? before.assigned_robot_id;
        await trx.updateTable('missions').set(missionRow(changes)).where('id', '=', id).execute();
        return { before, after: (await detail(trx, id)) as MissionDetail };
      });
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError.code === '23505' && pgError.constraint === ONE_ACTIVE_PER_ROBOT && robot.id !== null) {
        const active = await this.activeMissionOf(robot.id);
        const which = active ? `: mission ${active.id} ('${active.name}')` : '';
        throw new ConflictError(`robot '${robot.id}' already has an active mission${which}`, { cause: error });
      }
      throw error;
    }
  }

  /** Deletes a mission and its waypoints unless `check`, given the locked mission, throws. */
  async remove(id: string, check: (current: MissionDetail) => void): Promise<MissionDetail> {
    return this.db.transaction().execute(async (trx) => {
      const mission = await lockedMission(trx, id);
      check(mission);
      await trx.deleteFrom('missions').where('id', '=', id).execute();
      return mission;
    });
  }

  /** Appends a waypoint after the mission's last one unless `check`, given the locked mission, throws. */
  async addWaypoint(
    missionId: string,
    check: (current: MissionDetail) => void,
    waypoint: NewWaypoint,
  ): Promise<{ mission: MissionDetail; waypoint: Waypoint }> {
    return this.db.transaction().execute(async (trx) => {
      const mission = await lockedMission(trx, missionId);
      check(mission);
      const last = mission.waypoints.at(-1);
      const added = await trx
        .insertInto('mission_waypoints')
        .values({
          ...newWaypointRow(waypoint),
          mission_id: missionId,
          sequence_order: last ? last.sequence_order + 1 : 0,
        })
        .returning(WAYPOINT_COLUMNS)
        .executeTakeFirstOrThrow();
      return { mission, waypoint: added };
    });
  }

  /**
   * Changes one of a mission's waypoints as `decide` says, given the locked mission and the waypoint as it is;
   * `decide` throws to refuse.
   */
  async changeWaypoint(
    missionId: string,
    waypointId: string,
    decide: (mission: MissionDetail, waypoint: Waypoint) => WaypointChanges,
  ): Promise<{ mission: MissionDetail; before: Waypoint; after: Waypoint }> {
    return this.db.transaction().execute(async (trx) => {
      const mission = await lockedMission(trx, missionId);
      const before = mission.waypoints.find((w) => w.id === waypointId);
      if (!before) throw new NotFoundError(`waypoint of mission ${missionId}`, waypointId);
      const after = await trx
        .updateTable('mission_waypoints')
        .set(waypointRow(decide(mission, before)))
        .where('id', '=', waypointId)
        .where('mission_id', '=', missionId)
        .returning(WAYPOINT_COLUMNS)
        .executeTakeFirstOrThrow();
      return { mission, before, after };
    });
  }

  private async waypointCounts(missionIds: string[]): Promise<Map<string, Partial<Record<WaypointStatus, number>>>> {
    const counts = new Map<string, Partial<Record<WaypointStatus, number>>>();
    if (missionIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('mission_waypoints')
      .select(['mission_id', 'status', TOTAL])
      .where('mission_id', 'in', missionIds)
      .groupBy(['mission_id', 'status'])
      .execute();
    for (const row of rows) {
      counts.set(row.mission_id, { ...counts.get(row.mission_id), [row.status]: Number(row.total) });
    }
    return counts;
  }
}

async function detail(db: Kysely<DB>, id: string): Promise<MissionDetail | undefined> {
  const mission = await db.selectFrom('missions').select(MISSION_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!mission) return undefined;
  return { ...mission, waypoints: await waypointsOf(db, id) };
}

async function lockedMission(trx: Transaction<DB>, id: string): Promise<MissionDetail> {
  const mission = await trx
    .selectFrom('missions')
    .select(MISSION_COLUMNS)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!mission) throw new NotFoundError('mission', id);
  return { ...mission, waypoints: await waypointsOf(trx, id) };
}

function waypointsOf(db: Kysely<DB>, missionId: string): Promise<Waypoint[]> {
  return db
    .selectFrom('mission_waypoints')
    .select(WAYPOINT_COLUMNS)
    .where('mission_id', '=', missionId)
    .orderBy('sequence_order')
    .execute();
}

function missionRow(fields: MissionChanges) {
  const { payload, ...rest } = fields;
  return { ...rest, payload: jsonb(payload) };
}

function waypointRow(fields: WaypointChanges) {
  const { coordinates, original_coordinates, ...rest } = fields;
  return {
    ...rest,
    ...(coordinates !== undefined && { coordinates: JSON.stringify(coordinates) }),
    original_coordinates: jsonb(original_coordinates),
  };
}

function newWaypointRow(waypoint: NewWaypoint) {
  return { ...waypointRow(waypoint), coordinates: JSON.stringify(waypoint.coordinates) };
}

export type Mission = Selectable<DB['missions']>;
export type Waypoint = Selectable<DB['mission_waypoints']>;
/** A mission with its waypoints in the order visited. */
export type MissionDetail = Mission & { waypoints: Waypoint[] };
/** A mission with how many of its waypoints are in each status. */
export type MissionSummary = Mission & { waypoint_counts: Partial<Record<WaypointStatus, number>> };
