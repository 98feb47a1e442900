import type { TimelineBucket } from '@fleet/telemetry';
import { trackBattery } from './battery.builder';

const T0 = Date.parse('2026-01-24T00:00:00Z');
const H = 3_600_000;
const bucket = (hour: number, field: string, mean: number, min = mean, max = mean): TimelineBucket => ({
  robotId: 'r1',
  series: '',
  field,
  time: T0 + hour * H,
  count: 60,
  mean,
  min,
  max,
  minutes: 60,
});

describe('battery tracks', () => {
  it('discharge is the level lost per hour off the charger; charging hours make sessions', () => {
    // Hours 0-3 discharging 10 %/h, hours 4-5 charging, hours 6-9 discharging 20 %/h.
    const levels = [90, 80, 70, 60, 70, 95, 90, 70, 50, 30];
    const charging = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0];
    const track = trackBattery(
      levels.map((l, h) => bucket(h, 'percentage', l, l - 1, l + 1)),
      charging.map((c, h) => bucket(h, 'charging', c)),
      H,
      { from: T0, to: T0 + 10 * H },
    );
    // Off-charger pairs: 0-1, 1-2, 2-3 (10 each) and 6-7, 7-8, 8-9 (20 each).
    expect(track.dischargePerH).toBe(15);
    expect(track.firstHalfPerH).toBe(10);
    expect(track.secondHalfPerH).toBe(20);
    expect(track.drifting).toBe(true);
    expect(track.sessions).toEqual([
      {
        robot_id: '',
        start: new Date(T0 + 4 * H).toISOString(),
        end: new Date(T0 + 6 * H).toISOString(),
        duration_s: 7_200,
        from_percent: 69,
        to_percent: 96,
      },
    ]);
    expect(track.chargingS).toBe(7_200);
  });

  it('a steady drain does not drift, and a gap in the data breaks a run', () => {
    const track = trackBattery(
      [
        bucket(0, 'percentage', 90),
        bucket(1, 'percentage', 85),
        bucket(3, 'percentage', 75),
        bucket(4, 'percentage', 70),
      ],
      [],
      H,
      { from: T0, to: T0 + 5 * H },
    );
    expect(track.dischargePerH).toBe(5);
    expect(track.drifting).toBe(false);
    expect(track.sessions).toEqual([]);
  });
});
