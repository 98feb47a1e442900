import { Cron } from 'croner';
import { DateTime } from 'luxon';
import { InvalidInputError, REPORT_TIME_RANGES, type ReportTimeRange } from '@fleet/contracts';

const MINUTE_MS = 60_000;

/** A report's period: `from` inclusive, `to` exclusive, both on whole minutes. */
export interface ReportPeriod {
  from: Date;
  to: Date;
  timeRange: ReportTimeRange | null;
}

const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * The period a request names: `from`..`to`, or `time_range` back from `now` (24 h when it names neither), on whole
 * minutes (rollups are per minute: the minute a bound falls in is taken whole from its start).
 *
 * @example
 * resolvePeriod({ time_range: '7d' }, new Date('2026-01-24T10:30:45Z'))
 * // { from: 2026-01-17T10:30:00Z, to: 2026-01-24T10:30:00Z, timeRange: '7d' }
 */
export function resolvePeriod(
  request: { from?: string; to?: string; time_range?: ReportTimeRange },
  now: Date,
): ReportPeriod {
  if (request.from !== undefined && request.to !== undefined) {
    const from = floorMinute(Date.parse(request.from));
    const to = floorMinute(Date.parse(request.to));
    if (!(to > from)) {
      throw new InvalidInputError("the period is shorter than a minute: 'to' must be at least a minute after 'from'", [
        { path: 'to', message: 'must be at least a minute after from' },
      ]);
    }
    return { from: new Date(from), to: new Date(to), timeRange: null };
  }
  const timeRange = request.time_range ?? '24h';
  const to = floorMinute(now.getTime());
  return { from: new Date(to - REPORT_TIME_RANGES[timeRange]), to: new Date(to), timeRange };
}

export type SchedulePeriod = 'day' | 'week' | 'month';

/**
 * The calendar period before `dueAt` in `timezone`: the previous day, the previous week (Monday to Sunday) or the
 * previous month, from midnight to midnight local time (a day of 23 or 25 hours when the clocks change).
 *
 * @example
 * previousPeriod('day', new Date('2026-03-30T04:00:00Z'), 'Europe/Paris')
 * // { from: 2026-03-28T23:00:00Z, to: 2026-03-29T22:00:00Z } (29 March, 23 hours long)
 */
export function previousPeriod(period: SchedulePeriod, dueAt: Date, timezone: string): { from: Date; to: Date } {
  const local = DateTime.fromJSDate(dueAt, { zone: timezone });
  const unit = period === 'day' ? 'day' : period === 'week' ? 'week' : 'month';
  const end = local.startOf(unit);
  const start = end.minus({ [`${unit}s`]: 1 });
  return { from: start.toJSDate(), to: end.toJSDate() };
}

/**
 * A cron expression of five fields (minute hour day-of-month month day-of-week) in a time zone, as schedules use.
 * Throws {@link InvalidInputError} naming what is wrong.
 */
export class CronSchedule {
  private readonly cron: Cron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 5) {
      throw new InvalidInputError(
        `cron: expected five fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
        [{ path: 'cron', message: 'expected five fields, e.g. "0 6 * * *"' }],
      );
    }
    try {
      this.cron = new Cron(fields.join(' '), { timezone, paused: true });
    } catch (error) {
      throw new InvalidInputError(
        `cron: ${(error as Error).message}`,
        [{ path: 'cron', message: (error as Error).message }],
        {
          cause: error,
        },
      );
    }
  }

  /** The first due time strictly after `after`, or null if it never comes again. */
  nextAfter(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /** The last due time at or before `at` (searching back up to `withinMs`), or null. */
  lastAtOrBefore(at: Date, withinMs: number): Date | null {
    let last: Date | null = null;
    let cursor = new Date(at.getTime() - withinMs);
    for (let i = 0; i < 100_000; i++) {
      const next = this.cron.nextRun(cursor);
      if (!next || next.getTime() > at.getTime()) break;
      last = next;
      cursor = next;
    }
    return last;
  }
}

/** Whether `timezone` names a zone Intl knows. */
export function isTimezone(timezone: string): boolean {
  return DateTime.local().setZone(timezone).isValid;
}
