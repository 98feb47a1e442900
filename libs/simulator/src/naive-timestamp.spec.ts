import { checkClockZone, naiveTimestamp } from './naive-timestamp';

describe("naiveTimestamp (the TonyPi client's datetime.now().isoformat())", () => {
  const t = new Date('2026-01-24T10:30:45.123Z');

  it('writes wall-clock time with microseconds and no zone', () => {
    expect(naiveTimestamp(t, 'UTC', 456)).toBe('2026-01-24T10:30:45.123456');
    expect(naiveTimestamp(t, 'UTC', 0)).toBe('2026-01-24T10:30:45.123000');
  });

  it('leaves the fraction out when the microseconds are zero, as Python does', () => {
    expect(naiveTimestamp(new Date('2026-01-24T10:30:45.000Z'), 'UTC', 0)).toBe('2026-01-24T10:30:45');
    expect(naiveTimestamp(new Date('2026-01-24T10:30:45.000Z'), 'UTC', 7)).toBe('2026-01-24T10:30:45.000007');
  });

  it('reads the clock in the zone the robot is set to', () => {
    expect(naiveTimestamp(t, '+08:00', 1)).toBe('2026-01-24T18:30:45.123001');
    expect(naiveTimestamp(t, '-05:30', 1)).toBe('2026-01-24T05:00:45.123001');
    expect(naiveTimestamp(t, 'Asia/Kuala_Lumpur', 1)).toBe('2026-01-24T18:30:45.123001');
    expect(naiveTimestamp(new Date('2026-07-01T00:00:00.5Z'), 'Europe/Dublin', 0)).toBe('2026-07-01T01:00:00.500000');
  });

  it("uses this machine's zone for local, like a robot does", () => {
    const local = naiveTimestamp(t, 'local', 0);
    const back = new Date(local); // a string without a zone is read as local time
    expect(back.getTime()).toBe(t.getTime());
  });

  it('names the setting when the zone is unknown', () => {
    expect(() => checkClockZone('Mars/Olympus')).toThrow(/^timeZone: expected 'local', 'UTC'.*'Mars\/Olympus'/);
  });
});
