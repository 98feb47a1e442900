import { niceStep, niceTicks, timeTicks } from './ticks';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect([0.13, 0.3, 0.7, 1, 1.5, 3, 7, 12, 45, 450].map(niceStep)).toEqual([0.2, 0.5, 1, 1, 2, 5, 10, 20, 50, 500]);
  });

  it('covers the data with round ticks, at most as many as asked', () => {
    expect(niceTicks(3, 87, 6)).toEqual({ min: 0, max: 100, step: 20, values: [0, 20, 40, 60, 80, 100], digits: 0 });
    expect(niceTicks(5.02, 6.61, 6)).toMatchObject({ min: 5, max: 7, step: 0.5, digits: 1 });
    expect(niceTicks(0.1, 0.3, 6).values).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    for (const [lo, hi, n] of [
      [0, 1, 6],
      [-3, 17, 5],
      [42, 43, 4],
      [0, 123456, 6],
    ] as const) {
      const t = niceTicks(lo, hi, n);
      expect(t.values.length).toBeLessThanOrEqual(n);
      expect(t.min).toBeLessThanOrEqual(lo);
      expect(t.max).toBeGreaterThanOrEqual(hi);
    }
  });

  it('gives a flat line an axis around it', () => {
    expect(niceTicks(0, 0).values).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(50, 50)).toMatchObject({ min: 45, max: 55, values: [45, 50, 55] });
  });

  it('ticks counts at whole numbers', () => {
    expect(niceTicks(0, 3, 6, true).values).toEqual([0, 1, 2, 3]);
    expect(niceTicks(8, 10, 6, true).values).toEqual([8, 9, 10]);
  });
});

const at = (iso: string) => Date.parse(iso);

describe('timeTicks', () => {
  it('ticks a day at round hours of the zone, with the date where it changes', () => {
    const ticks = timeTicks(at('2026-12-05T23:00:00Z'), at('2026-12-06T23:00:00Z'), 'Europe/Berlin', 6);
    expect(ticks.map((t) => [t.label, t.sublabel])).toEqual([
      ['00:00', '6 Dec'],
      ['06:00', null],
      ['12:00', null],
      ['18:00', null],
      ['00:00', '7 Dec'],
    ]);
    expect(ticks[0]?.time).toBe(at('2026-12-05T23:00:00Z'));
  });

  it('aligns to the zone’s half-hour offset', () => {
    const ticks = timeTicks(at('2026-12-03T18:30:00Z'), at('2026-12-04T18:30:00Z'), 'Asia/Kolkata', 5);
    expect(ticks.map((t) => t.label)).toEqual(['00:00', '06:00', '12:00', '18:00', '00:00']);
  });

  it('ticks months by name with the year on the first, across a DST change', () => {
    const ticks = timeTicks(at('2026-01-01T05:00:00Z'), at('2026-04-11T04:00:00Z'), 'America/New_York', 6);
    expect(ticks.map((t) => [t.label, t.sublabel])).toEqual([
      ['Jan', '2026'],
      ['Feb', null],
      ['Mar', null],
      ['Apr', null],
    ]);
    // Local midnight on 1 April is 04:00 UTC in summer time.
    expect(new Date(ticks[3]?.time ?? 0).toISOString()).toBe('2026-04-01T04:00:00.000Z');
  });

  it('ticks weeks on Mondays', () => {
    const ticks = timeTicks(at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'), 'UTC', 6);
    expect(ticks.map((t) => t.label)).toEqual(['2 Nov', '9 Nov', '16 Nov', '23 Nov', '30 Nov']);
  });

  it('ticks short periods in minutes and gives none for an empty one', () => {
    const ticks = timeTicks(at('2026-12-06T10:00:00Z'), at('2026-12-06T11:00:00Z'), 'UTC', 7);
    expect(ticks.map((t) => t.label)).toEqual(['10:00', '10:10', '10:20', '10:30', '10:40', '10:50', '11:00']);
    expect(timeTicks(5, 5, 'UTC')).toEqual([]);
  });
});
