import type { InfluxResult } from '../influx-http';
import { influxqlIdentifier, influxqlString } from '../influxql';
import { seriesKey } from '../postgres-telemetry.points';
import { MINUTE_MS } from './rollup-tiers';

/** A field of a measurement as InfluxDB types it (`SHOW FIELD KEYS`). */
export interface InfluxField {
  name: string;
  type: 'float' | 'integer' | 'string' | 'boolean' | 'unsigned';
}

/** The 1-minute aggregate of one field of one series, as `telemetry_rollups` keeps it. */
export interface MinuteRollup {
  robotId: string;
  measurement: string;
  series: string;
  field: string;
  /** Epoch ms of the minute's start. */
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  /** InfluxDB says which minute, not which point: the last instant of the minute. */
  lastTime: number;
}

/** The fields of `measurement` with their types, from an answer to `SHOW FIELD KEYS`. */
export function parseFieldKeys(result: InfluxResult | undefined): InfluxField[] {
  const series = result?.series?.[0];
  if (!series) return [];
  const name = series.columns.indexOf('fieldKey');
  const type = series.columns.indexOf('fieldType');
  return (series.values ?? []).flatMap((row) => {
    const fieldName = row[name];
    const fieldType = row[type];
    return typeof fieldName === 'string' && typeof fieldType === 'string'
      ? [{ name: fieldName, type: fieldType as InfluxField['type'] }]
      : [];
  });
}

const isNumber = (f: InfluxField) => f.type === 'float' || f.type === 'integer' || f.type === 'unsigned';

function where(from: number, to: number, robotIds?: readonly string[]): string {
  const robots =
    robotIds && robotIds.length > 0
      ? ` AND (${robotIds.map((id) => `"robot_id" = ${influxqlString(id)}`).join(' OR ')})`
      : '';
  return `time >= ${from}ms AND time < ${to}ms${robots}`;
}

/**
 * InfluxQL for the 1-minute aggregates of the numeric and boolean fields of `measurement` over whole minutes
 * `from`..`to`, per series (`GROUP BY time(1m), *`), optionally of some robots only. The first statement aggregates
 * numbers (count, sum, min, max, last) and counts booleans; each boolean field then gets one statement counting its
 * true values, since InfluxQL cannot sum a boolean. Null when the measurement has no such field.
 */
export function minuteRollupStatement(
  measurement: string,
  fields: readonly InfluxField[],
  from: number,
  to: number,
  robotIds?: readonly string[],
): string | null {
  const numbers = fields.filter(isNumber);
  const booleans = fields.filter((f) => f.type === 'boolean');
  if (numbers.length + booleans.length === 0) return null;
  const columns = [
    ...numbers.flatMap((f, i) => {
      const q = influxqlIdentifier(f.name);
      return [
        `count(${q}) AS "n${i}"`,
        `sum(${q}) AS "s${i}"`,
        `min(${q}) AS "lo${i}"`,
        `max(${q}) AS "hi${i}"`,
        `last(${q}) AS "l${i}"`,
      ];
    }),
    ...booleans.flatMap((f, i) => {
      const q = influxqlIdentifier(f.name);
      return [`count(${q}) AS "bn${i}"`, `last(${q}) AS "bl${i}"`];
    }),
  ];
  const m = influxqlIdentifier(measurement);
  const range = where(from, to, robotIds);
  const statements = [`SELECT ${columns.join(', ')} FROM ${m} WHERE ${range} GROUP BY time(1m), * fill(none)`];
  for (const f of booleans) {
    const q = influxqlIdentifier(f.name);
    statements.push(
      `SELECT count(${q}) AS "t" FROM ${m} WHERE ${range} AND ${q} = true GROUP BY time(1m), * fill(none)`,
    );
  }
  return statements.join('; ');
}

/** The series key of an InfluxDB series' tags: every tag but `robot_id`, empty ones left out. */
function seriesOf(tags: Readonly<Record<string, string>>): { robotId: string | undefined; series: string } {
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (key !== 'robot_id' && value !== '') rest[key] = value;
  return { robotId: tags.robot_id || undefined, series: seriesKey(rest) };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The aggregates of the answers to {@link minuteRollupStatement} (pure). */
export function parseMinuteRollups(
  measurement: string,
  fields: readonly InfluxField[],
  results: readonly InfluxResult[],
): MinuteRollup[] {
  const numbers = fields.filter(isNumber);
  const booleans = fields.filter((f) => f.type === 'boolean');
  const out: MinuteRollup[] = [];
  /** True counts per boolean field index, by robot, series and minute. */
  const trues = booleans.map((_, i) => {
    const counts = new Map<string, number>();
    for (const series of results[i + 1]?.series ?? []) {
      const { robotId, series: key } = seriesOf(series.tags ?? {});
      const t = series.columns.indexOf('t');
      for (const row of series.values ?? []) counts.set(`${robotId}\0${key}\0${String(row[0])}`, num(row[t]) ?? 0);
    }
    return counts;
  });
  for (const series of results[0]?.series ?? []) {
    const { robotId, series: key } = seriesOf(series.tags ?? {});
    if (!robotId) continue;
    const col = new Map(series.columns.map((c, i) => [c, i]));
    for (const row of series.values ?? []) {
      const bucket = row[0] as number;
      const at = (name: string) => row[col.get(name) ?? -1];
      const base = { robotId, measurement, series: key, bucket, lastTime: bucket + MINUTE_MS - 1 };
      numbers.forEach((f, i) => {
        const count = num(at(`n${i}`));
        if (!count) return;
        const [sum, min, max, last] = [at(`s${i}`), at(`lo${i}`), at(`hi${i}`), at(`l${i}`)].map(num);
        if (sum === null || min === null || max === null || last === null) return;
        out.push({ ...base, field: f.name, count, sum, min, max, last });
      });
      booleans.forEach((f, i) => {
        const count = num(at(`bn${i}`));
        if (!count) return;
        const t = trues[i].get(`${robotId}\0${key}\0${String(bucket)}`) ?? 0;
        const last = at(`bl${i}`) === true ? 1 : 0;
        out.push({ ...base, field: f.name, count, sum: t, min: t === count ? 1 : 0, max: t > 0 ? 1 : 0, last });
      });
    }
  }
  return out;
}
