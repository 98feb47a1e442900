import { localToUtc, monthName, zonedParts } from './text';

/** Axis ticks of a value scale: `min` and `max` are the axis ends, both ticks. */
export interface ValueTicks {
  min: number;
  max: number;
  step: number;
  values: number[];
  /** Decimals a tick label needs. */
  digits: number;
}

/** The 1, 2 or 5 × 10^n at or above `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  // A tolerance, so that 2.0000000001 (a floating-point 2) gives 2, not 5.
  const nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

/**
 * Ticks at round numbers covering [min, max] with at most `maxTicks` ticks.
 *
 * @example niceTicks(3, 87, 6) // { min: 0, max: 100, step: 20, values: [0, 20, 40, 60, 80, 100], digits: 0 }
 * @example niceTicks(0, 3, 6, true).values // [0, 1, 2, 3]
 */
export function niceTicks(min: number, max: number, maxTicks = 6, integer = false): ValueTicks {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    // A flat line still needs an axis: a unit around it, or around zero.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const intervals = Math.max(1, maxTicks - 1);
  // Counts (robots, jobs) tick at whole numbers: half a robot is no tick.
  let step = Math.max(integer ? 1 : 0, niceStep((hi - lo) / intervals));
  let first = Math.floor(lo / step + 1e-9);
  let last = Math.ceil(hi / step - 1e-9);
  // Rounding both ends outwards can add an interval: take the next step up then.
  while (last - first > intervals) {
    step = niceStep(step * 1.0001);
    first = Math.floor(lo / step + 1e-9);
    last = Math.ceil(hi / step - 1e-9);
  }
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(digits)));
  return { min: values[0] ?? lo, max: values[values.length - 1] ?? hi, step, values, digits };
}

/** A tick of a time axis; `sublabel` is the date (or year) where it changes from the previous tick. */
export interface TimeTick {
  time: number;
  label: string;
  sublabel: string | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type TimeStep = { unit: 'ms'; size: number } | { unit: 'week'; weeks: number } | { unit: 'month'; months: number };

const STEPS: TimeStep[] = [
  ...[1, 2, 5, 10, 15, 30].map((m): TimeStep => ({ unit: 'ms', size: m * MINUTE })),
  ...[1, 2, 3, 6, 12].map((h): TimeStep => ({ unit: 'ms', size: h * HOUR })),
  { unit: 'ms', size: DAY },
  { unit: 'ms', size: 2 * DAY },
  { unit: 'week', weeks: 1 },
  { unit: 'week', weeks: 2 },
  ...[1, 2, 3, 6, 12].map((months): TimeStep => ({ unit: 'month', months })),
];

function approxSize(step: TimeStep): number {
  switch (step.unit) {
    case 'ms':
      return step.size;
    case 'week':
      return step.weeks * 7 * DAY;
    case 'month':
      return step.months * 30.44 * DAY;
  }
}

/** Days since 1970-01-01 of a wall-clock reading taken as UTC. */
function localDay(localMs: number): number {
  return Math.floor(localMs / DAY);
}

function localMs(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** Tick instants for the step, aligned to the zone's wall clock (whole hours, local midnights, Mondays, months). */
function tickTimes(from: number, to: number, step: TimeStep, timeZone: string): number[] {
  const startLocal = localMs(from, timeZone);
  const locals: number[] = [];
  const endLocal = localMs(to, timeZone) + DAY;
  switch (step.unit) {
    case 'ms': {
      // Multiples of the step on the local clock since 1970: whole hours, local midnights, and for two days even
      // days, so the ticks do not depend on where the period starts.
      for (let t = Math.ceil(startLocal / step.size) * step.size; t <= endLocal; t += step.size) locals.push(t);
      break;
    }
    case 'week': {
      // 1970-01-05 was a Monday.
      const monday = 4;
      const period = step.weeks * 7;
      let day = localDay(startLocal);
      if (startLocal % DAY !== 0) day += 1;
      day += (((monday - day) % period) + period) % period;
      for (; day * DAY <= endLocal; day += period) locals.push(day * DAY);
      break;
    }
    case 'month': {
      const start = new Date(startLocal);
      let year = start.getUTCFullYear();
      let month = start.getUTCMonth();
      if (startLocal > Date.UTC(year, month, 1)) month += 1;
      month = Math.ceil(month / step.months) * step.months;
      for (let t = Date.UTC(year, month, 1); t <= endLocal; t = Date.UTC(year, month, 1)) {
        locals.push(t);
        month += step.months;
        if (month >= 12) {
          year += Math.floor(month / 12);
          month %= 12;
        }
      }
      break;
    }
  }
  const times = locals.map((l) => localToUtc(l, timeZone)).filter((t) => t >= from && t <= to);
  return [...new Set(times)];
}

function label(time: number, previous: number | null, step: TimeStep, timeZone: string): TimeTick {
  const p = zonedParts(time, timeZone);
  const before = previous === null ? null : zonedParts(previous, timeZone);
  const date = `${p.day} ${monthName(p.month)}`;
  if (step.unit === 'month') {
    const sublabel = before === null || before.year !== p.year ? String(p.year) : null;
    return { time, label: monthName(p.month), sublabel };
  }
  if (step.unit === 'week' || step.size >= DAY) {
    const sublabel = before === null || before.year !== p.year ? String(p.year) : null;
    return { time, label: date, sublabel };
  }
  const clock = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  const sameDay = before !== null && before.day === p.day && before.month === p.month && before.year === p.year;
  return { time, label: clock, sublabel: sameDay ? null : date };
}

/**
 * Ticks for a time axis from `from` to `to` (epoch ms) at a step a reader expects (5 minutes, 1 hour, 1 day, a
 * week, a month), aligned to the wall clock of `timeZone`, with at most `maxTicks` of them.
 */
export function timeTicks(from: number, to: number, timeZone: string, maxTicks = 7): TimeTick[] {
  if (!(to > from)) return [];
  const span = to - from;
  const step = STEPS.find((s) => span / approxSize(s) <= maxTicks - 1) ?? STEPS[STEPS.length - 1];
  if (!step) return [];
  let times = tickTimes(from, to, step, timeZone);
  // Months vary in length and DST shifts hours: thin out a step that still came out too dense.
  if (times.length > maxTicks) {
    const every = Math.ceil(times.length / maxTicks);
    times = times.filter((_, i) => i % every === 0);
  }
  return times.map((time, i) => label(time, i === 0 ? null : (times[i - 1] ?? null), step, timeZone));
}
