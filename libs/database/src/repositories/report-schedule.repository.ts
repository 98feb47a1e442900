import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { NotFoundError, type Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB, ReportSchedulesTable } from '../db.types';
import { appendAuditEntry, type AuditedBy } from './audit.repository';
import { newReportRow, REPORT_COLUMNS, type NewReport, type ReportRow } from './report.repository';
import { conflictOnDuplicate, fetchPage, pageBounds, TOTAL } from './sql-helpers';

export type ReportSchedule = Selectable<ReportSchedulesTable>;

/** What a schedule is made of, as the API and CLI give it (validated by the caller). */
export interface ScheduleFields {
  name: string;
  report_type: string;
  robot_ids: string[] | null;
  period: ReportSchedule['period'];
  cron: string;
  timezone: string;
  formats: string[];
  enabled: boolean;
  missed: ReportSchedule['missed'];
  webhook_url: string | null;
  webhook_secret: string | null;
}

/** What a schedule's owner decides for one due schedule (under its row lock). */
export interface DueDecision {
  /** The report to queue for this due time, or null to skip it. */
  report: (NewReport & { dueAt: Date }) | null;
  /** The next due time. */
  nextDueAt: Date | null;
}

/** The schedule as the audit trail keeps it: never the webhook secret. */
function audited(s: ReportSchedule) {
  const { webhook_secret, ...rest } = s;
  return { ...rest, has_webhook_secret: webhook_secret !== null };
}

const duplicateName = (name: string) => () => `a report schedule named '${name}' exists already`;

/**
 * `report_schedules`, and the queuing of their reports. Due schedules are taken under a row lock that other
 * replicas skip, and each due time gets at most one report (a unique index on schedule and due time), so a schedule
 * runs exactly once per due time however many reports replicas there are.
 */
@Injectable()
export class ReportScheduleRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async create(fields: ScheduleFields, nextDueAt: Date | null, by: AuditedBy, at: Date): Promise<ReportSchedule> {
    return conflictOnDuplicate(
      () =>
        this.db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('report_schedules')
            .values({ ...fields, next_due_at: nextDueAt, created_by: by.actor, created_at: at })
            .returningAll()
            .executeTakeFirstOrThrow();
          await appendAuditEntry(trx, {
            ...by,
            action: 'report_schedule.create',
            entity_type: 'report_schedule',
            entity_id: row.id,
            after: audited(row),
          });
          return row;
        }),
      duplicateName(fields.name),
    );
  }

  async find(id: string): Promise<ReportSchedule | undefined> {
    return this.db.selectFrom('report_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByName(name: string): Promise<ReportSchedule | undefined> {
    return this.db.selectFrom('report_schedules').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async get(id: string): Promise<ReportSchedule> {
    const row = await this.find(id);
    if (!row) throw new NotFoundError('report schedule', id);
    return row;
  }

  async list(query: { limit?: number; offset?: number } = {}): Promise<Page<ReportSchedule>> {
    const bounds = pageBounds(query);
    const q = this.db.selectFrom('report_schedules');
    return fetchPage(
      bounds,
      q.selectAll().orderBy('name').limit(bounds.limit).offset(bounds.offset).execute(),
      q.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /**
   * Changes a schedule under its row lock; `change` gets it as stored and returns the new fields and next due time.
   * Audited in the same transaction.
   */
  async update(
    id: string,
    change: (before: ReportSchedule) => { fields: Partial<ScheduleFields>; nextDueAt: Date | null },
    by: AuditedBy,
    at: Date,
  ): Promise<ReportSchedule> {
    return conflictOnDuplicate(
      () =>
        this.db.transaction().execute(async (trx) => {
          const before = await trx
            .selectFrom('report_schedules')
            .selectAll()
            .where('id', '=', id)
            .forUpdate()
            .executeTakeFirst();
          if (!before) throw new NotFoundError('report schedule', id);
          const { fields, nextDueAt } = change(before);
          const after = await trx
            .updateTable('report_schedules')
            .set({ ...fields, next_due_at: nextDueAt, updated_at: at })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow();
          await appendAuditEntry(trx, {
            ...by,
            action: 'report_schedule.update',
            entity_type: 'report_schedule',
            entity_id: id,
            before: audited(before),
            after: audited(after),
          });
          return after;
        }),
      (constraint) => (constraint.includes('name') ? `a report schedule with that name exists already` : constraint),
    );
  }

  /** Deletes a schedule (its reports stay, no longer linked to it), audited in the same transaction. */
  async delete(id: string, by: AuditedBy): Promise<ReportSchedule> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('report_schedules').where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw new NotFoundError('report schedule', id);
      await appendAuditEntry(trx, {
        ...by,
        action: 'report_schedule.delete',
        entity_type: 'report_schedule',
        entity_id: id,
        before: audited(row),
      });
      return row;
    });
  }

  /**
   * Handles the schedules due at `now`, at most `limit`, each in its own transaction under its row lock (other
   * replicas skip it): `decide` says which report to queue, if any, and when the schedule is next due. The report is
   * inserted once per schedule and due time; a second insert for the same due time (a replica with a clock behind)
   * changes nothing. Returns the reports queued.
   */
  async runDue(
    now: Date,
    limit: number,
    decide: (schedule: ReportSchedule) => DueDecision,
  ): Promise<{ schedule: ReportSchedule; report: ReportRow | null; skippedDueAt: Date | null }[]> {
    const outcomes: { schedule: ReportSchedule; report: ReportRow | null; skippedDueAt: Date | null }[] = [];
    for (let i = 0; i < limit; i++) {
      const outcome = await this.db.transaction().execute(async (trx) => {
        const { rows } = await sql<ReportSchedule>`
          SELECT * FROM report_schedules
          WHERE enabled AND next_due_at <= ${now}
          ORDER BY next_due_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED`.execute(trx);
        const schedule = rows[0];
        if (!schedule) return null;
        const decision = decide(schedule);
        const report = decision.report ? await this.queueScheduled(trx, schedule, decision.report) : null;
        await trx
          .updateTable('report_schedules')
          .set({
            next_due_at: decision.nextDueAt,
            last_due_at: decision.report?.dueAt ?? schedule.last_due_at,
            last_report_id: report?.id ?? schedule.last_report_id,
          })
          .where('id', '=', schedule.id)
          .execute();
        return { schedule, report, skippedDueAt: decision.report ? null : schedule.next_due_at };
      });
      if (!outcome) break;
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async queueScheduled(
    trx: Transaction<DB>,
    schedule: ReportSchedule,
    report: NewReport & { dueAt: Date },
  ): Promise<ReportRow | null> {
    const row = await trx
      .insertInto('reports')
      .values({ ...newReportRow(report), schedule_id: schedule.id, due_at: report.dueAt })
      .onConflict((oc) => oc.columns(['schedule_id', 'due_at']).where('schedule_id', 'is not', null).doNothing())
      .returning(REPORT_COLUMNS)
      .executeTakeFirst();
    return row ?? null;
  }
}
