import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '@fleet/database';
import { tagFilter } from '../postgres-telemetry.points';
import { parseSeriesKey } from '../postgres-telemetry.points';
import type { Measurement } from '../telemetry-store';
import { HOUR_MS, MINUTE_MS } from './rollup-tiers';

/** Periods up to this long are read at 1-minute resolution; longer ones in hours (plus minutes at their edges). */
export const MINUTE_RESOLUTION_MAX_MS = 48 * HOUR_MS;

export type Resolution = 'minute' | 'hour';

export interface TimeRange {
  from: number;
  to: number;
}

/** Where a read of `from`..`to` (whole minutes) goes: minutes from the 1-minute rollups, whole hours from the tier. */
export interface ReadPlan {
  resolution: Resolution;
  /** The unit percentiles are taken over, in ms. */
  unitMs: number;
  minutes: TimeRange[];
  hours: TimeRange | null;
}

/**
 * Plans a read (pure). Short periods read minutes; longer ones read the hours the hourly tier has rolled (up to
 * `hourUntil`) and minutes for the rest.
 */
export function planRead(from: number, to: number, hourUntil: number | null): ReadPlan {
  if (to <= from) return { resolution: 'minute', unitMs: MINUTE_MS, minutes: [], hours: null };
  if (to - from <= MINUTE_RESOLUTION_MAX_MS) {
    return { resolution: 'minute', unitMs: MINUTE_MS, minutes: [{ from, to }], hours: null };
  }
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const lastHour = Math.min(Math.floor(to / HOUR_MS) * HOUR_MS, hourUntil ?? firstHour);
  if (lastHour <= firstHour) return { resolution: 'hour', unitMs: HOUR_MS, minutes: [{ from, to }], hours: null };
  const minutes: TimeRange[] = [];
  if (from < firstHour) minutes.push({ from, to: firstHour });
  if (lastHour < to) minutes.push({ from: lastHour, to });
  return { resolution: 'hour', unitMs: HOUR_MS, minutes, hours: { from: firstHour, to: lastHour } };
}

/** A condition whose time is counted: how long a robot's field was above (or below) a value. */
export interface RollupCondition {
  /** Names the condition in the answer (`warning`, `critical`). */
  key: string;
  robotId: string;
  field: string;
  op: 'above' | 'below';
  value: number;
}

export interface RollupQuery {
  measurement: Measurement;
  fields: readonly string[];
  /** Whole minutes, epoch ms. */
  from: number;
  to: number;
  /** Null: every robot. */
  robotIds: readonly string[] | null;
  /** Only series carrying these tags. */
  tags?: Readonly<Record<string, string>>;
}

/** What the rollups say of one field of one series of one robot over a period. */
export interface SeriesSummary {
  robotId: string;
  series: string;
  tags: Record<string, string>;
  field: string;
  /** Points aggregated. */
  count: number;
  mean: number;
  min: number;
  max: number;
  last: number;
  /** The 95th percentile of the unit means (1-minute or 1-hour means, by the plan's resolution). */
  p95: number;
  /** Minutes with points. */
  minutes: number;
  /** Minutes whose mean met each condition, by its key. */
  conditions: Record<string, number>;
}

/** One bucket of one field of one series, for charts and for what needs the values in order. */
export interface TimelineBucket {
  robotId: string;
  series: string;
  field: string;
  /** Start of the bucket, epoch ms. */
  time: number;
  count: number;
  mean: number;
  min: number;
  max: number;
  /** Minutes with points. */
  minutes: number;
}

const at = (ms: number) => new Date(ms);

function robotFilter(column: string, robotIds: readonly string[] | null): RawBuilder<unknown> {
  return robotIds === null ? sql`` : sql` AND ${sql.ref(column)} = ANY(${[...robotIds]}::text[])`;
}

function rangesFilter(column: string, ranges: readonly TimeRange[]): RawBuilder<unknown> {
  if (ranges.length === 0) return sql` AND FALSE`;
  const parts = ranges.map((r) => sql`(${sql.ref(column)} >= ${at(r.from)} AND ${sql.ref(column)} < ${at(r.to)})`);
  return sql` AND (${sql.join(parts, sql` OR `)})`;
}

/**
 * The series' keys in the byte order of collation "C": grouping and sorting hundreds of thousands of rows by them
 * takes half the time it takes in a language's collation, and the order is only ever used for grouping.
 */
const KEYS = (t: string) =>
  sql.raw(`${t}.robot_id COLLATE "C" AS robot_id, ${t}.series COLLATE "C" AS series, ${t}.field COLLATE "C" AS field`);

/** Minute rows of the query in `ranges`, with the columns every unit has. */
function minuteRows(q: RollupQuery, ranges: readonly TimeRange[]): RawBuilder<unknown> {
  return sql`
    SELECT ${KEYS('r')}, r.bucket, r.count::float8 AS count, r.sum, r.min, r.max, r.last,
      r.last_time, 1 AS minutes, r.sum / r.count AS min_mean, r.sum / r.count AS max_mean
    FROM telemetry_rollups r
    WHERE r.measurement = ${q.measurement} AND r.field = ANY(${[...q.fields]}::text[])
      ${robotFilter('r.robot_id', q.robotIds)} ${rangesFilter('r.bucket', ranges)} ${tagFilter('r.series', q.tags)}`;
}

/** Hourly rows of the query in `range`. */
function hourRows(q: RollupQuery, range: TimeRange): RawBuilder<unknown> {
  return sql`
    SELECT ${KEYS('h')}, h.bucket, h.count::float8 AS count, h.sum, h.min, h.max, h.last,
      h.last_time, h.minutes, h.min_mean, h.max_mean
    FROM telemetry_rollups_hourly h
    WHERE h.measurement = ${q.measurement} AND h.field = ANY(${[...q.fields]}::text[])
      AND h.bucket >= ${at(range.from)} AND h.bucket < ${at(range.to)}
      ${robotFilter('h.robot_id', q.robotIds)} ${tagFilter('h.series', q.tags)}`;
}

/** Units of `unitMs` (minutes, or hours rolled here from minutes, joined with the hourly tier's own rows). */
function units(q: RollupQuery, plan: ReadPlan): RawBuilder<unknown> {
  if (plan.resolution === 'minute') return minuteRows(q, plan.minutes);
  const grouped = sql`
    SELECT m.robot_id, m.series, m.field, to_timestamp(floor(extract(epoch FROM m.bucket) / 3600) * 3600) AS bucket,
      sum(m.count) AS count, sum(m.sum) AS sum, min(m.min) AS min, max(m.max) AS max,
      (array_agg(m.last ORDER BY m.last_time DESC))[1] AS last, max(m.last_time) AS last_time,
      count(*)::int AS minutes, min(m.min_mean) AS min_mean, max(m.max_mean) AS max_mean
    FROM (${minuteRows(q, plan.minutes)}) AS m
    GROUP BY 1, 2, 3, 4`;
  return plan.hours ? sql`${grouped} UNION ALL ${hourRows(q, plan.hours)}` : grouped;
}

const conditionsJson = (conditions: readonly RollupCondition[]) =>
  JSON.stringify(conditions.map((c) => [c.robotId, c.field, c.key, c.op, c.value]));

const CONDITIONS = (json: string) => sql`(SELECT d->>0 AS robot_id, d->>1 AS field, d->>2 AS key, d->>3 AS op,
    (d->>4)::float8 AS v FROM jsonb_array_elements(${json}::jsonb) AS d)`;

/**
 * Reads Fleet's rollup tiers for reports: summaries of series over a period (mean, extremes, 95th percentile of
 * the unit means, time spent past thresholds) and timelines in buckets. A 30-day read never touches raw points, nor
 * more than two partial hours of minutes per series.
 *
 * Time past a threshold is counted in whole minutes whose mean is past it, at any resolution: an hour whose minute
 * means are all past counts whole, one whose means all stay on the good side counts nothing, and only an hour that
 * straddles the threshold has its minutes read.
 *
 * @example
 * const reader = new RollupReader(db);
 * const plan = await reader.plan(from, to);
 * const rows = await reader.summarize({ measurement: 'robot_status', fields: ['system_cpu_percent'], from, to,
 *   robotIds: null }, plan, [{ key: 'warning', robotId: 'tonypi_01', field: 'system_cpu_percent', op: 'above', value: 70 }]);
 */
export class RollupReader {
  constructor(private readonly db: Kysely<DB>) {}

  /** Where the hourly tier has been rolled to, and the plan for a period. */
  async plan(from: number, to: number): Promise<ReadPlan> {
    const row = await this.db
      .selectFrom('telemetry_rollup_progress')
      .select('rolled_until')
      .where('tier', '=', 'hour')
      .executeTakeFirst();
    return planRead(from, to, row ? row.rolled_until.getTime() : null);
  }

  /** Where the 1-minute rollups rolled from raw points (InfluxDB) have got to; null before the first roll. */
  async minuteWatermark(): Promise<number | null> {
    const row = await this.db
      .selectFrom('telemetry_rollup_progress')
      .select('rolled_until')
      .where('tier', '=', 'minute')
      .executeTakeFirst();
    return row ? row.rolled_until.getTime() : null;
  }

  async summarize(
    q: RollupQuery,
    plan: ReadPlan,
    conditions: readonly RollupCondition[] = [],
  ): Promise<SeriesSummary[]> {
    if (q.fields.length === 0 || (plan.minutes.length === 0 && !plan.hours)) return [];
    // The summaries and the time past thresholds are read side by side, on two connections.
    const pastRead = conditions.length > 0 ? this.conditionMinutes(q, plan, conditions) : Promise.resolve(new Map());
    const rowsRead = this.read<{
      robot_id: string;
      series: string;
      field: string;
      count: number;
      total: number;
      low: number;
      high: number;
      last: number;
      minutes: number;
      p95: number;
    }>`
      SELECT u.robot_id, u.series, u.field, sum(u.count) AS count, sum(u.sum) AS total, min(u.min) AS low,
        max(u.max) AS high, (array_agg(u.last ORDER BY u.last_time DESC))[1] AS last, sum(u.minutes)::int AS minutes,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY u.sum / u.count) AS p95
      FROM (${units(q, plan)}) AS u
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`;
    const [rows, past] = await Promise.all([rowsRead, pastRead]);
    const keysOf = new Map<string, string[]>();
    for (const c of conditions) {
      const key = `${c.robotId}\0${c.field}`;
      keysOf.set(key, [...(keysOf.get(key) ?? []), c.key]);
    }
    return rows.map((r) => ({
      robotId: r.robot_id,
      series: r.series,
      tags: parseSeriesKey(r.series),
      field: r.field,
      count: r.count,
      mean: r.total / r.count,
      min: r.low,
      max: r.high,
      last: r.last,
      p95: r.p95,
      minutes: r.minutes,
      conditions: Object.fromEntries(
        (keysOf.get(`${r.robot_id}\0${r.field}`) ?? []).map((key) => [
          key,
          past.get(`${r.robot_id}\0${r.series}\0${r.field}\0${key}`) ?? 0,
        ]),
      ),
    }));
  }

  /**
   * The series' values in buckets of `bucketMs` (a whole number of the plan's units), oldest first. The hourly
   * tier serves whole hours where the plan reads hours.
   */
  async timeline(q: RollupQuery, plan: ReadPlan, bucketMs: number): Promise<TimelineBucket[]> {
    if (q.fields.length === 0 || (plan.minutes.length === 0 && !plan.hours)) return [];
    const width = Math.max(plan.unitMs, Math.round(bucketMs / plan.unitMs) * plan.unitMs);
    const source =
      plan.resolution === 'minute' || !plan.hours
        ? minuteRows(q, plan.minutes)
        : sql`${minuteRows(q, plan.minutes)} UNION ALL ${hourRows(q, plan.hours)}`;
    return this.read<TimelineBucket>`
      SELECT u.robot_id AS "robotId", u.series, u.field,
        floor(extract(epoch FROM u.bucket) * 1000 / ${width}::bigint)::float8 * ${width}::float8 AS time,
        sum(u.count) AS count, sum(u.sum) / sum(u.count) AS mean, min(u.min) AS min, max(u.max) AS max,
        sum(u.minutes)::int AS minutes
      FROM (${source}) AS u
      GROUP BY 1, 2, 3, 4
      ORDER BY 4, 1, 2, 3`;
  }

  /** Minutes whose mean met each condition, by robot, series, field and condition key. */
  private async conditionMinutes(
    q: RollupQuery,
    plan: ReadPlan,
    conditions: readonly RollupCondition[],
  ): Promise<Map<string, number>> {
    const c = CONDITIONS(conditionsJson(conditions));
    const meets = (mean: RawBuilder<unknown>, op: RawBuilder<unknown>, v: RawBuilder<unknown>) =>
      sql`((${op} = 'above' AND ${mean} > ${v}) OR (${op} = 'below' AND ${mean} < ${v}))`;
    const fromMinutes = sql`
      SELECT ${KEYS('r')}, c.key, count(*)::int AS n
      FROM telemetry_rollups r JOIN ${c} AS c ON c.robot_id = r.robot_id AND c.field = r.field
      WHERE r.measurement = ${q.measurement} ${rangesFilter('r.bucket', plan.minutes)} ${tagFilter('r.series', q.tags)}
        AND ${meets(sql`r.sum / r.count`, sql`c.op`, sql`c.v`)}
      GROUP BY 1, 2, 3, 4`;
    let statement = sql`SELECT * FROM (${fromMinutes}) AS m`;
    if (plan.hours) {
      // Each hour of a series is read once: wholly past counts whole, straddling is counted minute by minute.
      statement = sql`
        WITH hrs AS MATERIALIZED (
          SELECT ${KEYS('h')}, h.bucket, h.minutes, h.min_mean, h.max_mean, c.key, c.op, c.v
          FROM telemetry_rollups_hourly h JOIN ${c} AS c ON c.robot_id = h.robot_id AND c.field = h.field
          WHERE h.measurement = ${q.measurement} AND h.bucket >= ${at(plan.hours.from)}
            AND h.bucket < ${at(plan.hours.to)} ${tagFilter('h.series', q.tags)}
            AND NOT ((c.op = 'above' AND h.max_mean <= c.v) OR (c.op = 'below' AND h.min_mean >= c.v))
        )
        SELECT robot_id, series, field, key, sum(minutes)::int AS n FROM hrs
        WHERE (op = 'above' AND min_mean > v) OR (op = 'below' AND max_mean < v)
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT s.robot_id, s.series, s.field, s.key, count(*)::int AS n
        FROM hrs s
        JOIN telemetry_rollups r ON r.robot_id = s.robot_id AND r.measurement = ${q.measurement}
          AND r.field = s.field AND r.series = s.series
          AND r.bucket >= s.bucket AND r.bucket < s.bucket + interval '1 hour'
        WHERE NOT ((s.op = 'above' AND s.min_mean > s.v) OR (s.op = 'below' AND s.max_mean < s.v))
          AND ${meets(sql`r.sum / r.count`, sql`s.op`, sql`s.v`)}
        GROUP BY 1, 2, 3, 4
        UNION ALL
        ${fromMinutes}`;
    }
    const rows = await this.read<{ robot_id: string; series: string; field: string; key: string; n: number }>`
      SELECT robot_id, series, field, key, sum(n)::int AS n FROM (${statement}) AS x
      GROUP BY 1, 2, 3, 4`;
    return new Map(rows.map((r) => [`${r.robot_id}\0${r.series}\0${r.field}\0${r.key}`, r.n]));
  }

  /**
   * Runs one read with room to sort in memory (PostgreSQL's default of 4 MB sends a month of a fleet's hours to
   * disk), in a transaction of its own so the setting ends with it.
   */
  private read<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> {
    const query = sql<T>(strings, ...values);
    return this.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL work_mem = '64MB'`.execute(trx);
      return (await query.execute(trx)).rows;
    });
  }
}
