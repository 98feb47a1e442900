import { formatDuration } from '../format';

/** Text as the PDF shows it: fixed decimals, times in the report's zone, WinAnsi only. */

/** What the PDF shows for a statistic without data. */
export const NO_VALUE = '–';

/** Code points above Latin-1 that WinAnsi (Windows-1252) still encodes, in the 0x80–0x9F block. */
const WIN_ANSI_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018,
  0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e, 0x0178,
]);
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * Makes text drawable with pdfkit's built-in fonts, which encode WinAnsi only: anything else would come out as a
 * wrong glyph or nothing. Line breaks and tabs become spaces (callers split paragraphs first).
 *
 * @example sanitizeWinAnsi('rover-δ 60 °C ✓') // 'rover-? 60 °C ?'
 */
export function sanitizeWinAnsi(text: string): string {
  if (PLAIN_ASCII.test(text)) return text;
  let out = '';
  // NFC first, so that an accent typed as a combining mark becomes one Latin-1 letter instead of a letter and '?'.
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0x09 || code === 0x0a || code === 0x0d) out += ' ';
    else if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(code)) {
      out += char;
    } else out += '?';
  }
  return out;
}

/**
 * A duration as the findings say it, "–" without one.
 *
 * @example formatDurationOrDash(7800) // '2 h 10 min'
 */
export function formatDurationOrDash(seconds: number | null): string {
  return seconds === null || !Number.isFinite(seconds) ? NO_VALUE : formatDuration(seconds);
}

const numberFormats = new Map<number, Intl.NumberFormat>();

/**
 * A number with a fixed count of decimals and thousands separators; the same digits in every row line up.
 *
 * @example formatDecimal(12345.678, 1) // '12,345.7'
 */
export function formatDecimal(value: number | null, digits = 1): string {
  if (value === null || !Number.isFinite(value)) return NO_VALUE;
  let format = numberFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, format);
  }
  // -0.0 would read as a negative value that is not there.
  const text = format.format(value);
  return /^-[0.,]*$/.test(text) ? text.slice(1) : text;
}

export function formatPercent(value: number | null, digits = 1): string {
  const text = formatDecimal(value, digits);
  return text === NO_VALUE ? text : `${text}%`;
}

/** An evidence value, with as many decimals as it needs up to two. */
export function formatValue(value: number | string | boolean | null): string {
  if (value === null) return NO_VALUE;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return formatDecimal(value, 0);
  const rounded = formatDecimal(value, 2);
  return rounded.includes('.') ? rounded.replace(/\.?0+$/, '') : rounded;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Wall-clock fields of an instant in a zone. */
export interface ZonedParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** A zone Intl knows, or UTC: a document from an older Fleet may name one this Node does not have. */
export function resolveTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

function partFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: resolveTimeZone(timeZone),
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    partFormats.set(timeZone, format);
  }
  return format;
}

/** The wall clock in `timeZone` at `ms`; built from parts, not from a locale's pattern, so it never shifts. */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  const parts: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of partFormat(timeZone).formatToParts(ms)) {
    if (part.type in parts) parts[part.type as keyof ZonedParts] = Number(part.value);
  }
  // Some ICU versions write midnight as 24 even with h23.
  if (parts.hour === 24) parts.hour = 0;
  return parts;
}

/** Milliseconds the zone is ahead of UTC at `ms`. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant whose wall clock in the zone reads `localMs` (as if it were UTC); in a DST gap, the hour after. */
export function localToUtc(localMs: number, timeZone: string): number {
  const guess = localMs - zoneOffsetMs(localMs, timeZone);
  return localMs - zoneOffsetMs(guess, timeZone);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function toMs(instant: string | number): number {
  return typeof instant === 'number' ? instant : Date.parse(instant);
}

/**
 * A time on the wall clock of the zone; without the year where the reader knows it (table rows of a period within
 * one year).
 *
 * @example formatDateTime('2026-12-07T13:30:00Z', 'Europe/Berlin') // '7 Dec 2026, 14:30'
 */
export function formatDateTime(instant: string | number, timeZone: string, withYear = true): string {
  const ms = toMs(instant);
  if (!Number.isFinite(ms)) return NO_VALUE;
  const p = zonedParts(ms, timeZone);
  return `${p.day} ${MONTHS[p.month - 1]}${withYear ? ` ${p.year}` : ''}, ${pad(p.hour)}:${pad(p.minute)}`;
}

/** @example formatDate('2026-12-07T13:30:00Z', 'Europe/Berlin') // '7 Dec 2026' */
export function formatDate(instant: string | number, timeZone: string): string {
  const ms = toMs(instant);
  if (!Number.isFinite(ms)) return NO_VALUE;
  const p = zonedParts(ms, timeZone);
  return `${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
}

export function monthName(month: number): string {
  return MONTHS[month - 1] ?? '?';
}

/** @example formatOffset(19_800_000) // 'UTC+5:30' */
export function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'UTC';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const rest = minutes % 60;
  return `UTC${offsetMs < 0 ? '-' : '+'}${Math.floor(minutes / 60)}${rest ? `:${pad(rest)}` : ''}`;
}

/**
 * The zone's name with its offsets over the period, so a reader abroad knows what the times mean.
 *
 * @example zoneLabel('Europe/Berlin', from, to) // 'Europe/Berlin (UTC+1)', or '(UTC+1/UTC+2)' across a change
 */
export function zoneLabel(timeZone: string, from: string | number, to: string | number): string {
  const zone = resolveTimeZone(timeZone);
  const offsets = [...new Set([toMs(from), toMs(to)].map((ms) => formatOffset(zoneOffsetMs(ms, zone))))];
  const unknown = zone === timeZone ? '' : `, ${timeZone} unknown`;
  if (zone === 'UTC' || zone === 'Etc/UTC') return `${zone}${unknown ? ` (${unknown.slice(2)})` : ''}`;
  return `${zone} (${offsets.join('/')}${unknown})`;
}
