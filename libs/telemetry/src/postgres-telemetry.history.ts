import { sql, type Kysely, type RawBuilder } from 'kysely';
import { InvalidInputError, type FieldIssue } from '@fleet/contracts';
import type { DB } from '@fleet/database';
import { rollupNumberSql, MINUTE_MS, seriesKey, unstorable } from './postgres-telemetry.points';
import {
  AGGREGATIONS,
  autoWindowMs,
  type Aggregation,
  type HistoryBucket,
  type HistoryQuery,
  type HistoryResult,
} from './telemetry-store';

/** A time range, `from` inclusive, `to` exclusive, in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/** Where a history query reads: raw points for some ranges, 1-minute rollups for one, and the bucket width. */
export interface HistoryPlan {
  everyMs: number;
  raw: TimeRange[];
  rollups: TimeRange | null;
}

/**
 * Plans a history query (pure). Whole minutes are read from the rollups whenever buckets are whole minutes (the
 * result is the same, and a day of rollups is far smaller than a day of points); the partial minutes at either end
 * come from raw points. Where raw points are past retention (`keepFrom`), their minute comes from the rollups
 * whole, and buckets narrower than a minute widen to whole minutes.
 */
export function planHistory(from: number, to: number, everyMs: number, keepFrom: number): HistoryPlan {
  if (to <= from) return { everyMs, raw: [], rollups: null };
  if (everyMs % MINUTE_MS !== 0) {
    if (from >= keepFrom) return { everyMs, raw: [{ from, to }], rollups: null };
    everyMs = Math.ceil(everyMs / MINUTE_MS) * MINUTE_MS;
  }
  const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  const ceilMinute = (ms: number) => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
  const firstWhole = ceilMinute(from);
  const lastWhole = floorMinute(to);
  if (firstWhole >= lastWhole) {
    return from >= keepFrom
      ? { everyMs, raw: [{ from, to }], rollups: null }
      : { everyMs, raw: [], rollups: { from: floorMinute(from), to: ceilMinute(to) } };
  }
  const raw: TimeRange[] = [];
  const rollups = { from: firstWhole, to: lastWhole };
  if (from < firstWhole) {
    if (from >= keepFrom) raw.push({ from, to: firstWhole });
    else rollups.from = floorMinute(from);
  }
  if (lastWhole < to) {
    if (lastWhole >= keepFrom) raw.push({ from: lastWhole, to });
    else rollups.to = ceilMinute(to);
  }
  return { everyMs, raw, rollups };
}

function checkHistory(query: HistoryQuery): Aggregation {
  const issues: FieldIssue[] = [];
  const fn = query.fn ?? 'mean';
  if (!AGGREGATIONS.includes(fn)) issues.push({ path: 'fn', message: `must be one of ${AGGREGATIONS.join(', ')}` });
  if (!Array.isArray(query.fields) || query.fields.length === 0)
    issues.push({ path: 'fields', message: 'must name at least one field' });
  else if (query.fields.some((f) => typeof f !== 'string' || f.length === 0 || unstorable(f)))
    issues.push({ path: 'fields', message: 'must be non-empty field names' });
  for (const key of ['from', 'to'] as const) {
    if (!(query[key] instanceof Date) || !Number.isFinite(query[key].getTime()))
      issues.push({ path: key, message: 'must be a valid date' });
  }
  if (query.everyMs !== undefined && !(Number.isSafeInteger(query.everyMs) && query.everyMs > 0))
    issues.push({ path: 'everyMs', message: 'must be a positive whole number of milliseconds' });
  if (issues.length > 0)
    throw new InvalidInputError(
      `invalid history query: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  return fn;
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

interface PartialRow {
  slot: number;
  field: string;
  n: number;
  total: number;
  low: number;
  high: number;
  last: number;
}

function bucketValue(fn: Aggregation, row: PartialRow): number {
  switch (fn) {
    case 'mean':
      return row.total / row.n;
    case 'min':
      return row.low;
    case 'max':
      return row.high;
    case 'last':
      return row.last;
    case 'count':
      return row.n;
  }
}

/** Per bucket and field: count, sum, min, max and last of the raw points in `range`. */
function rawPartials(query: HistoryQuery, range: TimeRange, everyMs: number): RawBuilder<unknown> {
  return sql`
    SELECT floor(extract(epoch FROM p.time) * 1000 / ${everyMs}::bigint)::bigint AS slot, f.name AS field,
      count(*) AS n, sum(f.v) AS total, min(f.v) AS low, max(f.v) AS high,
      (array_agg(f.v ORDER BY p.time DESC))[1] AS last, max(p.time) AS last_time
    FROM telemetry_points p
    CROSS JOIN LATERAL (
      SELECT name, ${rollupNumberSql('p.fields -> name')} AS v FROM unnest(${[...query.fields]}::text[]) AS name
      WHERE jsonb_typeof(p.fields -> name) IN ('number', 'boolean')
    ) AS f
    WHERE p.robot_id = ${query.robotId} AND p.measurement = ${query.measurement}
      AND p.time >= ${new Date(range.from)} AND p.time < ${new Date(range.to)} ${tagFilter('p.series', query.tags)}
    GROUP BY 1, 2`;
}

/** The same partials from the 1-minute rollups whose minute starts in `range`. */
function rollupPartials(query: HistoryQuery, range: TimeRange, everyMs: number): RawBuilder<unknown> {
  return sql`
    SELECT floor(extract(epoch FROM r.bucket) * 1000 / ${everyMs}::bigint)::bigint AS slot, r.field,
      sum(r.count) AS n, sum(r.sum) AS total, min(r.min) AS low, max(r.max) AS high,
      (array_agg(r.last ORDER BY r.last_time DESC))[1] AS last, max(r.last_time) AS last_time
    FROM telemetry_rollups r
    WHERE r.robot_id = ${query.robotId} AND r.measurement = ${query.measurement}
      AND r.field = ANY(${[...query.fields]}::text[])
      AND r.bucket >= ${new Date(range.from)} AND r.bucket < ${new Date(range.to)} ${tagFilter('r.series', query.tags)}
    GROUP BY 1, 2`;
}

/** Answers a history query; raw points before `keepFrom` are taken to be gone. */
export async function readHistory(db: Kysely<DB>, query: HistoryQuery, keepFrom: number): Promise<HistoryResult> {
  const fn = checkHistory(query);
  const from = query.from.getTime();
  const to = query.to.getTime();
  const plan = planHistory(from, to, query.everyMs ?? autoWindowMs(query.from, query.to), keepFrom);
  const parts = [
    ...plan.raw.map((range) => rawPartials(query, range, plan.everyMs)),
    ...(plan.rollups ? [rollupPartials(query, plan.rollups, plan.everyMs)] : []),
  ];
  if (parts.length === 0) return { everyMs: plan.everyMs, fn, buckets: [] };
  const { rows } = await sql<PartialRow>`
    SELECT slot::float8 AS slot, field, sum(n)::float8 AS n, sum(total) AS total, min(low) AS low, max(high) AS high,
      (array_agg(last ORDER BY last_time DESC))[1] AS last
    FROM (${sql.join(parts, sql` UNION ALL `)}) AS parts
    GROUP BY slot, field
    ORDER BY slot`.execute(db);
  const buckets: HistoryBucket[] = [];
  for (const row of rows) {
    let bucket = buckets.at(-1);
    const time = row.slot * plan.everyMs;
    if (bucket?.time.getTime() !== time) {
      bucket = { time: new Date(time), values: Object.fromEntries(query.fields.map((f) => [f, null])) };
      buckets.push(bucket);
    }
    bucket.values[row.field] = bucketValue(fn, row);
  }
  return { everyMs: plan.everyMs, fn, buckets };
}
