import { NotFoundError, type GeneratedReportType, type ReportScheduleView } from '@fleet/contracts';
import type { DueDecision, ReportSchedule, RobotRepository, ScheduleFields } from '@fleet/database';
import type { WebhookUrlPolicy } from '@fleet/messaging';
import { DateTime } from 'luxon';
import { CronSchedule, previousPeriod } from './period';
import { REPORT_TYPE_TITLES } from './report.builder';

/** A due time found later than this (the reports service was down) was missed: `missed` says what to do. */
export const MISSED_AFTER_MS = 5 * 60_000;

/** What a scheduled report needs from the configuration. */
export interface ScheduleDefaults {
  maxAttempts: number;
}

/** The label of a scheduled report's period in its title: `2026-03-29`, `week of 2026-03-23`, `2026-03`. */
export function periodLabel(period: ReportSchedule['period'], from: Date, timezone: string): string {
  const local = DateTime.fromJSDate(from, { zone: timezone });
  if (period === 'day') return local.toISODate() ?? '';
  if (period === 'week') return `week of ${local.toISODate() ?? ''}`;
  return local.toFormat('yyyy-MM');
}

/** The next due time of a schedule after `now`; null while disabled. Throws for a cron it cannot read. */
export function nextDueAt(schedule: Pick<ReportSchedule, 'cron' | 'timezone' | 'enabled'>, now: Date): Date | null {
  const cron = new CronSchedule(schedule.cron, schedule.timezone);
  return schedule.enabled ? cron.nextAfter(now) : null;
}

/**
 * What to do with a schedule found due at `now` (pure). Found on time (within {@link MISSED_AFTER_MS}), its due time
 * gets its report. Found later, the service was down: `run_once` makes one report, for the most recent due time
 * missed, and `skip` makes none. Either way the schedule is next due at its first due time after `now`.
 */
export function decideDue(schedule: ReportSchedule, now: Date, defaults: ScheduleDefaults): DueDecision {
  const due = schedule.next_due_at ?? now;
  const cron = new CronSchedule(schedule.cron, schedule.timezone);
  const next = cron.nextAfter(now);
  const missed = now.getTime() - due.getTime() > MISSED_AFTER_MS;
  if (missed && schedule.missed === 'skip') return { report: null, nextDueAt: next };
  const dueAt = missed ? (cron.lastAtOrBefore(now, now.getTime() - due.getTime() + 1) ?? due) : due;
  const { from, to } = previousPeriod(schedule.period, dueAt, schedule.timezone);
  const type = schedule.report_type as GeneratedReportType;
  const title = `${REPORT_TYPE_TITLES[type] ?? type} report: ${schedule.name}, ${periodLabel(schedule.period, from, schedule.timezone)}`;
  return {
    nextDueAt: next,
    report: {
      title,
      description: `Made by the schedule '${schedule.name}' (${schedule.cron}, ${schedule.timezone})`,
      reportType: type,
      robotIds: schedule.robot_ids,
      from,
      to,
      timeRange: null,
      timezone: schedule.timezone,
      formats: schedule.formats,
      options: { title, schedule: schedule.name },
      createdBy: `schedule:${schedule.name}`.slice(0, 100),
      maxAttempts: defaults.maxAttempts,
      at: now,
      dueAt,
    },
  };
}

/** A schedule as the API and CLI show it: never its webhook secret. */
export function scheduleView(s: ReportSchedule): ReportScheduleView {
  return {
    id: s.id,
    name: s.name,
    type: s.report_type,
    robot_ids: s.robot_ids,
    period: s.period,
    cron: s.cron,
    timezone: s.timezone,
    formats: s.formats,
    enabled: s.enabled,
    missed: s.missed,
    webhook_url: s.webhook_url,
    has_webhook_secret: s.webhook_secret !== null,
    next_due_at: s.next_due_at?.toISOString() ?? null,
    last_due_at: s.last_due_at?.toISOString() ?? null,
    last_report_id: s.last_report_id,
    created_by: s.created_by,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at?.toISOString() ?? null,
  };
}

/**
 * Checks what a schedule is made of before it is saved: the cron expression and time zone read, the robots are
 * registered, and the webhook's address is one deliveries may go to. Throws naming what is wrong.
 */
export async function checkSchedule(
  fields: Pick<ScheduleFields, 'cron' | 'timezone' | 'robot_ids' | 'webhook_url'>,
  context: { robots: RobotRepository; urls: WebhookUrlPolicy; now: Date },
): Promise<void> {
  nextDueAt({ ...fields, enabled: true }, context.now);
  if (fields.robot_ids) {
    const known = new Set((await context.robots.statuses(fields.robot_ids)).map((r) => r.robot_id));
    const missing = fields.robot_ids.find((r) => !known.has(r));
    if (missing) throw new NotFoundError('robot', missing);
  }
  if (fields.webhook_url) await context.urls.check(fields.webhook_url);
}
