import { robotZoneOffsetMs } from '@fleet/contracts';

/**
 * Where a robot's clock is set: `local` (this machine's zone, as the TonyPi client's `datetime.now()` is), `UTC`,
 * an offset like `+08:00`, or an IANA zone like `Asia/Kuala_Lumpur`.
 */
export type RobotClockZone = string;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(time: Date, zone: RobotClockZone): WallClock {
  if (zone === 'local') {
    return {
      year: time.getFullYear(),
      month: time.getMonth() + 1,
      day: time.getDate(),
      hour: time.getHours(),
      minute: time.getMinutes(),
      second: time.getSeconds(),
    };
  }
  let offsetMs: number;
  try {
    // The same reading of zones as Fleet's when it takes these timestamps back.
    offsetMs = robotZoneOffsetMs(zone, time);
  } catch (error) {
    throw new RangeError(`timeZone: expected 'local', 'UTC', an offset like '+08:00' or an IANA zone, got '${zone}'`, {
      cause: error,
    });
  }
  const shifted = new Date(time.getTime() + offsetMs);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

/**
 * The timestamp the TonyPi client writes: Python's `datetime.now().isoformat()`, a wall-clock time without a zone,
 * with microseconds, and without a fraction at all when the microseconds are zero (as Python does).
 *
 * @param micros the microseconds within the millisecond (0-999), since a JavaScript date stops at milliseconds.
 * @example
 * naiveTimestamp(new Date('2026-01-24T10:30:45.123Z'), 'UTC', 456); // '2026-01-24T10:30:45.123456'
 */
export function naiveTimestamp(time: Date, zone: RobotClockZone, micros = 0): string {
  const c = wallClock(time, zone);
  const fraction = time.getUTCMilliseconds() * 1000 + micros;
  const base = `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
  return fraction === 0 ? base : `${base}.${pad(fraction, 6)}`;
}

/** Throws a RangeError naming `timeZone` when `zone` is not one {@link naiveTimestamp} understands. */
export function checkClockZone(zone: RobotClockZone): void {
  naiveTimestamp(new Date(0), zone);
}
