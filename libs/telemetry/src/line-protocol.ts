import type { FieldValue, TelemetryPoint } from './telemetry-store';

/**
 * InfluxDB line protocol for {@link TelemetryPoint}s, with millisecond timestamps (write with `precision=ms`).
 *
 * What a line can and cannot carry, checked against InfluxDB 1.6.7:
 * - Measurement: commas and spaces are escaped. Tag keys, tag values and field keys: commas, equals signs and
 *   spaces are escaped; quotes, tabs, unicode and backslashes elsewhere are written as they are and stored exactly
 *   (a backslash before an escaped character stays a backslash).
 * - Names and tag values cannot carry a newline (it would end the line) nor usefully a carriage return (InfluxQL
 *   reads it as a newline, so no query could name the value): they are written as the two characters `\n` and `\r`,
 *   which InfluxDB stores. A name ending in a backslash cannot be carried either (that backslash would escape the
 *   separator after it): the last backslash is written as `＼` (U+FF3C). {@link storedName} gives the name InfluxDB
 *   keeps, so queries find what was written.
 * - String field values are double-quoted with quotes and backslashes escaped; newlines and carriage returns inside
 *   them are carried as they are and read back exactly.
 * - Numbers are always written as floats (`1`, never `1i`): a field written once as an integer and once as a float
 *   is a type conflict, and InfluxDB rejects a batch for it. Booleans are `T`/`F`.
 * - Tags are sorted by key, as InfluxDB recommends (fields too, so a point always gives the same line). `robot_id`
 *   is the point's `robotId`.
 * - What InfluxDB cannot store is refused with a {@link LineProtocolError} naming it, never dropped: NaN and
 *   ±Infinity (no representation; JSON cannot carry them either), a point without fields, empty keys, ids and tag
 *   values (InfluxDB has no empty tag values), the key `time` (reserved), times outside InfluxDB's range.
 */

/** A point InfluxDB cannot store as given. `path` names the part of the point (`fields.value`, `tags.servo_id`). */
export class LineProtocolError extends Error {
  override readonly name = 'LineProtocolError';

  constructor(
    readonly path: string,
    /** What is wrong, e.g. "must be a finite number". */
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

/** InfluxDB keeps nanoseconds in an int64: about 1677-09-21 to 2262-04-11. */
const MAX_TIME_MS = 9_223_372_036_854;

const FULLWIDTH_REVERSE_SOLIDUS = '\uFF3C';
const NEEDS_KEY_ESCAPE = /[,= \n\r\\]/;
const KEY_SPECIAL = /[,= ]/g;
const NEEDS_MEASUREMENT_ESCAPE = /[, \n\r\\]/;
const MEASUREMENT_SPECIAL = /[, ]/g;
const LINE_BREAK = /[\n\r]/g;
const STRING_SPECIAL = /["\\]/g;
const NEEDS_STRING_ESCAPE = /["\\]/;

/** Line breaks as the two characters `\n` / `\r`, and no backslash at the end. */
function lineSafe(s: string): string {
  const text = s.replace(LINE_BREAK, (c) => (c === '\n' ? '\\n' : '\\r'));
  return text.endsWith('\\') ? text.slice(0, -1) + FULLWIDTH_REVERSE_SOLIDUS : text;
}

/** The name InfluxDB stores for a measurement, tag key, tag value or field key written through this module. */
export function storedName(name: string): string {
  if (!NEEDS_KEY_ESCAPE.test(name)) return name;
  return lineSafe(name);
}

/** A tag key, tag value or field key, escaped for a line. */
export function escapeKey(name: string): string {
  if (!NEEDS_KEY_ESCAPE.test(name)) return name;
  return lineSafe(name.replace(KEY_SPECIAL, '\\$&'));
}

/** A measurement name, escaped for a line. */
export function escapeMeasurement(name: string): string {
  if (!NEEDS_MEASUREMENT_ESCAPE.test(name)) return name;
  return lineSafe(name.replace(MEASUREMENT_SPECIAL, '\\$&'));
}

/** A string field value, quoted for a line. */
export function quoteString(value: string): string {
  return NEEDS_STRING_ESCAPE.test(value) ? `"${value.replace(STRING_SPECIAL, '\\$&')}"` : `"${value}"`;
}

function fieldValue(value: FieldValue | null | undefined, key: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LineProtocolError(`fields.${key}`, 'must be a finite number');
    return String(value);
  }
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  throw new LineProtocolError(`fields.${key}`, 'must be a number, a string or a boolean');
}

function checkKey(key: string, path: string): void {
  if (key === '') throw new LineProtocolError(path, 'must not have an empty key');
  if (key === 'time') throw new LineProtocolError(`${path}.time`, 'is a name InfluxDB reserves');
}

/**
 * One point as a line (without the trailing newline). Throws {@link LineProtocolError} for what InfluxDB cannot
 * store.
 *
 * @example
 * toLineProtocol({ measurement: 'battery_status', robotId: 'tonypi 01', fields: { percentage: 80, charging: true },
 *   time: new Date(1769250645123) })
 * // 'battery_status,robot_id=tonypi\ 01 charging=T,percentage=80 1769250645123'
 */
export function toLineProtocol(point: TelemetryPoint): string {
  const time = point.time instanceof Date ? point.time.getTime() : NaN;
  if (!(time >= -MAX_TIME_MS && time <= MAX_TIME_MS))
    throw new LineProtocolError('time', 'must be a valid date between 1677 and 2262');
  if (typeof point.robotId !== 'string' || point.robotId === '')
    throw new LineProtocolError('robotId', 'must be a non-empty string');

  let fields = '';
  const fieldKeys = Object.keys(point.fields ?? {});
  if (fieldKeys.length === 0) throw new LineProtocolError('fields', 'must have at least one field');
  if (fieldKeys.length > 1) fieldKeys.sort();
  for (const key of fieldKeys) {
    checkKey(key, 'fields');
    fields += (fields === '' ? '' : ',') + escapeKey(key) + '=' + fieldValue(point.fields[key], key);
  }

  let line = escapeMeasurement(point.measurement);
  let robotTagWritten = false;
  if (point.tags) {
    const keys = Object.keys(point.tags);
    if (keys.length > 1) keys.sort();
    for (const key of keys) {
      const value = point.tags[key];
      if (key === 'robot_id') {
        if (value !== point.robotId) throw new LineProtocolError('tags.robot_id', 'must equal robotId when given');
        continue;
      }
      checkKey(key, 'tags');
      if (typeof value !== 'string' || value === '')
        throw new LineProtocolError(`tags.${key}`, 'must be a non-empty string');
      if (!robotTagWritten && key > 'robot_id') {
        line += ',robot_id=' + escapeKey(point.robotId);
        robotTagWritten = true;
      }
      line += ',' + escapeKey(key) + '=' + escapeKey(value);
    }
  }
  if (!robotTagWritten) line += ',robot_id=' + escapeKey(point.robotId);
  return line + ' ' + fields + ' ' + time;
}
