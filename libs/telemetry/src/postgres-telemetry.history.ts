import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';
import { checkHistoryQuery, concatHistories, emptyHistory } from './history-query';
import { rollupNumberSql, MINUTE_MS, tagFilter } from './postgres-telemetry.points';
import {
  columnsStatement,
  firstAtOrAfter,
  parseColumns,
  sliceColumns,
  splitHistory,
  type RollupHistory,
  type TimeRange,
} from './rollups/rollup-history';
import { autoWindowMs, type Aggregation, type HistoryQuery, type HistoryResult } from './telemetry-store';

/** Where a history query reads: raw points for some ranges, 1-minute rollups for one, and the bucket width. */
export interface HistoryPlan {
  everyMs: number;
  raw: TimeRange[];
  rollups: TimeRange | null;
}

/**
 * Plans a history query (pure). Whole buckets of whole minutes are read from the rollups (the result is the same,
 * and a day of rollups is far smaller than a day of points); the partial buckets at either end come from raw points.
 * Where raw points are past retention (`keepFrom`), their bucket comes from the rollups whole, and buckets narrower
 * than a minute widen to whole minutes.
 */
export function planHistory(from: number, to: number, everyMs: number, keepFrom: number): HistoryPlan {
  if (to <= from) return { everyMs, raw: [], rollups: null };
  if (everyMs % MINUTE_MS !== 0) {
    if (from >= keepFrom) return { everyMs, raw: [{ from, to }], rollups: null };
    everyMs = Math.ceil(everyMs / MINUTE_MS) * MINUTE_MS;
  }
  const floor = (ms: number) => Math.floor(ms / everyMs) * everyMs;
  const ceil = (ms: number) => Math.ceil(ms / everyMs) * everyMs;
  // The store keeps its rollups with its points: they cover every minute.
  const split = splitHistory(from, to, everyMs, { from: -Infinity, until: Infinity });
  if (!split.rollups) {
    return from >= keepFrom
      ? { everyMs, raw: split.raw, rollups: null }
      : { everyMs, raw: [], rollups: { from: floor(from), to: ceil(to) } };
  }
  const rollups = { ...split.rollups };
  const raw: TimeRange[] = [];
  for (const part of split.raw) {
    if (part.from >= keepFrom) raw.push(part);
    else if (part.to <= rollups.from) rollups.from = floor(part.from);
    else rollups.to = ceil(part.to);
  }
  return { everyMs, raw, rollups };
}

/** Rows `(t, field, v, w)` of the raw points in `range` (see `columnsStatement`), one per point and field. */
function rawRows(query: HistoryQuery, fn: Aggregation, fields: readonly string[], range: TimeRange) {
  const value = sql`f.v`;
  const [v, w] = {
    mean: [value, sql`1::float8`],
    min: [value, sql`NULL::float8`],
    max: [value, sql`NULL::float8`],
    count: [sql`1::float8`, sql`NULL::float8`],
    last: [value, sql`date_part('epoch', p.time)`],
  }[fn];
  return sql`
    SELECT (extract(epoch FROM p.time) * 1000)::float8 AS t, f.name AS field, ${v} AS v, ${w} AS w
    FROM telemetry_points p
    CROSS JOIN LATERAL (
      SELECT name, ${rollupNumberSql('p.fields -> name')} AS v FROM unnest(${[...fields]}::text[]) AS name
      WHERE jsonb_typeof(p.fields -> name) IN ('number', 'boolean')
    ) AS f
    WHERE p.robot_id = ${query.robotId} AND p.measurement = ${query.measurement}
      AND p.time >= ${new Date(range.from)} AND p.time < ${new Date(range.to)} ${tagFilter('p.series', query.tags)}`;
}

/** Answers a history query; raw points before `keepFrom` are taken to be gone. */
export async function readHistory(
  db: Kysely<DB>,
  rollups: RollupHistory,
  query: HistoryQuery,
  keepFrom: number,
): Promise<HistoryResult> {
  const { fn, fields } = checkHistoryQuery(query);
  const from = query.from.getTime();
  const to = query.to.getTime();
  const plan = planHistory(from, to, query.everyMs ?? autoWindowMs(query.from, query.to), keepFrom);
  const rawRead = async () => {
    if (plan.raw.length === 0) return emptyHistory(plan.everyMs, fn, fields);
    const parts = plan.raw.map((range) => rawRows(query, fn, fields, range));
    const { rows } = await columnsStatement(fn, fields, plan.everyMs, parts).execute(db);
    return parseColumns(rows[0], fields);
  };
  const [raw, rolled] = await Promise.all([
    rawRead(),
    plan.rollups ? rollups.read({ query, fn, fields, everyMs: plan.everyMs }, plan.rollups) : null,
  ]);
  if (!rolled || !plan.rollups) return { everyMs: plan.everyMs, fn, ...raw };
  // Raw buckets lie before or after the rollups' range, never inside it.
  const cut = firstAtOrAfter(raw.times, plan.rollups.from);
  const head = sliceColumns(raw, 0, cut);
  const tail = sliceColumns(raw, cut, raw.times.length);
  return concatHistories(plan.everyMs, fn, fields, [head, rolled, tail]);
}
