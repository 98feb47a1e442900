import type { ReportSchedule } from '@fleet/database';
import { decideDue, MISSED_AFTER_MS } from './schedule';

const schedule = (changes: Partial<ReportSchedule> = {}): ReportSchedule => ({
  id: '7b5c1f8e-0000-4000-8000-000000000001',
  name: 'daily-maintenance',
  report_type: 'maintenance',
  robot_ids: null,
  period: 'day',
  cron: '0 6 * * *',
  timezone: 'UTC',
  formats: ['pdf', 'json'],
  enabled: true,
  missed: 'run_once',
  webhook_url: null,
  webhook_secret: null,
  next_due_at: new Date('2026-01-24T06:00:00Z'),
  last_due_at: null,
  last_report_id: null,
  created_by: 'admin',
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: null,
  ...changes,
});

describe('due schedules', () => {
  it('a schedule found on time makes the report of its due time and is next due at the following one', () => {
    const decision = decideDue(schedule(), new Date('2026-01-24T06:00:01Z'), { maxAttempts: 3 });
    expect(decision.nextDueAt).toEqual(new Date('2026-01-25T06:00:00Z'));
    expect(decision.report).toMatchObject({
      dueAt: new Date('2026-01-24T06:00:00Z'),
      from: new Date('2026-01-23T00:00:00Z'),
      to: new Date('2026-01-24T00:00:00Z'),
      reportType: 'maintenance',
      robotIds: null,
      title: 'Servo maintenance report: daily-maintenance, 2026-01-23',
      createdBy: 'schedule:daily-maintenance',
      maxAttempts: 3,
    });
  });

  it('after downtime, run_once makes one report, for the most recent due time missed', () => {
    const now = new Date('2026-01-27T09:00:00Z');
    const decision = decideDue(schedule(), now, { maxAttempts: 3 });
    expect(decision.report?.dueAt).toEqual(new Date('2026-01-27T06:00:00Z'));
    expect(decision.report?.from).toEqual(new Date('2026-01-26T00:00:00Z'));
    expect(decision.nextDueAt).toEqual(new Date('2026-01-28T06:00:00Z'));
  });

  it('after downtime, skip makes none and waits for the next due time', () => {
    const late = new Date(new Date('2026-01-24T06:00:00Z').getTime() + MISSED_AFTER_MS + 1);
    const decision = decideDue(schedule({ missed: 'skip' }), late, { maxAttempts: 3 });
    expect(decision).toEqual({ report: null, nextDueAt: new Date('2026-01-25T06:00:00Z') });
  });

  it('a little late is not missed: skip still makes the report', () => {
    const decision = decideDue(schedule({ missed: 'skip' }), new Date('2026-01-24T06:04:00Z'), { maxAttempts: 3 });
    expect(decision.report?.dueAt).toEqual(new Date('2026-01-24T06:00:00Z'));
  });
});
