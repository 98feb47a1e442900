import { InvalidInputError } from '@fleet/contracts';
import { CronSchedule, previousPeriod, resolvePeriod } from './period';

describe('report periods', () => {
  it('a time range counts back from now, on whole minutes', () => {
    expect(resolvePeriod({ time_range: '7d' }, new Date('2026-01-24T10:30:45.500Z'))).toEqual({
      from: new Date('2026-01-17T10:30:00Z'),
      to: new Date('2026-01-24T10:30:00Z'),
      timeRange: '7d',
    });
    expect(resolvePeriod({}, new Date('2026-01-24T10:30:45Z')).timeRange).toBe('24h');
  });

  it('from and to are taken from the start of their minutes, and must be a minute apart', () => {
    expect(resolvePeriod({ from: '2026-01-24T10:00:59Z', to: '2026-01-24T11:30:10+01:00' }, new Date())).toEqual({
      from: new Date('2026-01-24T10:00:00Z'),
      to: new Date('2026-01-24T10:30:00Z'),
      timeRange: null,
    });
    expect(() => resolvePeriod({ from: '2026-01-24T10:00:10Z', to: '2026-01-24T10:00:50Z' }, new Date())).toThrow(
      InvalidInputError,
    );
  });

  it('the previous day, week and month are counted in the schedule zone, across a change of the clocks', () => {
    // 06:00 in Paris on Monday 30 March 2026: Sunday 29 March had 23 hours (summer time began).
    const due = new Date('2026-03-30T04:00:00Z');
    expect(previousPeriod('day', due, 'Europe/Paris')).toEqual({
      from: new Date('2026-03-28T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
    expect(previousPeriod('week', due, 'Europe/Paris')).toEqual({
      from: new Date('2026-03-22T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
    expect(previousPeriod('month', due, 'UTC')).toEqual({
      from: new Date('2026-02-01T00:00:00Z'),
      to: new Date('2026-03-01T00:00:00Z'),
    });
    expect(previousPeriod('day', new Date('2026-01-24T00:00:00Z'), 'UTC')).toEqual({
      from: new Date('2026-01-23T00:00:00Z'),
      to: new Date('2026-01-24T00:00:00Z'),
    });
  });

  it('a cron expression has five fields and runs in its zone', () => {
    const daily = new CronSchedule('0 6 * * *', 'Europe/Paris');
    expect(daily.nextAfter(new Date('2026-03-29T03:00:00Z'))).toEqual(new Date('2026-03-29T04:00:00Z'));
    expect(daily.nextAfter(new Date('2026-03-29T04:00:00Z'))).toEqual(new Date('2026-03-30T04:00:00Z'));
    expect(daily.lastAtOrBefore(new Date('2026-04-02T12:00:00Z'), 5 * 86_400_000)).toEqual(
      new Date('2026-04-02T04:00:00Z'),
    );
    expect(() => new CronSchedule('* * * * * *', 'UTC')).toThrow(/five fields/);
    expect(() => new CronSchedule('61 * * * *', 'UTC')).toThrow(InvalidInputError);
  });
});
