import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';

/** What a report reads: `from` inclusive, `to` exclusive; `robotIds` null for the whole fleet. */
export interface ReportScope {
  from: Date;
  to: Date;
  robotIds: readonly string[] | null;
}

/** Job counts and durations of one group (a robot, a task, or everything). */
export interface JobGroupStats {
  robot_id: string | null;
  task: string | null;
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  superseded: number;
  active: number;
  items: number;
  duration_median_s: number | null;
  duration_p95_s: number | null;
}

export interface ConnectionEventRow {
  robot_id: string;
  event: 'connected' | 'disconnected' | 'timeout';
  timestamp: Date;
  details: Record<string, unknown> | null;
}

const FINISHED = sql`('completed', 'failed', 'cancelled')`;

function inScope(column: string, robotIds: readonly string[] | null): RawBuilder<unknown> {
  return robotIds === null ? sql`` : sql` AND ${sql.ref(column)} = ANY(${[...robotIds]}::text[])`;
}

/** Seconds a job took: as the robot reported it, else from its start and end. */
const JOB_DURATION = sql`COALESCE(j.duration_s, EXTRACT(EPOCH FROM (j.end_time - j.start_time)))::float8`;

/**
 * The read-only queries reports run over Fleet's entities: jobs, missions, alerts, commands, connection history,
 * dead letters and robots, each over a period and optionally for some robots only. Aggregates are computed in
 * PostgreSQL, so a month of a large fleet never crosses the wire row by row.
 */
@Injectable()
export class ReportDataRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** The robots a report covers: the ones named (whether registered or not), or every active robot. */
  async robots(
    robotIds: readonly string[] | null,
  ): Promise<{ robot_id: string; name: string | null; created_at: Date }[]> {
    let q = this.db.selectFrom('robots').select(['robot_id', 'name', 'created_at']);
    q =
      robotIds === null
        ? q.where('is_active', '=', true)
        : q.where('robot_id', 'in', robotIds.length > 0 ? [...robotIds] : ['']);
    return q.orderBy('robot_id').execute();
  }

  /** Job counts per robot, per task and in all (`robot_id` and `task` null), for jobs started in the period. */
  async jobGroups(scope: ReportScope): Promise<JobGroupStats[]> {
    const { rows } = await sql<JobGroupStats & { by_robot: number; by_task: number }>`
      SELECT j.robot_id, COALESCE(j.task_name, '(none)') AS task,
        GROUPING(j.robot_id)::int AS by_robot, GROUPING(COALESCE(j.task_name, '(none)'))::int AS by_task,
        count(*)::int AS started,
        count(*) FILTER (WHERE j.status = 'completed')::int AS completed,
        count(*) FILTER (WHERE j.status = 'failed')::int AS failed,
        count(*) FILTER (WHERE j.status = 'cancelled')::int AS cancelled,
        count(*) FILTER (WHERE j.status = 'superseded')::int AS superseded,
        count(*) FILTER (WHERE j.status = 'active')::int AS active,
        COALESCE(sum(j.items_done), 0)::int AS items,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${JOB_DURATION}) FILTER (WHERE j.status IN ${FINISHED})
          AS duration_median_s,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ${JOB_DURATION}) FILTER (WHERE j.status IN ${FINISHED})
          AS duration_p95_s
      FROM jobs j
      WHERE j.start_time >= ${scope.from} AND j.start_time < ${scope.to} ${inScope('j.robot_id', scope.robotIds)}
      GROUP BY GROUPING SETS ((j.robot_id), (COALESCE(j.task_name, '(none)')), ())`.execute(this.db);
    return rows.map(({ by_robot, by_task, ...r }) => ({
      ...r,
      robot_id: by_robot === 0 ? r.robot_id : null,
      task: by_task === 0 ? r.task : null,
    }));
  }

  /** The longest finished jobs started in the period. */
  async longestJobs(scope: ReportScope, limit: number) {
    const { rows } = await sql<{
      id: number;
      robot_id: string;
      task_name: string | null;
      status: string;
      start_time: Date;
      duration_s: number;
      items_done: number;
    }>`
      SELECT j.id, j.robot_id, j.task_name, j.status, j.start_time, ${JOB_DURATION} AS duration_s, j.items_done
      FROM jobs j
      WHERE j.start_time >= ${scope.from} AND j.start_time < ${scope.to} ${inScope('j.robot_id', scope.robotIds)}
        AND j.status IN ${FINISHED} AND ${JOB_DURATION} IS NOT NULL
      ORDER BY duration_s DESC, j.id
      LIMIT ${limit}`.execute(this.db);
    return rows;
  }

  /** Failed jobs started in the period, newest first, with the robot's reason. */
  async failedJobs(scope: ReportScope, limit: number) {
    return this.db
      .selectFrom('jobs')
      .select(['id', 'robot_id', 'task_name', 'start_time', 'end_reason'])
      .where('start_time', '>=', scope.from)
      .where('start_time', '<', scope.to)
      .where('status', '=', 'failed')
      .$if(scope.robotIds !== null, (q) => q.where('robot_id', 'in', [...(scope.robotIds ?? []), '']))
      .orderBy('start_time', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Jobs started per bucket of `bucketMs` and status. */
  async jobTimeline(scope: ReportScope, bucketMs: number) {
    const { rows } = await sql<{ slot: number; status: string; n: number }>`
      SELECT floor(extract(epoch FROM j.start_time) * 1000 / ${bucketMs}::bigint)::float8 AS slot, j.status,
        count(*)::int AS n
      FROM jobs j
      WHERE j.start_time >= ${scope.from} AND j.start_time < ${scope.to} ${inScope('j.robot_id', scope.robotIds)}
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.db);
    return rows.map((r) => ({ time: r.slot * bucketMs, status: r.status, count: r.n }));
  }

  /** Missions started in the period, or created in it if they never started, with their waypoints counted. */
  async missions(scope: ReportScope) {
    const { rows } = await sql<{
      id: string;
      name: string;
      mission_type: string;
      assigned_robot_id: string | null;
      status: string;
      started_at: Date | null;
      actual_duration_s: number | null;
      estimated_duration_s: number | null;
      failure_reason: string | null;
      waypoints: number;
      reached: number;
    }>`
      SELECT m.id, m.name, m.mission_type, m.assigned_robot_id, m.status, m.started_at,
        m.actual_duration_s::float8 AS actual_duration_s, m.estimated_duration_s::float8 AS estimated_duration_s,
        m.failure_reason,
        (SELECT count(*)::int FROM mission_waypoints w WHERE w.mission_id = m.id) AS waypoints,
        (SELECT count(*)::int FROM mission_waypoints w WHERE w.mission_id = m.id AND w.status = 'completed') AS reached
      FROM missions m
      WHERE COALESCE(m.started_at, m.created_at) >= ${scope.from} AND COALESCE(m.started_at, m.created_at) < ${scope.to}
        ${inScope('m.assigned_robot_id', scope.robotIds)}
      ORDER BY COALESCE(m.started_at, m.created_at), m.id`.execute(this.db);
    return rows;
  }

  /**
   * Alerts raised in the period, by type and severity. For robots, their own alerts only; for the fleet, the
   * fleet-wide ones too.
   */
  async alertCounts(scope: ReportScope) {
    const { rows } = await sql<{ alert_type: string; severity: string; count: number; open: number }>`
      SELECT a.alert_type, a.severity, count(*)::int AS count, count(*) FILTER (WHERE NOT a.resolved)::int AS open
      FROM alerts a
      WHERE a.created_at >= ${scope.from} AND a.created_at < ${scope.to} ${inScope('a.robot_id', scope.robotIds)}
      GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`.execute(this.db);
    return rows;
  }

  /** How long alerts raised in the period took to be acknowledged and resolved (median and 95th percentile, s). */
  async alertTimes(scope: ReportScope) {
    const ack = sql`EXTRACT(EPOCH FROM (a.acknowledged_at - a.created_at))::float8`;
    const res = sql`EXTRACT(EPOCH FROM (a.resolved_at - a.created_at))::float8`;
    const { rows } = await sql<{
      ack_median: number | null;
      ack_p95: number | null;
      resolve_median: number | null;
      resolve_p95: number | null;
    }>`
      SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${ack}) FILTER (WHERE a.acknowledged_at IS NOT NULL) AS ack_median,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ${ack}) FILTER (WHERE a.acknowledged_at IS NOT NULL) AS ack_p95,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${res}) FILTER (WHERE a.resolved_at IS NOT NULL) AS resolve_median,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ${res}) FILTER (WHERE a.resolved_at IS NOT NULL) AS resolve_p95
      FROM alerts a
      WHERE a.created_at >= ${scope.from} AND a.created_at < ${scope.to} ${inScope('a.robot_id', scope.robotIds)}`.execute(
      this.db,
    );
    return rows[0] ?? { ack_median: null, ack_p95: null, resolve_median: null, resolve_p95: null };
  }

  /** Alerts of one type raised in the period per robot, source and severity (servo alerts per servo). */
  async alertsBySource(scope: ReportScope, alertType: string) {
    const { rows } = await sql<{ robot_id: string; source: string | null; severity: string; count: number }>`
      SELECT a.robot_id, a.source, a.severity, count(*)::int AS count
      FROM alerts a
      WHERE a.alert_type = ${alertType} AND a.robot_id IS NOT NULL
        AND a.created_at >= ${scope.from} AND a.created_at < ${scope.to} ${inScope('a.robot_id', scope.robotIds)}
      GROUP BY 1, 2, 3`.execute(this.db);
    return rows;
  }

  /**
   * Commands created in the period by status and by type. For robots: the commands sent to any of them (broadcasts
   * included).
   */
  async commandCounts(scope: ReportScope) {
    const targeted =
      scope.robotIds === null
        ? sql``
        : sql` AND EXISTS (SELECT 1 FROM command_results r WHERE r.command_id = c.id
            AND r.robot_id = ANY(${[...scope.robotIds]}::text[]))`;
    const { rows } = await sql<{ type: string; status: string; count: number }>`
      SELECT c.type, c.status, count(*)::int AS count
      FROM commands c
      WHERE c.created_at >= ${scope.from} AND c.created_at < ${scope.to} ${targeted}
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.db);
    return rows;
  }

  /** Dead letters received in the period by reason (for robots: theirs only). */
  async deadLetters(scope: ReportScope) {
    const { rows } = await sql<{ reason: string; count: number }>`
      SELECT d.reason, count(*)::int AS count FROM dead_letters d
      WHERE d.received_at >= ${scope.from} AND d.received_at < ${scope.to} ${inScope('d.robot_id', scope.robotIds)}
      GROUP BY 1 ORDER BY 2 DESC, 1`.execute(this.db);
    return rows;
  }

  /**
   * Each robot's connection events in the period, oldest first, preceded by its last event before the period (so
   * its state at the start is known).
   */
  async connectionEvents(scope: ReportScope): Promise<ConnectionEventRow[]> {
    const { rows } = await sql<ConnectionEventRow>`
      (SELECT DISTINCT ON (l.robot_id) l.robot_id, l.event, l.timestamp, l.details
        FROM robot_connection_logs l
        WHERE l.timestamp < ${scope.from} ${inScope('l.robot_id', scope.robotIds)}
        ORDER BY l.robot_id, l.timestamp DESC, l.id DESC)
      UNION ALL
      (SELECT l.robot_id, l.event, l.timestamp, l.details
        FROM robot_connection_logs l
        WHERE l.timestamp >= ${scope.from} AND l.timestamp < ${scope.to} ${inScope('l.robot_id', scope.robotIds)})
      ORDER BY 1, 3`.execute(this.db);
    return rows;
  }
}
