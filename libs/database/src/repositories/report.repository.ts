import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { NotFoundError, type Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB, ReportFile, ReportsTable } from '../db.types';
import { appendAuditEntry, type AuditedBy } from './audit.repository';
import { fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

/** The columns of `reports` but its document. */
export const REPORT_COLUMNS = [
  'id',
  'title',
  'description',
  'robot_id',
  'robot_ids',
  'report_type',
  'status',
  'period_from',
  'period_to',
  'time_range',
  'timezone',
  'formats',
  'options',
  'schema_version',
  'files',
  'file_path',
  'error',
  'attempts',
  'max_attempts',
  'next_attempt_at',
  'lease_owner',
  'lease_until',
  'started_at',
  'finished_at',
  'schedule_id',
  'due_at',
  'created_at',
  'created_by',
  'updated_at',
] as const;

/** A row of `reports` without its document (`data`), which can be large. */
export type ReportRow = Pick<Selectable<ReportsTable>, (typeof REPORT_COLUMNS)[number]>;
/** A row of `reports` with its document. */
export type ReportRecord = ReportRow & { data: unknown };

/** A report to generate. */
export interface NewReport {
  title: string;
  description: string | null;
  reportType: string;
  robotIds: readonly string[] | null;
  from: Date;
  to: Date;
  timeRange: string | null;
  timezone: string;
  formats: readonly string[];
  options: Record<string, unknown>;
  createdBy: string;
  maxAttempts: number;
  at: Date;
}

export interface ReportListFilter {
  types?: readonly string[];
  statuses?: readonly string[];
  robotId?: string;
  from?: Date;
  to?: Date;
  createdBy?: string;
  scheduleId?: string;
  limit?: number;
  offset?: number;
}

/** What a finished run stores. */
export interface ReportResult {
  title: string;
  data: unknown;
  schemaVersion: number;
  files: Record<string, ReportFile>;
}

/**
 * `reports`: TonyPi's stored reports, and the reports Fleet generates with their lifecycle. A report to generate
 * is `queued`; a reports replica takes it (`running`) under a lease it renews while it works; the run ends `done`
 * with the document, or `queued` again to be retried after a pause, or `failed` once its attempts are spent. A
 * replica that dies mid-run stops renewing: once the lease runs out another takes the report up, and the old
 * replica, should it come back, can no longer store its result.
 */
@Injectable()
export class ReportRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Queues a report to generate, audited in the same transaction. */
  async enqueue(report: NewReport, audit?: AuditedBy): Promise<ReportRow> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('reports')
        .values(newRow(report))
        .returning(REPORT_COLUMNS)
        .executeTakeFirstOrThrow();
      if (audit) {
        await appendAuditEntry(trx, {
          ...audit,
          action: 'report.generate',
          entity_type: 'report',
          entity_id: String(row.id),
          after: { report_type: row.report_type, robot_ids: row.robot_ids, from: row.period_from, to: row.period_to },
        });
      }
      return row;
    });
  }

  /** Stores a report as given (TonyPi's `POST /reports`): done at once. */
  async storeGiven(
    report: { title: string; description: string | null; robotId: string | null; reportType: string; data: unknown },
    createdBy: string,
    at: Date,
    audit?: AuditedBy,
  ): Promise<ReportRecord> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('reports')
        .values({
          title: report.title,
          description: report.description,
          robot_id: report.robotId,
          robot_ids: report.robotId === null ? null : [report.robotId],
          report_type: report.reportType,
          data: jsonb(report.data ?? null) ?? null,
          status: 'done',
          created_by: createdBy,
          created_at: at,
          finished_at: at,
          formats: ['json'],
        })
        .returning([...REPORT_COLUMNS, 'data'])
        .executeTakeFirstOrThrow();
      if (audit) {
        await appendAuditEntry(trx, {
          ...audit,
          action: 'report.create',
          entity_type: 'report',
          entity_id: String(row.id),
          after: { title: row.title, report_type: row.report_type, robot_id: row.robot_id },
        });
      }
      return row;
    });
  }

  async find(id: number): Promise<ReportRecord | undefined> {
    return this.db
      .selectFrom('reports')
      .select([...REPORT_COLUMNS, 'data'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async get(id: number): Promise<ReportRecord> {
    const row = await this.find(id);
    if (!row) throw new NotFoundError('report', String(id));
    return row;
  }

  /** The newest first, matching every filter given, without their documents. */
  async list(filter: ReportListFilter = {}): Promise<Page<ReportRow & { findings: number | null }>> {
    return this.page(filter, false);
  }

  /** The same with each report's document (TonyPi's list answers them). */
  async listWithData(filter: ReportListFilter = {}): Promise<Page<ReportRecord & { findings: number | null }>> {
    return this.page(filter, true);
  }

  private async page(filter: ReportListFilter, withData: boolean) {
    const bounds = pageBounds(filter);
    let q = this.db.selectFrom('reports');
    if (filter.types?.length) q = q.where('report_type', 'in', [...filter.types]);
    if (filter.statuses?.length) q = q.where('status', 'in', [...filter.statuses] as ReportRow['status'][]);
    if (filter.robotId) {
      const robotId = filter.robotId;
      q = q.where((eb) =>
        eb.or([
          eb('robot_id', '=', robotId),
          eb('robot_ids', 'is', null),
          eb(sql<boolean>`${robotId} = ANY(robot_ids)`, '=', true),
        ]),
      );
    }
    if (filter.from) q = q.where(sql<Date>`COALESCE(period_to, created_at)`, '>', filter.from);
    if (filter.to) q = q.where(sql<Date>`COALESCE(period_from, created_at)`, '<', filter.to);
    if (filter.createdBy) q = q.where('created_by', '=', filter.createdBy);
    if (filter.scheduleId) q = q.where('schedule_id', '=', filter.scheduleId);
    return fetchPage(
      bounds,
      q
        .select([
          ...REPORT_COLUMNS,
          ...(withData ? (['data'] as const) : []),
          sql<number | null>`CASE WHEN jsonb_typeof(data -> 'findings') = 'array'
            THEN jsonb_array_length(data -> 'findings') END`.as('findings'),
        ])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      q.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** Deletes a report, audited in the same transaction; returns it (its files are the caller's to remove). */
  async delete(id: number, audit: AuditedBy): Promise<ReportRow> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('reports').where('id', '=', id).returning(REPORT_COLUMNS).executeTakeFirst();
      if (!row) throw new NotFoundError('report', String(id));
      await appendAuditEntry(trx, {
        ...audit,
        action: 'report.delete',
        entity_type: 'report',
        entity_id: String(id),
        before: { title: row.title, report_type: row.report_type, status: row.status },
      });
      return row;
    });
  }

  /**
   * Takes the next report due: queued and past its retry pause, or running under a lease that ran out (its replica
   * died). The attempt is counted as it starts.
   */
  async claim(owner: string, now: Date, leaseMs: number): Promise<ReportRecord | undefined> {
    const { rows } = await sql<{ id: number }>`
      UPDATE reports SET status = 'running', lease_owner = ${owner}, lease_until = ${new Date(now.getTime() + leaseMs)},
        attempts = attempts + 1, started_at = ${now}, updated_at = ${now}
      WHERE id = (
        SELECT id FROM reports
        WHERE (status = 'queued' AND COALESCE(next_attempt_at, created_at) <= ${now})
          OR (status = 'running' AND lease_until < ${now} AND attempts < max_attempts)
        ORDER BY COALESCE(next_attempt_at, created_at), id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id`.execute(this.db);
    const id = rows[0]?.id;
    return id === undefined ? undefined : this.find(id);
  }

  /** Extends the lease while the run goes on; false once the lease is lost. */
  async renew(id: number, owner: string, until: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('reports')
      .set({ lease_until: until })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Stores the result of a run; false (nothing stored) when the lease was lost meanwhile. */
  async complete(id: number, owner: string, result: ReportResult, at: Date): Promise<boolean> {
    const done = await this.db
      .updateTable('reports')
      .set({
        status: 'done',
        title: result.title,
        data: jsonb(result.data) ?? null,
        schema_version: result.schemaVersion,
        files: jsonb(result.files) ?? null,
        error: null,
        lease_owner: null,
        lease_until: null,
        next_attempt_at: null,
        finished_at: at,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return done.numUpdatedRows > 0n;
  }

  /**
   * Records a failed attempt: queued again for `retryAt`, or failed for good when that is null. False when the
   * lease was lost meanwhile.
   */
  async fail(id: number, owner: string, error: string, retryAt: Date | null, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('reports')
      .set({
        status: retryAt === null ? 'failed' : 'queued',
        error: error.slice(0, 2_000),
        next_attempt_at: retryAt,
        lease_owner: null,
        lease_until: null,
        finished_at: retryAt === null ? at : null,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A report whose lease ran out on its last attempt: failed for good. */
  async failAbandoned(now: Date): Promise<ReportRow[]> {
    return this.db
      .updateTable('reports')
      .set({
        status: 'failed',
        error: sql`'its replica stopped during each of its ' || attempts || ' attempts'`,
        lease_owner: null,
        lease_until: null,
        finished_at: now,
        updated_at: now,
      })
      .where('status', '=', 'running')
      .where('lease_until', '<', now)
      .where(sql<boolean>`attempts >= max_attempts`)
      .returning(REPORT_COLUMNS)
      .execute();
  }

  /** Records the files made for a done report (a download that made a missing one). */
  async setFile(id: number, format: string, file: ReportFile | null): Promise<void> {
    await sql`
      UPDATE reports SET files = CASE WHEN ${file === null}::boolean
          THEN COALESCE(files, '{}'::jsonb) - ${format}::text
          ELSE COALESCE(files, '{}'::jsonb) || jsonb_build_object(${format}::text, ${jsonb(file)}::jsonb) END
      WHERE id = ${id}`.execute(this.db);
  }

  /** Done reports with files that finished before `before`: their files are past retention. */
  async withFilesBefore(before: Date, limit: number): Promise<Pick<ReportRow, 'id' | 'files'>[]> {
    return this.db
      .selectFrom('reports')
      .select(['id', 'files'])
      .where('status', '=', 'done')
      .where('finished_at', '<', before)
      .where('files', 'is not', null)
      .where(sql<boolean>`files <> '{}'::jsonb`)
      .orderBy('finished_at')
      .limit(limit)
      .execute();
  }
}

function newRow(report: NewReport) {
  return {
    title: report.title,
    description: report.description,
    report_type: report.reportType,
    robot_id: report.robotIds?.length === 1 ? report.robotIds[0] : null,
    robot_ids: report.robotIds === null ? null : [...report.robotIds],
    period_from: report.from,
    period_to: report.to,
    time_range: report.timeRange,
    timezone: report.timezone,
    formats: [...report.formats],
    options: jsonb(report.options) ?? null,
    status: 'queued' as const,
    max_attempts: report.maxAttempts,
    next_attempt_at: report.at,
    created_by: report.createdBy,
    created_at: report.at,
  };
}

export { newRow as newReportRow };
