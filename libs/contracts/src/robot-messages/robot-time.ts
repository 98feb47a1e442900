/**
 * How a robot's timestamp was judged: `ok` (used as sent), `missing` (none sent), `invalid` (not a time),
 * `ahead` (further in the future than the allowed clock skew) or `behind` (older than the allowed lateness).
 * In every case but `ok` the time of receipt stands in.
 */
export type RobotClock = 'ok' | 'missing' | 'ahead' | 'behind' | 'invalid';

/** How robot timestamps are read and how far they may stray; `FleetConfig['robots']` has this shape. */
export interface RobotTimeOptions {
  /** Zone for timestamps without one: `UTC`, an offset like `+08:00`, or an IANA zone like `Asia/Kuala_Lumpur`. */
  timezone: string;
  /** A timestamp more than this far ahead of the time of receipt is not trusted. */
  maxClockSkewMs: number;
  /** A timestamp more than this far behind the time of receipt is not trusted. */
  maxLateMs: number;
}

/** The time a message stands for, and how the robot's own timestamp was judged. */
export interface RobotTime {
  time: Date;
  clock: RobotClock;
}

// Python's isoformat(): 2026-01-24T10:30:45.123456, +05:30 when aware; also a space separator and a Z.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)?$/;
const EPOCH = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
// Below this an epoch number is seconds: 1e11 s is the year 5138, 1e11 ms is 1973.
const SECONDS_BELOW = 1e11;
const MAX_DATE_MS = 8.64e15;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1] ?? 0;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Reads naive local times in one zone. */
interface Zone {
  /** Epoch milliseconds of a wall-clock time given as if it were UTC. */
  toUtc(wallClockAsUtcMs: number): number;
  /** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
  offsetAt(utcMs: number): number;
}

const FIXED_OFFSET = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/i;

function fixedZone(offsetMs: number): Zone {
  return { toUtc: (wall) => wall - offsetMs, offsetAt: () => offsetMs };
}

// Offsets only change on quarter hours in every zone a robot could be in, so one lookup serves 15 minutes.
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 10_000;

function ianaZone(timeZone: string): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsets = new Map<number, number>();
  const offsetAt = (utcMs: number): number => {
    const quarter = Math.floor(utcMs / QUARTER_HOUR_MS);
    let offset = offsets.get(quarter);
    if (offset === undefined) {
      const at = quarter * QUARTER_HOUR_MS;
      const parts: Record<string, number> = {};
      for (const part of format.formatToParts(at)) {
        if (part.type !== 'literal') parts[part.type] = Number(part.value);
      }
      const wall = Date.UTC(
        parts.year ?? 1970,
        (parts.month ?? 1) - 1,
        parts.day ?? 1,
        parts.hour ?? 0,
        parts.minute ?? 0,
        parts.second ?? 0,
      );
      offset = wall - at;
      if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
      offsets.set(quarter, offset);
    }
    return offset;
  };
  return {
    offsetAt,
    toUtc(wall) {
      // The offset in force at the instant this wall time names: guess with the offset at the wall time read as
      // UTC, then correct once (enough except inside a DST gap, where either reading is as good).
      const guess = wall - offsetAt(wall);
      const offset = offsetAt(guess);
      return wall - offset;
    },
  };
}

const zones = new Map<string, Zone>();

function zoneOf(timezone: string): Zone {
  let zone = zones.get(timezone);
  if (zone) return zone;
  const name = timezone.trim();
  const fixed = FIXED_OFFSET.exec(name);
  if (/^(UTC|GMT|Z)$/i.test(name)) zone = fixedZone(0);
  else if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3]);
    if (Number(fixed[2]) > 23 || Number(fixed[3]) > 59) throw invalidZone(timezone);
    zone = fixedZone((fixed[1] === '-' ? -1 : 1) * minutes * 60_000);
  } else {
    try {
      zone = ianaZone(name);
    } catch (cause) {
      throw invalidZone(timezone, cause);
    }
  }
  zones.set(timezone, zone);
  return zone;
}

function invalidZone(timezone: string, cause?: unknown): Error {
  return new Error(
    `invalid robot timezone '${timezone}': expected UTC, an offset like +08:00 or an IANA zone like Asia/Kuala_Lumpur`,
    { cause },
  );
}

/**
 * How far a robot zone's wall clock (UTC, an offset like `+08:00`, or an IANA zone) is ahead of UTC at `at`, in
 * milliseconds: what a robot set to that zone writes as its naive time. Throws a clear error for an unknown zone.
 *
 * @example
 * robotZoneOffsetMs('+08:00', new Date()); // 28_800_000
 */
export function robotZoneOffsetMs(timezone: string, at: Date): number {
  return zoneOf(timezone).offsetAt(at.getTime());
}

/**
 * Throws a clear error unless `timezone` is one `resolveRobotTime` can read, so a bad setting stops start-up
 * instead of the first message.
 */
export function assertRobotTimezone(timezone: string): void {
  zoneOf(timezone);
}

/** Epoch milliseconds of an ISO 8601 string, or NaN; naive times are read in `zone`. */
function parseIso(text: string, zone: Zone): number {
  const m = ISO.exec(text);
  if (!m) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  // Microseconds (and finer) are truncated: stores keep milliseconds.
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (m[8] !== undefined) return wall;
  if (m[9] !== undefined) {
    const offHours = Number(m[10]);
    const offMinutes = m[11] === undefined ? 0 : Number(m[11]);
    const offSeconds = m[12] === undefined ? 0 : Number(m[12]);
    if (offHours > 23 || offMinutes > 59 || offSeconds > 59) return NaN;
    const offset = ((offHours * 60 + offMinutes) * 60 + offSeconds) * 1000;
    return m[9] === '-' ? wall + offset : wall - offset;
  }
  return zone.toUtc(wall);
}

function fromEpoch(n: number): number {
  if (!Number.isFinite(n)) return NaN;
  return Math.floor(Math.abs(n) < SECONDS_BELOW ? n * 1000 : n);
}

/**
 * The time a robot message stands for: the robot's own timestamp when it is readable and plausible, otherwise the
 * time of receipt, with `clock` saying which and why.
 *
 * Accepts ISO 8601 with a zone, naive ISO 8601 (read in `opts.timezone`; the TonyPi client sends naive local time
 * from `datetime.now().isoformat()`), and epoch seconds or milliseconds as a number or a numeric string.
 * Fractions finer than a millisecond are truncated. Throws only for a `timezone` it cannot read.
 *
 * @example
 * resolveRobotTime('2026-01-24T10:30:45.123456', new Date('2026-01-24T10:30:46Z'),
 *   { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 });
 * // { time: 2026-01-24T10:30:45.123Z, clock: 'ok' }
 */
export function resolveRobotTime(raw: unknown, receivedAt: Date, opts: RobotTimeOptions): RobotTime {
  let ms: number;
  if (raw === undefined || raw === null || raw === '') return { time: receivedAt, clock: 'missing' };
  if (typeof raw === 'number') ms = fromEpoch(raw);
  else if (typeof raw === 'string') {
    const text = raw.trim();
    ms = EPOCH.test(text) ? fromEpoch(Number(text)) : parseIso(text, zoneOf(opts.timezone));
  } else ms = NaN;
  if (Number.isNaN(ms) || Math.abs(ms) > MAX_DATE_MS) return { time: receivedAt, clock: 'invalid' };
  const ahead = ms - receivedAt.getTime();
  if (ahead > opts.maxClockSkewMs) return { time: receivedAt, clock: 'ahead' };
  if (-ahead > opts.maxLateMs) return { time: receivedAt, clock: 'behind' };
  return { time: new Date(ms), clock: 'ok' };
}
