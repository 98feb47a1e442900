import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { NotFoundError, type Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB, JobsTable } from '../db.types';
import { containsPattern, fetchPage, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = [
  'id',
  'robot_id',
  'start_time',
  'end_time',
  'items_total',
  'items_done',
  'percent_complete',
  'last_item',
  'status',
  'created_at',
  'updated_at',
] as const;

/** A row of `jobs`. */
export type Job = Pick<Selectable<JobsTable>, (typeof COLUMNS)[number]>;

const TRACKED_COLUMNS = [
  ...COLUMNS,
  'task_name',
  'phase',
  'estimated_duration_s',
  'duration_s',
  'end_reason',
  'last_message_at',
  'last_message_key',
] as const;

/** A row of `jobs` with what the jobs service tracks besides TonyPi's columns. */
export type TrackedJob = Pick<Selectable<JobsTable>, (typeof TRACKED_COLUMNS)[number]>;

/** What the jobs service writes to a job row (`last_item` is any JSON value). */
export interface JobFields {
  status: string;
  task_name: string | null;
  phase: string | null;
  start_time: Date;
  end_time: Date | null;
  items_total: number | null;
  items_done: number;
  percent_complete: number;
  last_item: unknown;
  estimated_duration_s: number | null;
  duration_s: number | null;
  end_reason: string | null;
  last_message_at: Date | null;
  last_message_key: string | null;
}

/** A job milestone for `system_logs`; logged once per job and milestone however often it is written. */
export interface JobMilestoneEntry {
  jobId: number;
  robotId: string;
  milestone: number;
  at: Date;
  message: string;
  details: Record<string, unknown>;
}

/**
 * The advisory lock namespace (first key; the second is `hashtext(robot_id)`) under which a robot's jobs are
 * changed, so two replicas never open two jobs for one robot, even when it has no row to lock yet.
 */
export const JOB_ROBOT_LOCK = 7_241_002;

/** One robot's jobs inside a transaction that holds the robot's job lock. */
export class RobotJobs {
  constructor(
    private readonly trx: Kysely<DB>,
    readonly robotId: string,
  ) {}

  /**
   * The robot's active job (the newest, should there be several), or else the one it last sent a message about;
   * its row locked until the transaction ends.
   */
  async current(): Promise<TrackedJob | undefined> {
    const active = await this.trx
      .selectFrom('jobs')
      .select(TRACKED_COLUMNS)
      .where('robot_id', '=', this.robotId)
      .where('status', '=', 'active')
      .orderBy('start_time', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst();
    return (
      active ??
      this.trx
        .selectFrom('jobs')
        .select(TRACKED_COLUMNS)
        .where('robot_id', '=', this.robotId)
        .orderBy('last_message_at', (ob) => ob.desc().nullsLast())
        .orderBy('id', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst()
    );
  }

  async insert(fields: JobFields, at: Date): Promise<TrackedJob> {
    return this.trx
      .insertInto('jobs')
      .values({ ...row(fields), robot_id: this.robotId, created_at: at, updated_at: at })
      .returning(TRACKED_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async update(id: number, fields: JobFields, at: Date): Promise<TrackedJob> {
    return this.trx
      .updateTable('jobs')
      .set({ ...row(fields), updated_at: at })
      .where('id', '=', id)
      .where('robot_id', '=', this.robotId)
      .returning(TRACKED_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  /** Logs a milestone unless it was logged before; true when this call logged it. */
  async logMilestone(entry: JobMilestoneEntry): Promise<boolean> {
    const inserted = await this.trx
      .insertInto('system_logs')
      .values({
        level: 'INFO',
        category: 'job',
        message: entry.message,
        robot_id: this.robotId,
        details: JSON.stringify({ job_id: entry.jobId, milestone: entry.milestone, ...entry.details }),
        timestamp: entry.at,
        message_key: `job:${entry.jobId}:${entry.milestone}`,
      })
      .onConflict((oc) => oc.column('message_key').where('message_key', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }
}

function row(fields: JobFields) {
  return { ...fields, last_item: fields.last_item === null ? null : JSON.stringify(fields.last_item) };
}

const FINISHED = ['completed', 'failed', 'cancelled'] as const;

/** The select list of {@link JobTotals}, for one group of jobs. */
function totalsColumns() {
  const byStatus = (status: string) => sql<string>`count(*) FILTER (WHERE status = ${status})`;
  const finished = sql`status IN (${sql.join(FINISHED)})`;
  const duration = sql`coalesce(duration_s, extract(epoch FROM end_time - start_time))`;
  return [
    TOTAL,
    byStatus('active').as('active'),
    byStatus('completed').as('completed'),
    byStatus('failed').as('failed'),
    byStatus('cancelled').as('cancelled'),
    byStatus('superseded').as('superseded'),
    sql<string>`count(*) FILTER (WHERE ${finished})`.as('finished'),
    sql<string>`coalesce(sum(items_done), 0)`.as('items_done'),
    sql<string>`coalesce(sum(items_total), 0)`.as('items_total'),
    sql<number>`coalesce(sum(${duration}) FILTER (WHERE ${finished}), 0)::float8`.as('duration'),
    sql<number | null>`(avg(${duration}) FILTER (WHERE ${finished}))::float8`.as('average_duration'),
  ] as const;
}

interface TotalsRow {
  total: string;
  active: string;
  completed: string;
  failed: string;
  cancelled: string;
  superseded: string;
  finished: string;
  items_done: string;
  items_total: string;
  duration: number;
  average_duration: number | null;
}

function toTotals(row: TotalsRow): JobTotals {
  return {
    total: Number(row.total),
    active: Number(row.active),
    completed: Number(row.completed),
    failed: Number(row.failed),
    cancelled: Number(row.cancelled),
    superseded: Number(row.superseded),
    finished: Number(row.finished),
    itemsDone: Number(row.items_done),
    itemsTotal: Number(row.items_total),
    durationSeconds: row.duration,
    averageDurationSeconds: row.average_duration,
  };
}

export interface JobHistoryQuery {
  robotId?: string;
  limit?: number;
  offset?: number;
}

/** Which jobs a list or totals cover: every filter given must match; the range is on `start_time`, half-open. */
export interface JobFilter {
  robotId?: string;
  statuses?: readonly string[];
  /** Text the task name contains, any case; `%`, `_` and `\` taken literally. */
  task?: string;
  from?: Date;
  to?: Date;
}

/** Counts, items and durations over jobs, where a job is finished once completed, failed or cancelled. */
export interface JobTotals {
  total: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  superseded: number;
  finished: number;
  itemsDone: number;
  itemsTotal: number;
  /** Sum of finished jobs' durations (`duration_s`, else `end_time - start_time`). */
  durationSeconds: number;
  /** Mean of those durations; null while no job has finished. */
  averageDurationSeconds: number | null;
}

/** Totals over a set of jobs (one robot's, or the fleet's). */
export interface JobStats {
  /** Robots with at least one job. */
  robots: number;
  total: number;
  active: number;
  completed: number;
  cancelled: number;
  failed: number;
  /** Completed jobs that ended at or after `completedSince`, when asked for. */
  completedSince: number;
  itemsDone: number;
  itemsTotal: number;
  /** Sum of `end_time - start_time` over jobs that have both. */
  durationSeconds: number;
  /** Mean of those durations; null when no job has ended. */
  averageDurationSeconds: number | null;
  /** Mean `percent_complete`; null when there is no job. */
  averagePercent: number | null;
}

/**
 * The `jobs` table: what robots worked on, from TonyPi's job tracking (items done out of a target, progress, status
 * `active` | `completed` | `cancelled` | `failed` | `superseded`). The jobs service writes it through
 * {@link JobRepository.forRobot}; everything else reads.
 */
@Injectable()
export class JobRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /**
   * Runs `work` on one robot's jobs in one transaction holding the robot's job lock: replicas and redeliveries
   * of the robot's messages take turns.
   *
   * @example
   * await jobs.forRobot('tonypi_01', async (robot) => robot.update(id, fields, now));
   */
  async forRobot<T>(robotId: string, work: (jobs: RobotJobs) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${JOB_ROBOT_LOCK}, hashtext(${robotId}))`.execute(trx);
      return work(new RobotJobs(trx, robotId));
    });
  }

  /** Jobs newest first (by creation), optionally one robot's. */
  async history(query: JobHistoryQuery = {}): Promise<Page<Job>> {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('jobs');
    if (query.robotId !== undefined) filtered = filtered.where('robot_id', '=', query.robotId);
    return fetchPage(
      bounds,
      filtered
        .select(COLUMNS)
        .orderBy('created_at', (ob) => ob.desc().nullsLast())
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** The robot's active job (the newest, should there be several), if any. */
  async active(robotId: string): Promise<Job | undefined> {
    return this.db
      .selectFrom('jobs')
      .select(COLUMNS)
      .where('robot_id', '=', robotId)
      .where('status', '=', 'active')
      .orderBy('start_time', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The robot's active job, or else its most recently created one. */
  async currentOrLatest(robotId: string): Promise<Job | undefined> {
    return (
      (await this.active(robotId)) ??
      this.db
        .selectFrom('jobs')
        .select(COLUMNS)
        .where('robot_id', '=', robotId)
        .orderBy('created_at', (ob) => ob.desc().nullsLast())
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
    );
  }

  /** Counts, items and durations over every job (or one robot's), in one query. */
  async stats(query: { robotId?: string; completedSince?: Date } = {}): Promise<JobStats> {
    let filtered = this.db.selectFrom('jobs');
    if (query.robotId !== undefined) filtered = filtered.where('robot_id', '=', query.robotId);
    const byStatus = (status: string) => sql<string>`count(*) FILTER (WHERE status = ${status})`;
    const since = query.completedSince ?? null;
    const duration = sql`extract(epoch FROM end_time - start_time)`;
    const row = await filtered
      .select([
        TOTAL,
        sql<string>`count(DISTINCT robot_id)`.as('robots'),
        byStatus('active').as('active'),
        byStatus('completed').as('completed'),
        byStatus('cancelled').as('cancelled'),
        byStatus('failed').as('failed'),
        sql<string>`count(*) FILTER (WHERE status = 'completed' AND ${since}::timestamptz IS NOT NULL
          AND end_time >= ${since}::timestamptz)`.as('completed_since'),
        sql<string>`coalesce(sum(coalesce(items_done, 0)), 0)`.as('items_done'),
        sql<string>`coalesce(sum(coalesce(items_total, 0)), 0)`.as('items_total'),
        sql<number>`coalesce(sum(${duration}), 0)::float8`.as('duration'),
        sql<number | null>`avg(${duration})::float8`.as('average_duration'),
        sql<number | null>`avg(percent_complete)::float8`.as('average_percent'),
      ])
      .executeTakeFirstOrThrow();
    return {
      robots: Number(row.robots),
      total: Number(row.total),
      active: Number(row.active),
      completed: Number(row.completed),
      cancelled: Number(row.cancelled),
      failed: Number(row.failed),
      completedSince: Number(row.completed_since),
      itemsDone: Number(row.items_done),
      itemsTotal: Number(row.items_total),
      durationSeconds: row.duration,
      averageDurationSeconds: row.average_duration,
      averagePercent: row.average_percent,
    };
  }

  /** Jobs matching the filter, newest first (by start time), with everything the jobs service tracks. */
  async list(filter: JobFilter & { limit?: number; offset?: number } = {}): Promise<Page<TrackedJob>> {
    const bounds = pageBounds(filter);
    const filtered = this.filtered(filter);
    return fetchPage(
      bounds,
      filtered
        .select(TRACKED_COLUMNS)
        .orderBy('start_time', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** One job; a {@link NotFoundError} when there is none with that id. */
  async get(id: number): Promise<TrackedJob> {
    const job = await this.db.selectFrom('jobs').select(TRACKED_COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!job) throw new NotFoundError('job', String(id));
    return job;
  }

  /** Totals over the jobs matching the filter, in one query. */
  async totals(filter: JobFilter = {}): Promise<JobTotals & { robots: number }> {
    const row = await this.filtered(filter)
      .select([...totalsColumns(), sql<string>`count(DISTINCT robot_id)`.as('robots')])
      .executeTakeFirstOrThrow();
    return { robots: Number(row.robots), ...toTotals(row) };
  }

  /** {@link totals} per robot, for the robots with a job matching the filter, by robot id. */
  async totalsByRobot(
    filter: JobFilter & { limit?: number; offset?: number } = {},
  ): Promise<Page<JobTotals & { robotId: string }>> {
    const bounds = pageBounds(filter);
    const filtered = this.filtered(filter);
    const page = await fetchPage(
      bounds,
      filtered
        .select(['robot_id', ...totalsColumns()])
        .groupBy('robot_id')
        .orderBy('robot_id')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(sql<string>`count(DISTINCT robot_id)`.as('total')).executeTakeFirstOrThrow(),
    );
    return { ...page, items: page.items.map((row) => ({ robotId: row.robot_id, ...toTotals(row) })) };
  }

  private filtered(filter: JobFilter) {
    let q = this.db.selectFrom('jobs');
    if (filter.robotId !== undefined) q = q.where('robot_id', '=', filter.robotId);
    if (filter.statuses !== undefined && filter.statuses.length > 0) q = q.where('status', 'in', filter.statuses);
    if (filter.task !== undefined) q = q.where('task_name', 'ilike', containsPattern(filter.task));
    if (filter.from !== undefined) q = q.where('start_time', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('start_time', '<', filter.to);
    return q;
  }
}
