import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError, type FieldIssue } from '@fleet/contracts';
import { MEASUREMENTS, type FieldValue, type Measurement, type TelemetryPoint } from './telemetry-store';

export const MINUTE_MS = 60_000;
/** Column widths of `telemetry_points` and `telemetry_rollups`. */
const MAX_ROBOT_ID = 50;
const MAX_SERIES = 200;
const MAX_FIELD_NAME = 64;
const ISSUES_IN_MESSAGE = 5;

const TAG_SPECIALS = /[%,=]/g;
const TAG_ESCAPE = /%(25|2C|3D)/g;
const SURROGATE = /[\uD800-\uDFFF]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function escapeTag(text: string): string {
  return text.replace(TAG_SPECIALS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeTag(text: string): string {
  return text.replace(TAG_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The canonical key of a tag set, shared by `telemetry_points.series` and `telemetry_rollups.series`: `k=v` pairs
 * sorted by key and joined by commas, with `%`, `,` and `=` inside keys and values written `%25`, `%2C`, `%3D`, so a
 * pair `,k=v,` matches only that whole tag. No tags: ''.
 *
 * @example
 * seriesKey({ servo_name: 'left_knee', servo_id: '3' }) // 'servo_id=3,servo_name=left_knee'
 */
export function seriesKey(tags?: Readonly<Record<string, string>>): string {
  if (!tags) return '';
  return Object.keys(tags)
    .sort()
    .map((key) => `${escapeTag(key)}=${escapeTag(tags[key] ?? '')}`)
    .join(',');
}

/** The tags of a {@link seriesKey}. */
export function parseSeriesKey(series: string): Record<string, string> {
  if (series === '') return {};
  return Object.fromEntries(
    series.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [unescapeTag(pair.slice(0, at)), unescapeTag(pair.slice(at + 1))];
    }),
  );
}

/** ` AND` conditions keeping the series that carry every one of `tags`. */
export function tagFilter(column: string, tags?: Readonly<Record<string, string>>): RawBuilder<unknown> {
  const pairs = Object.entries(tags ?? {}).map(([key, value]) => `,${seriesKey({ [key]: value })},`);
  if (pairs.length === 0) return sql``;
  return sql.join(
    pairs.map((pair) => sql` AND strpos(',' || ${sql.ref(column)} || ',', ${pair}) > 0`),
    sql``,
  );
}

/** Text Postgres cannot store: NUL, or half of a UTF-16 surrogate pair. */
export function unstorable(text: string): boolean {
  return text.includes('\0') || (SURROGATE.test(text) && UNPAIRED_SURROGATE.test(text));
}

/** A validated point, ready to insert. */
export interface PointRow {
  robotId: string;
  measurement: Measurement;
  series: string;
  time: number;
  fields: Readonly<Record<string, FieldValue>>;
}

const MEASUREMENT_NAMES: ReadonlySet<string> = new Set(MEASUREMENTS);
const LATEST_TIME = Date.UTC(10_000, 0, 1);

/** What is wrong with a name or text, or null. */
function textProblem(value: unknown, maxLength: number, allowEmpty = false): string | null {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0))
    return allowEmpty ? 'must be a string' : 'must be a non-empty string';
  if (value.length > maxLength) return `must be at most ${maxLength} characters (has ${value.length})`;
  if (unstorable(value)) return 'must not contain NUL or unpaired surrogate characters';
  return null;
}

function checkPoint(point: TelemetryPoint, i: number, keepFrom: number, issues: FieldIssue[]): PointRow | null {
  const before = issues.length;
  // Paths are built only for problems: this runs for every point of every batch.
  const fail = (suffix: string, message: string) => issues.push({ path: `points[${i}]${suffix}`, message });
  if (!MEASUREMENT_NAMES.has(point.measurement)) fail('.measurement', `must be one of ${MEASUREMENTS.join(', ')}`);
  const robotProblem = textProblem(point.robotId, MAX_ROBOT_ID);
  if (robotProblem) fail('.robotId', robotProblem);
  let series = '';
  if (point.tags) {
    for (const key in point.tags) {
      const keyProblem = textProblem(key, MAX_SERIES);
      const valueProblem = keyProblem ? null : textProblem(point.tags[key], MAX_SERIES);
      if (keyProblem) fail('.tags', keyProblem);
      else if (valueProblem) fail(`.tags.${key}`, valueProblem);
    }
    series = seriesKey(point.tags);
    if (series.length > MAX_SERIES) fail('.tags', `must encode to at most ${MAX_SERIES} characters (${series})`);
  }
  let fieldCount = 0;
  for (const name in point.fields) {
    fieldCount++;
    const nameProblem = textProblem(name, MAX_FIELD_NAME);
    if (nameProblem) {
      fail('.fields', nameProblem);
      continue;
    }
    const value: unknown = point.fields[name];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail(`.fields.${name}`, 'must be a finite number');
    } else if (typeof value === 'string') {
      if (unstorable(value)) fail(`.fields.${name}`, 'must not contain NUL or unpaired surrogate characters');
    } else if (typeof value !== 'boolean') fail(`.fields.${name}`, 'must be a number, a string or a boolean');
  }
  if (fieldCount === 0) fail('.fields', 'must have at least one field');
  const time = point.time instanceof Date ? point.time.getTime() : NaN;
  if (!(time < LATEST_TIME)) fail('.time', 'must be a valid date before the year 10000');
  else if (time < keepFrom)
    fail('.time', `is older than the raw retention (points before ${new Date(keepFrom).toISOString()} are not kept)`);
  if (issues.length > before) return null;
  return { robotId: point.robotId, measurement: point.measurement, series, time, fields: point.fields };
}

/**
 * Validates a batch and folds points of the same robot, series and time into one (later fields win, as a rewrite
 * does). Throws {@link InvalidInputError} naming every bad point (`points[3].time`, `points[7].fields.value`) and
 * writes nothing then; points older than `keepFrom` are among the rejected.
 */
export function preparePoints(points: readonly TelemetryPoint[], keepFrom: number): PointRow[] {
  const issues: FieldIssue[] = [];
  const rows = new Map<string, PointRow>();
  points.forEach((point, i) => {
    const row = checkPoint(point, i, keepFrom, issues);
    if (!row) return;
    const key = `${row.robotId}\0${row.measurement}\0${row.series}\0${row.time}`;
    const seen = rows.get(key);
    // The caller's objects are never changed: a repeated point gets a merged copy.
    if (seen) seen.fields = { ...seen.fields, ...row.fields };
    else rows.set(key, row);
  });
  if (issues.length > 0) {
    const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${i.path} ${i.message}`);
    if (issues.length > ISSUES_IN_MESSAGE) shown.push(`and ${issues.length - ISSUES_IN_MESSAGE} more`);
    throw new InvalidInputError(`telemetry points rejected: ${shown.join('; ')}`, issues);
  }
  return [...rows.values()];
}

/**
 * The number a field contributes to rollups: a number as it is, a boolean as 1 (true) or 0 (false), so a rollup's
 * mean is the share of the time it was true (a battery charging, torque enabled). Text has none.
 */
export function rollupValue(value: FieldValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** {@link rollupValue} in SQL, for the JSONB value `expression` (a number or a boolean). */
export function rollupNumberSql(expression: string): RawBuilder<number> {
  return sql.raw(
    `(CASE jsonb_typeof(${expression}) WHEN 'boolean' THEN (${expression})::boolean::int::float8 ELSE (${expression})::float8 END)`,
  );
}

/** One minute (epoch ms of its start) of one series. */
export interface SeriesMinute {
  robotId: string;
  measurement: Measurement;
  series: string;
  minute: number;
}

/**
 * The series' minutes a batch touches, which of them each point falls in (`minuteOf[i]` indexes `minutes`), and
 * the 1-minute aggregate of every numeric and boolean field per minute ({@link rollupValue}), as rows
 * `[minute index, robot, measurement, series, field, minute, count, sum, min, max, last, last time]`.
 */
export function minuteAggregates(rows: readonly PointRow[]): {
  minutes: SeriesMinute[];
  minuteOf: number[];
  aggregates: (string | number)[][];
} {
  const minutes: SeriesMinute[] = [];
  const index = new Map<string, number>();
  const minuteOf: number[] = [];
  const byField = new Map<
    string,
    [number, string, string, string, string, number, number, number, number, number, number, number]
  >();
  for (const row of rows) {
    const minute = Math.floor(row.time / MINUTE_MS) * MINUTE_MS;
    const key = `${row.robotId}\0${row.measurement}\0${row.series}\0${minute}`;
    let k = index.get(key);
    if (k === undefined) {
      k = minutes.push({ robotId: row.robotId, measurement: row.measurement, series: row.series, minute }) - 1;
      index.set(key, k);
    }
    minuteOf.push(k);
    for (const [field, raw] of Object.entries(row.fields)) {
      const value = rollupValue(raw);
      if (value === undefined) continue;
      const aggregate = byField.get(`${k}\0${field}`);
      if (!aggregate) {
        byField.set(`${k}\0${field}`, [
          k,
          row.robotId,
          row.measurement,
          row.series,
          field,
          minute,
          1,
          value,
          value,
          value,
          value,
          row.time,
        ]);
        continue;
      }
      aggregate[6] += 1;
      aggregate[7] += value;
      aggregate[8] = Math.min(aggregate[8], value);
      aggregate[9] = Math.max(aggregate[9], value);
      if (row.time > aggregate[11]) {
        aggregate[10] = value;
        aggregate[11] = row.time;
      }
    }
  }
  return { minutes, minuteOf, aggregates: [...byField.values()] };
}
