import { assertRobotTimezone, resolveRobotTime, robotZoneOffsetMs, type RobotTimeOptions } from './robot-time';

const RECEIVED = new Date('2026-01-24T10:31:00.000Z');
const UTC: RobotTimeOptions = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };

function at(raw: unknown, opts: Partial<RobotTimeOptions> = {}, receivedAt = RECEIVED) {
  const { time, clock } = resolveRobotTime(raw, receivedAt, { ...UTC, ...opts });
  return { time: time.toISOString(), clock };
}

describe('robot time', () => {
  it.each([
    // The TonyPi client: naive local time with microseconds, truncated to milliseconds.
    ['2026-01-24T10:30:45.123456', '2026-01-24T10:30:45.123Z'],
    ['2026-01-24T10:30:45.999999', '2026-01-24T10:30:45.999Z'],
    // isoformat() drops the fraction when the microseconds are zero.
    ['2026-01-24T10:30:45', '2026-01-24T10:30:45.000Z'],
    ['2026-01-24T10:30', '2026-01-24T10:30:00.000Z'],
    ['2026-01-24 10:30:45.5', '2026-01-24T10:30:45.500Z'],
    ['2026-01-24T10:30:45,12', '2026-01-24T10:30:45.120Z'],
    // With a zone.
    ['2026-01-24T10:30:45.123Z', '2026-01-24T10:30:45.123Z'],
    ['2026-01-24T10:30:45.123456+00:00', '2026-01-24T10:30:45.123Z'],
    ['2026-01-24T18:30:45.123456+08:00', '2026-01-24T10:30:45.123Z'],
    ['2026-01-24T16:00:45+05:30', '2026-01-24T10:30:45.000Z'],
    ['2026-01-24T07:30:45-0300', '2026-01-24T10:30:45.000Z'],
    ['2026-01-24T12:30:45+02', '2026-01-24T10:30:45.000Z'],
    // Epoch seconds and milliseconds, as numbers or numeric strings.
    [1769250645, '2026-01-24T10:30:45.000Z'],
    [1769250645.1239, '2026-01-24T10:30:45.123Z'],
    [1769250645123, '2026-01-24T10:30:45.123Z'],
    ['1769250645', '2026-01-24T10:30:45.000Z'],
    ['1769250645.5', '2026-01-24T10:30:45.500Z'],
    [' 1769250645123 ', '2026-01-24T10:30:45.123Z'],
  ])('reads %j', (raw, expected) => {
    expect(at(raw)).toEqual({ time: expected, clock: 'ok' });
  });

  it('reads naive times in the configured zone: an offset or an IANA zone', () => {
    expect(at('2026-01-24T18:30:45.123456', { timezone: '+08:00' }).time).toBe('2026-01-24T10:30:45.123Z');
    expect(at('2026-01-24T05:00:45', { timezone: '-0530' }).time).toBe('2026-01-24T10:30:45.000Z');
    expect(at('2026-01-24T18:30:45', { timezone: 'Asia/Kuala_Lumpur' }).time).toBe('2026-01-24T10:30:45.000Z');
    expect(at('2026-01-24T11:30:45', { timezone: 'Europe/Berlin' }).time).toBe('2026-01-24T10:30:45.000Z');
    expect(at('2026-01-24T10:30:45', { timezone: 'utc' }).time).toBe('2026-01-24T10:30:45.000Z');
    // A zone never changes a timestamp that has its own.
    expect(at('2026-01-24T10:30:45Z', { timezone: 'Asia/Kuala_Lumpur' }).time).toBe('2026-01-24T10:30:45.000Z');
    expect(at(1769250645, { timezone: 'Asia/Kuala_Lumpur' }).time).toBe('2026-01-24T10:30:45.000Z');
  });

  it('follows daylight saving time in an IANA zone', () => {
    const summer = new Date('2026-07-01T12:00:00Z');
    const berlin = { timezone: 'Europe/Berlin' };
    expect(at('2026-07-01T13:59:59.5', berlin, summer).time).toBe('2026-07-01T11:59:59.500Z');
    // The night clocks go back (2026-10-25 03:00 CEST → 02:00 CET): before and after the change.
    const autumn = new Date('2026-10-25T03:00:00Z');
    expect(at('2026-10-25T01:30:00', berlin, autumn).time).toBe('2026-10-24T23:30:00.000Z');
    expect(at('2026-10-25T03:30:00', berlin, autumn).time).toBe('2026-10-25T02:30:00.000Z');
    const newYork = { timezone: 'America/New_York' };
    expect(at('2026-03-08T12:00:00', newYork, new Date('2026-03-08T16:00:00Z')).time).toBe('2026-03-08T16:00:00.000Z');
  });

  it.each([undefined, null, ''])('flags a missing timestamp (%j) and uses the time of receipt', (raw) => {
    const result = resolveRobotTime(raw, RECEIVED, UTC);
    expect(result).toEqual({ time: RECEIVED, clock: 'missing' });
  });

  it.each([
    'yesterday',
    '2026-01-24',
    '2026-02-30T10:00:00',
    '2026-13-01T10:00:00',
    '2026-01-24T24:00:00',
    '2026-01-24T10:60:00',
    '2026-01-24T10:30:45+25:00',
    '24/01/2026 10:30',
    'NaN',
    true,
    {},
    [1769250645],
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e300,
  ])('flags an unreadable timestamp %j', (raw) => {
    expect(resolveRobotTime(raw, RECEIVED, UTC)).toEqual({ time: RECEIVED, clock: 'invalid' });
  });

  it('trusts a clock within the allowed skew and lateness, and flags one beyond', () => {
    expect(at('2026-01-24T10:36:00').clock).toBe('ok'); // exactly 5 min ahead
    expect(at('2026-01-24T10:36:00.001')).toEqual({ time: RECEIVED.toISOString(), clock: 'ahead' });
    expect(at('2026-01-23T10:31:00').clock).toBe('ok'); // exactly one day late
    expect(at('2026-01-23T10:30:59.999')).toEqual({ time: RECEIVED.toISOString(), clock: 'behind' });
    // A Raspberry Pi without a real-time clock that has not synchronised yet.
    expect(at(0).clock).toBe('behind');
    expect(at('2026-01-24T10:31:00', { maxClockSkewMs: 0, maxLateMs: 0 }).clock).toBe('ok');
  });

  it('reads a naive time in a wrong zone as a skewed clock', () => {
    // A robot on Malaysian local time while Fleet reads naive times as UTC: 8 hours ahead.
    expect(at('2026-01-24T18:30:45.123456').clock).toBe('ahead');
  });

  it('accepts the zones it can read and names the setting it cannot', () => {
    for (const zone of ['UTC', 'GMT', 'Z', '+08:00', '-0530', 'UTC+01:00', 'Asia/Kuala_Lumpur', 'Etc/UTC']) {
      expect(() => assertRobotTimezone(zone)).not.toThrow();
    }
    expect(() => assertRobotTimezone('Mars/Olympus_Mons')).toThrow(
      "invalid robot timezone 'Mars/Olympus_Mons': expected UTC, an offset like +08:00 or an IANA zone",
    );
    expect(() => assertRobotTimezone('+25:00')).toThrow("invalid robot timezone '+25:00'");
    expect(() => resolveRobotTime('2026-01-24T10:30:45', RECEIVED, { ...UTC, timezone: 'nowhere' })).toThrow(
      'invalid robot timezone',
    );
  });
});

describe('robotZoneOffsetMs', () => {
  it("gives a zone's offset from UTC at an instant, daylight saving included", () => {
    expect(robotZoneOffsetMs('UTC', new Date())).toBe(0);
    expect(robotZoneOffsetMs('+08:00', new Date())).toBe(8 * 3_600_000);
    expect(robotZoneOffsetMs('Europe/Berlin', new Date('2026-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(robotZoneOffsetMs('Europe/Berlin', new Date('2026-07-15T12:00:00Z'))).toBe(7_200_000);
    expect(() => robotZoneOffsetMs('Mars/Olympus', new Date())).toThrow(/invalid robot timezone 'Mars\/Olympus'/);
  });
});
