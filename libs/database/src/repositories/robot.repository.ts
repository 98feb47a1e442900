import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError, type Page, type RobotStatus } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { conflictOnDuplicate, containsPattern, fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';
import { appendAuditEntry, type AuditedBy } from './audit.repository';

const COLUMNS = [
  'id',
  'robot_id',
  'name',
  'description',
  'location',
  'status',
  'ip_address',
  'camera_url',
  'battery_threshold_low',
  'battery_threshold_critical',
  'temp_threshold_warning',
  'temp_threshold_critical',
  'settings',
  'last_seen',
  'created_at',
  'updated_at',
  'is_active',
  'device_type',
  'offline_timeout_s',
] as const;

/** Commands whose acknowledgement sets a robot's status; the newest acknowledged one wins. */
const STATUS_COMMANDS = ['emergency_stop', 'resume', 'clear_emergency'];

export interface RobotFields {
  name?: string | null;
  description?: string | null;
  location?: { x: number; y: number; z?: number; heading?: number } | null;
  status?: RobotStatus;
  ip_address?: string | null;
  camera_url?: string | null;
  battery_threshold_low?: number;
  battery_threshold_critical?: number;
  temp_threshold_warning?: number;
  temp_threshold_critical?: number;
  settings?: Record<string, unknown> | null;
  device_type?: string;
  offline_timeout_s?: number | null;
  is_active?: boolean;
}

export interface RobotListQuery {
  status?: RobotStatus;
  /** Matches robot id or name, case-insensitively. */
  search?: string;
  deviceType?: string;
  /** Soft-deleted robots are left out unless asked for. */
  includeInactive?: boolean;
  limit?: number;
  offset?: number;
}

/** What a robot's own message tells about it: when it was heard from and, if it said so, its state. */
export interface RobotSighting {
  at: Date;
  status?: RobotStatus;
  ip_address?: string;
  camera_url?: string;
  device_type?: string;
}

/** The `robots` table (TonyPi's registry of robots and their per-robot settings). */
@Injectable()
export class RobotRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Registers a robot; a robot id that exists is a conflict. */
  async create(robotId: string, fields: RobotFields = {}) {
    return conflictOnDuplicate(
      () =>
        this.db
          .insertInto('robots')
          .values({ robot_id: robotId, ...this.toRow(fields), updated_at: new Date() })
          .returning(COLUMNS)
          .executeTakeFirstOrThrow(),
      () => `robot '${robotId}' already exists`,
    );
  }

  async find(robotId: string) {
    return this.db.selectFrom('robots').select(COLUMNS).where('robot_id', '=', robotId).executeTakeFirst();
  }

  async get(robotId: string) {
    const robot = await this.find(robotId);
    if (!robot) throw new NotFoundError('robot', robotId);
    return robot;
  }

  async list(query: RobotListQuery = {}): Promise<Page<Awaited<ReturnType<RobotRepository['get']>>>> {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('robots');
    if (!query.includeInactive) filtered = filtered.where('is_active', '=', true);
    if (query.status) filtered = filtered.where('status', '=', query.status);
    if (query.deviceType) filtered = filtered.where('device_type', '=', query.deviceType);
    if (query.search) {
      const pattern = containsPattern(query.search);
      filtered = filtered.where((eb) => eb.or([eb('robot_id', 'ilike', pattern), eb('name', 'ilike', pattern)]));
    }
    return fetchPage(
      bounds,
      filtered.select(COLUMNS).orderBy('robot_id').limit(bounds.limit).offset(bounds.offset).execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** Active robots by the status the registry last recorded (what the fleet looks like without live state). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('robots')
      // TonyPi left the column nullable; its default is offline.
      .select([sql<string>`COALESCE(status, 'offline')`.as('status'), TOTAL])
      .where('is_active', '=', true)
      .groupBy(sql`1`)
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.total)]));
  }

  /** Jobs robots are working on now: TonyPi's `jobs` rows whose status is `active`. */
  async activeJobCount(): Promise<number> {
    const row = await this.db.selectFrom('jobs').select(TOTAL).where('status', '=', 'active').executeTakeFirstOrThrow();
    return Number(row.total);
  }

  async update(robotId: string, fields: RobotFields) {
    const robot = await this.db
      .updateTable('robots')
      .set({ ...this.toRow(fields), updated_at: new Date() })
      .where('robot_id', '=', robotId)
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!robot) throw new NotFoundError('robot', robotId);
    return robot;
  }

  /**
   * Replaces one section of a robot's settings, locking the row so that two sections changed at once both stay, and
   * writes the audit entry (before and after) in the same transaction when `by` is given.
   *
   * @example
   * await robots.setSetting('tonypi_01', 'camera', { fps: 15 }, { ...by, action: 'robot.config_update' });
   */
  async setSetting(robotId: string, section: string, value: unknown, audit?: AuditedBy & { action: string }) {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('robots')
        .select('settings')
        .where('robot_id', '=', robotId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) throw new NotFoundError('robot', robotId);
      const settings = { ...before.settings, [section]: value };
      const robot = await trx
        .updateTable('robots')
        .set({ settings: jsonb(settings), updated_at: new Date() })
        .where('robot_id', '=', robotId)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      if (audit) {
        const { action, ...by } = audit;
        await appendAuditEntry(trx, {
          ...by,
          action,
          entity_type: 'robot',
          entity_id: robotId,
          before: { settings: before.settings },
          after: { settings: robot.settings },
        });
      }
      return robot;
    });
  }

  /** Soft delete: the robot leaves lists but its history (jobs, alerts, telemetry) keeps its id. */
  async deactivate(robotId: string) {
    return this.update(robotId, { is_active: false, status: 'offline' });
  }

  /** The status of each active robot, or of those among `robotIds`; robots not registered or deleted are left out. */
  async statuses(robotIds?: readonly string[]): Promise<{ robot_id: string; status: RobotStatus }[]> {
    if (robotIds?.length === 0) return [];
    let query = this.db.selectFrom('robots').select(['robot_id', 'status']).where('is_active', '=', true);
    if (robotIds) query = query.where('robot_id', 'in', robotIds);
    const rows = await query.orderBy('robot_id').execute();
    return rows.map((r) => ({ robot_id: r.robot_id, status: r.status as RobotStatus }));
  }

  /**
   * Sets the status a robot acknowledged outside its status messages (an emergency stop, a resume), unless a newer
   * one was acknowledged since: the answer dates from its command's creation when it answers a command of Fleet's
   * (`commandId`), else from `at`, when Fleet received it (a robot's own stop button), and is applied only when no
   * emergency stop, resume or clear_emergency created after that was acknowledged by the robot. So a redelivered
   * old stop acknowledgement never stops a robot resumed since. Returns whether the status was set (false too for a
   * robot not registered or deleted).
   *
   * @example
   * await robots.setStatus('tonypi_01', 'online', { at: answeredAt, commandId: resumeId });
   */
  async setStatus(
    robotId: string,
    status: RobotStatus,
    asOf: { at: Date; commandId?: string | null },
  ): Promise<boolean> {
    const commandTime = sql`(SELECT created_at FROM commands WHERE id = ${asOf.commandId ?? null}::uuid)`;
    const answerTime = sql<Date>`coalesce(${commandTime}, ${asOf.at}::timestamptz)`;
    const row = await this.db
      .updateTable('robots')
      .set({ status, updated_at: new Date() })
      .where('robot_id', '=', robotId)
      .where('is_active', '=', true)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('command_results as r')
              .innerJoin('commands as c', 'c.id', 'r.command_id')
              .select('r.robot_id')
              .where('r.robot_id', '=', robotId)
              .where('r.status', '=', 'ack_success')
              .where('c.type', 'in', STATUS_COMMANDS)
              .where('c.created_at', '>', answerTime),
          ),
        ),
      )
      .returning('robot_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Records that a robot was heard from, registering it on first contact. A late or redelivered message (older
   * than what the robot last said) changes nothing: `last_seen` never moves backwards and an older status, IP or
   * camera URL never replaces a newer one. Returns whether the robot was new.
   */
  async recordSighting(robotId: string, sighting: RobotSighting): Promise<{ created: boolean }> {
    const reported = (['status', 'ip_address', 'camera_url'] as const).filter((key) => sighting[key] !== undefined);
    const row = await this.db
      .insertInto('robots')
      .values({
        robot_id: robotId,
        name: robotId,
        last_seen: sighting.at,
        status: sighting.status ?? 'online',
        device_type: sighting.device_type ?? 'tonypi',
        ...(sighting.ip_address !== undefined && { ip_address: sighting.ip_address }),
        ...(sighting.camera_url !== undefined && { camera_url: sighting.camera_url }),
      })
      .onConflict((oc) =>
        oc.column('robot_id').doUpdateSet((eb) => {
          const newer = eb.or([
            eb('robots.last_seen', 'is', null),
            eb(eb.ref('excluded.last_seen'), '>=', eb.ref('robots.last_seen')),
          ]);
          const fresh = Object.fromEntries(
            reported.map((key) => [
              key,
              eb
                .case()
                .when(newer)
                .then(eb.ref(`excluded.${key}`))
                .else(eb.ref(`robots.${key}`))
                .end(),
            ]),
          );
          return {
            ...fresh,
            last_seen: sql<Date>`GREATEST(${eb.ref('robots.last_seen')}, ${eb.ref('excluded.last_seen')})`,
            updated_at: new Date(),
          };
        }),
      )
      // xmax = 0 only for a row this statement inserted.
      .returning(sql<boolean>`(xmax = 0)`.as('created'))
      .executeTakeFirstOrThrow();
    return { created: row.created };
  }

  /**
   * {@link recordSighting} for many robots in two statements: one UPDATE of the registered robots, in robot id order
   * (so that two writers never wait on each other in a cycle), then one INSERT of those it did not find. Returns the
   * robots that were new.
   */
  async recordSightings(sightings: readonly (readonly [string, RobotSighting])[]): Promise<{ created: string[] }> {
    if (sightings.length === 0) return { created: [] };
    const sorted = [...sightings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const column = <T>(pick: (sighting: RobotSighting) => T | undefined) =>
      sorted.map(([, sighting]) => pick(sighting) ?? null);
    const newer = sql`(r.last_seen IS NULL OR s.at >= r.last_seen)`;
    const updated = await sql<{ robot_id: string }>`
      UPDATE robots AS r SET
        last_seen = GREATEST(r.last_seen, s.at),
        status = CASE WHEN s.status IS NOT NULL AND ${newer} THEN s.status ELSE r.status END,
        ip_address = CASE WHEN s.ip_address IS NOT NULL AND ${newer} THEN s.ip_address ELSE r.ip_address END,
        camera_url = CASE WHEN s.camera_url IS NOT NULL AND ${newer} THEN s.camera_url ELSE r.camera_url END,
        updated_at = now()
      FROM unnest(
        ${sorted.map(([robotId]) => robotId)}::text[],
        ${column((x) => x.at)}::timestamptz[],
        ${column((x) => x.status)}::text[],
        ${column((x) => x.ip_address)}::text[],
        ${column((x) => x.camera_url)}::text[]
      ) AS s(robot_id, at, status, ip_address, camera_url)
      WHERE r.robot_id = s.robot_id
      RETURNING r.robot_id`.execute(this.db);
    const found = new Set(updated.rows.map((row) => row.robot_id));
    const missing = sorted.filter(([robotId]) => !found.has(robotId));
    if (missing.length === 0) return { created: [] };
    const values = <T>(pick: (sighting: RobotSighting) => T | undefined) =>
      missing.map(([, sighting]) => pick(sighting) ?? null);
    const inserted = await sql<{ robot_id: string }>`
      INSERT INTO robots (robot_id, name, last_seen, status, device_type, ip_address, camera_url)
      SELECT s.robot_id, s.robot_id, s.at, COALESCE(s.status, 'online'), COALESCE(s.device_type, 'tonypi'),
        s.ip_address, s.camera_url
      FROM unnest(
        ${missing.map(([robotId]) => robotId)}::text[],
        ${values((x) => x.at)}::timestamptz[],
        ${values((x) => x.status)}::text[],
        ${values((x) => x.device_type)}::text[],
        ${values((x) => x.ip_address)}::text[],
        ${values((x) => x.camera_url)}::text[]
      ) AS s(robot_id, at, status, device_type, ip_address, camera_url)
      ON CONFLICT (robot_id) DO NOTHING
      RETURNING robot_id`.execute(this.db);
    const created = inserted.rows.map((row) => row.robot_id).sort();
    // Registered by another writer between the two statements: the one-robot upsert settles it.
    const fresh = new Set(created);
    for (const [robotId, sighting] of missing)
      if (!fresh.has(robotId) && (await this.recordSighting(robotId, sighting)).created) created.push(robotId);
    return { created };
  }

  private toRow(fields: RobotFields) {
    const { location, settings, ...rest } = fields;
    return { ...rest, location: jsonb(location), settings: jsonb(settings) };
  }
}

export type Robot = Awaited<ReturnType<RobotRepository['get']>>;
