import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB, JobsTable } from '../db.types';
import { fetchPage, pageBounds, TOTAL } from './sql-helpers';

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

export interface JobHistoryQuery {
  robotId?: string;
  limit?: number;
  offset?: number;
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
 * The `jobs` table, read only: what robots worked on, from TonyPi's job tracking (items done out of a target,
 * progress, status `active` | `completed` | `cancelled` | `failed`). The jobs service writes it.
 */
@Injectable()
export class JobRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

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
}
