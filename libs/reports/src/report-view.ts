import type { LiveRecordEvent, ReportFormat, ReportView } from '@fleet/contracts';
import type { ReportRow } from '@fleet/database';

/** Where a report's file is downloaded from. */
export function reportFileUrl(id: number, format: string): string {
  return `/api/v1/reports/${id}.${format}`;
}

/** A report as the API lists it and events carry it. */
export function reportView(row: ReportRow & { findings?: number | null }, findings?: number | null): ReportView {
  const files = row.files ?? {};
  const done = row.status === 'done';
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    report_type: row.report_type,
    status: row.status,
    robot_id: row.robot_id,
    robot_ids: row.robot_ids,
    period_from: row.period_from?.toISOString() ?? null,
    period_to: row.period_to?.toISOString() ?? null,
    time_range: row.time_range,
    timezone: row.timezone,
    formats: row.formats,
    files: done
      ? row.formats.map((format) => ({
          format: format as ReportFormat,
          bytes: format === 'json' ? null : (files[format]?.bytes ?? null),
          url: reportFileUrl(row.id, format),
        }))
      : [],
    findings: findings ?? row.findings ?? null,
    error: row.error,
    attempts: row.attempts,
    schedule_id: row.schedule_id,
    due_at: row.due_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** The event a report change publishes on the reports stream (`queued`, `running`, `done`, `failed`, `deleted`). */
export function reportEvent(
  event: string,
  row: ReportRow,
  at: Date,
  findings?: number | null,
): LiveRecordEvent & { report: ReportView } {
  return {
    event,
    at: at.toISOString(),
    robot_id: row.robot_id,
    id: row.id,
    report: reportView(row, findings),
  };
}
