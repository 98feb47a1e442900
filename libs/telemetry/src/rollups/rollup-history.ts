import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '@fleet/database';
import { tagFilter } from '../postgres-telemetry.points';
import { concatHistories } from '../history-query';
import { columnTexts, joinColumnTexts, rememberColumnsText, sliceColumnTexts, type ColumnTexts } from '../history-text';
import type { Aggregation, HistoryQuery, HistoryResult } from '../telemetry-store';
import { RollupCoverageReader, type RollupCoverage } from './rollup-coverage';
import { MINUTE_MS } from './rollup-tiers';

/** A time range, `from` inclusive, `to` exclusive, in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * The 1-minute rollups of `range` for each field, as four JSON arrays in one row ordered by field and minute: the
 * field's index in `fields`, the minute (epoch ms), and the two values {@link bucketRollups} makes a bucket of (by
 * the aggregation: sum and count for `mean`, the value and its time for `last`, the value alone otherwise).
 */
function rollupStatement(query: HistoryQuery, fn: Aggregation, fields: readonly string[], range: TimeRange) {
  const [v, w] = {
    mean: [sql`r.sum`, sql`r.count`],
    min: [sql`r.min`, sql`NULL`],
    max: [sql`r.max`, sql`NULL`],
    count: [sql`r.count`, sql`NULL`],
    last: [sql`r.last`, sql`date_part('epoch', r.last_time) * 1000`],
  }[fn];
  const field = fields.length === 1 ? sql`r.field = ${fields[0]}` : sql`r.field = ANY(${[...fields]}::text[])`;
  return sql<RollupArrays>`
    SELECT json_agg(x.f) AS f, json_agg(x.t) AS t, json_agg(x.v) AS v, json_agg(x.w) AS w
    FROM (
      SELECT array_position(${[...fields]}::text[], r.field::text) - 1 AS f, date_part('epoch', r.bucket) * 1000 AS t,
        ${v} AS v, ${w} AS w
      FROM telemetry_rollups r
      WHERE r.robot_id = ${query.robotId} AND r.measurement = ${query.measurement} AND ${field}
        AND r.bucket >= ${new Date(range.from)} AND r.bucket < ${new Date(range.to)} ${tagFilter('r.series', query.tags)}
      ORDER BY r.field, r.bucket
    ) AS x`;
}

/** An answer to {@link rollupStatement}; null arrays when no rollup matched. */
export interface RollupArrays {
  f: number[] | null;
  t: number[] | null;
  v: number[] | null;
  w: (number | null)[] | null;
}

/**
 * Buckets of `everyMs` from the 1-minute rollups of {@link rollupStatement} (pure): each field's rollups, in time
 * order (one series after another within a minute), merged bucket by bucket, then the fields joined on one time axis.
 */
export function bucketRollups(
  fn: Aggregation,
  fields: readonly string[],
  everyMs: number,
  rows: RollupArrays,
): Pick<HistoryResult, 'times' | 'values'> {
  const f = rows.f ?? [];
  const t = rows.t ?? [];
  const v = rows.v ?? [];
  const w = rows.w ?? [];
  const perField = fields.map(() => ({ slots: [] as number[], values: [] as number[] }));
  let i = 0;
  while (i < f.length) {
    const field = perField[f[i]];
    const slot = Math.floor(t[i] / everyMs);
    let value = v[i];
    let weight = w[i] ?? 0;
    let j = i + 1;
    for (; j < f.length && f[j] === f[i] && Math.floor(t[j] / everyMs) === slot; j++) {
      if (fn === 'mean') {
        value += v[j];
        weight += w[j] ?? 0;
      } else if (fn === 'count') value += v[j];
      else if (fn === 'min') value = Math.min(value, v[j]);
      else if (fn === 'max') value = Math.max(value, v[j]);
      else if ((w[j] ?? 0) > weight) {
        value = v[j];
        weight = w[j] ?? 0;
      }
    }
    field.slots.push(slot * everyMs);
    field.values.push(fn === 'mean' ? value / weight : value);
    i = j;
  }
  if (fields.length === 1) return { times: perField[0].slots, values: { [fields[0]]: perField[0].values } };
  const times = [...new Set(perField.flatMap((p) => p.slots))].sort((a, b) => a - b);
  const index = new Map(times.map((time, k) => [time, k]));
  const values: Record<string, (number | null)[]> = {};
  fields.forEach((name, k) => {
    const column: (number | null)[] = Array.from({ length: times.length }, () => null);
    const { slots, values: known } = perField[k];
    for (let n = 0; n < slots.length; n++) column[index.get(slots[n]) ?? 0] = known[n];
    values[name] = column;
  });
  return { times, values };
}

/**
 * A bucket's value of `field` from rows `(t, field, v, w)`: `t` the time in epoch ms, `v` and `w` as in
 * {@link rollupStatement} (a raw point gives one row per field, with `w` 1 for `mean` and `v` 1 for `count`).
 */
function merged(fn: Aggregation, field: string): RawBuilder<unknown> {
  const only = sql`FILTER (WHERE x.field = ${field})`;
  switch (fn) {
    case 'mean':
      return sql`sum(x.v) ${only} / sum(x.w) ${only}`;
    case 'min':
      return sql`min(x.v) ${only}`;
    case 'max':
      return sql`max(x.v) ${only}`;
    case 'count':
      return sql`sum(x.v) ${only}`;
    case 'last':
      return sql`(array_agg(x.v ORDER BY x.w DESC) ${only})[1]`;
  }
}

/**
 * Buckets the rows of `parts` (see {@link merged}) into columns in one row: `times`, then `v0`, `v1`, ... for
 * each field, JSON arrays ordered by time, so thousands of buckets cross the wire as a few values.
 */
export function columnsStatement(
  fn: Aggregation,
  fields: readonly string[],
  everyMs: number,
  parts: readonly RawBuilder<unknown>[],
): RawBuilder<Record<string, (number | null)[] | null>> {
  const values = fields.map((field, i) => sql`${merged(fn, field)} AS ${sql.raw(`v${i}`)}`);
  const columns = fields.map((_, i) => sql.raw(`json_agg(b.v${i} ORDER BY b.slot) AS v${i}`));
  return sql`
    SELECT json_agg(b.slot * ${everyMs}::float8 ORDER BY b.slot) AS times, ${sql.join(columns)}
    FROM (
      SELECT floor(x.t / ${everyMs}::float8) AS slot, ${sql.join(values)}
      FROM (${sql.join(parts, sql` UNION ALL `)}) AS x
      GROUP BY 1
    ) AS b`;
}

/** The columns of an answer to {@link columnsStatement}. */
export function parseColumns(
  row: Record<string, (number | null)[] | null> | undefined,
  fields: readonly string[],
): Pick<HistoryResult, 'times' | 'values'> {
  const times = (row?.times ?? []) as number[];
  return {
    times,
    values: Object.fromEntries(
      fields.map((field, i) => [field, row?.[`v${i}`] ?? Array.from({ length: times.length }, () => null)]),
    ),
  };
}

/** How a history of whole-minute buckets is read: buckets the rollups cover whole from them, the rest raw. */
export interface HistorySplit {
  rollups: TimeRange | null;
  raw: TimeRange[];
}

/**
 * Splits `from`..`to` (pure) at bucket boundaries: the buckets of `everyMs` lying wholly inside `covered` are read
 * from the rollups, the ranges before and after them from raw points, so no bucket mixes the two. Buckets that are
 * not whole minutes, or nothing covered, read raw.
 */
export function splitHistory(from: number, to: number, everyMs: number, covered: RollupCoverage | null): HistorySplit {
  if (to <= from) return { rollups: null, raw: [] };
  if (!covered || everyMs % MINUTE_MS !== 0) return { rollups: null, raw: [{ from, to }] };
  const ceil = (ms: number) => Math.ceil(ms / everyMs) * everyMs;
  const floor = (ms: number) => Math.floor(ms / everyMs) * everyMs;
  const start = Math.max(ceil(from), ceil(covered.from));
  const end = Math.min(floor(to), floor(covered.until));
  if (end <= start) return { rollups: null, raw: [{ from, to }] };
  const raw: TimeRange[] = [];
  if (from < start) raw.push({ from, to: start });
  if (end < to) raw.push({ from: end, to });
  return { rollups: { from: start, to: end }, raw };
}

/** What a history reads from the rollups: the query's robot, measurement and tags, its checked fields and width. */
export interface RollupRead {
  query: HistoryQuery;
  fn: Aggregation;
  fields: readonly string[];
  everyMs: number;
}

export interface RollupHistoryOptions {
  /**
   * How long the buckets read from the rollups, and what they cover, are reused, in ms (default 10 s; 0: never).
   * Rollups of past minutes change only when late points arrive, so a chart asked for again, by anyone, within this
   * time reads only the minutes since. Late points written through another process show after at most this long.
   */
  cacheMs?: number;
  /**
   * Buckets kept in the cache at most, over all entries (default 2,000,000: about 40 MB, and as much again for the
   * JSON text of the buckets sent).
   */
  cacheBuckets?: number;
  now?: () => number;
}

interface CachedColumns {
  /** `robotId\0measurement`. */
  series: string;
  /** The rollup range these buckets cover (whole buckets). */
  range: TimeRange;
  columns: Pick<HistoryResult, 'times' | 'values'>;
  /** The columns' JSON text, once someone sent them. */
  text?: ColumnTexts;
  readAt: number;
}

/** A read of buckets under way; `stale` once a write here touched its range. */
interface Filling {
  series: string;
  range: TimeRange;
  stale: boolean;
  done: Promise<void>;
}

const DEFAULT_CACHE_MS = 10_000;
const DEFAULT_CACHE_BUCKETS = 2_000_000;

/** The index of the first of `times` (ascending) at or after `at`. */
export function firstAtOrAfter(times: readonly number[], at: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid] < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Buckets `start` to `end` (indexes) of `columns`. */
export function sliceColumns(
  columns: Pick<HistoryResult, 'times' | 'values'>,
  start: number,
  end: number,
): Pick<HistoryResult, 'times' | 'values'> {
  if (start === 0 && end === columns.times.length) return columns;
  return {
    times: columns.times.slice(start, end),
    values: Object.fromEntries(Object.entries(columns.values).map(([f, v]) => [f, v.slice(start, end)])),
  };
}

/** The buckets of `range` of a cached entry; their JSON text, when asked for, is a slice of the entry's. */
function slice(entry: CachedColumns, range: TimeRange): Pick<HistoryResult, 'times' | 'values'> {
  const { columns } = entry;
  const start = firstAtOrAfter(columns.times, range.from);
  const end = firstAtOrAfter(columns.times, range.to);
  const sliced = sliceColumns(columns, start, end);
  rememberColumnsText(sliced, () => sliceColumnTexts((entry.text ??= columnTexts(columns)), start, end));
  return sliced;
}

/**
 * Histories from Fleet's 1-minute rollups: the buckets of a range, and what the minute tier covers where the store
 * does not keep the rollups with its points (InfluxDB).
 *
 * Buckets read are kept for {@link RollupHistoryOptions.cacheMs} per robot, measurement, tags, fields, aggregation
 * and width, and a later read of a range that starts inside one reads only what lies past it.
 */
export class RollupHistory {
  private readonly cache = new Map<string, CachedColumns>();
  /** Reads under way, by cache key. */
  private readonly filling = new Map<string, Filling>();
  private cachedBuckets = 0;
  private readonly cacheMs: number;
  private readonly cacheBuckets: number;
  private readonly now: () => number;
  private readonly covered: RollupCoverageReader;

  constructor(
    private readonly db: Kysely<DB>,
    options: RollupHistoryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.cacheBuckets = options.cacheBuckets ?? DEFAULT_CACHE_BUCKETS;
    this.now = options.now ?? Date.now;
    this.covered = new RollupCoverageReader(db, this.cacheMs, this.now);
  }

  /**
   * What the minute tier covers for this robot's measurement within `from`..`to`: from where it starts to its
   * watermark, or to its first minute marked to be rolled again, if that comes first. Null before the first roll.
   */
  coverage(robotId: string, measurement: string, from: number, to: number): Promise<RollupCoverage | null> {
    return this.covered.coverage(robotId, measurement, from, to);
  }

  /** The buckets of `range` (whole buckets of the read's `everyMs`) from the rollups, in columns. */
  async read(read: RollupRead, range: TimeRange): Promise<Pick<HistoryResult, 'times' | 'values'>> {
    const { query, fn, fields, everyMs } = read;
    if (this.cacheMs <= 0) return this.fetch(read, range);
    const key = JSON.stringify([query.robotId, query.measurement, query.tags ?? {}, fields, fn, everyMs]);
    let entry = this.usable(key, range);
    const filling = entry ? undefined : this.filling.get(key);
    if (filling) {
      // One read of a series at a time: the others wait for it, then take what it kept.
      await filling.done;
      entry = this.usable(key, range);
    }
    const series = `${query.robotId}\0${query.measurement}`;
    entry ??= await this.fill(key, series, range, this.now(), async () => ({ columns: await this.fetch(read, range) }));
    const cached = entry;
    if (range.to > cached.range.to) {
      entry = await this.fill(key, series, { from: cached.range.from, to: range.to }, cached.readAt, async () => {
        const more = await this.fetch(read, { from: cached.range.to, to: range.to });
        return {
          columns: concatHistories(everyMs, fn, fields, [cached.columns, more]),
          text: cached.text && joinColumnTexts(cached.text, columnTexts(more)),
        };
      });
    }
    return slice(entry, range);
  }

  /**
   * Forgets what this process has cached of minutes that points written here fall in (a late point, a replayed
   * write), and does not keep what reads under way bring of them, so a read after a write sees it. Other processes'
   * writes show after at most `cacheMs`.
   */
  forgetWritten(points: readonly { robotId: string; measurement: string; time: Date }[]): void {
    this.covered.forgetWritten(points);
    if (this.cache.size === 0 && this.filling.size === 0) return;
    let end = -Infinity;
    for (const entry of this.cache.values()) end = Math.max(end, entry.range.to);
    for (const fill of this.filling.values()) end = Math.max(end, fill.range.to);
    const earliest = new Map<string, number>();
    for (const p of points) {
      const time = p.time.getTime();
      // Live points come after every cached bucket: only older ones can touch one.
      if (!(time < end)) continue;
      const series = `${p.robotId}\0${p.measurement}`;
      if (!(time >= (earliest.get(series) ?? Infinity))) earliest.set(series, time);
    }
    if (earliest.size === 0) return;
    for (const [key, entry] of this.cache) {
      const time = earliest.get(entry.series);
      if (time !== undefined && time < entry.range.to) this.forget(key);
    }
    for (const fill of this.filling.values()) {
      const time = earliest.get(fill.series);
      if (time !== undefined && time < fill.range.to) fill.stale = true;
    }
  }

  /** The cached entry of `key` if it is fresh and `range` starts inside it. */
  private usable(key: string, range: TimeRange): CachedColumns | undefined {
    const cached = this.cache.get(key);
    return cached &&
      this.now() - cached.readAt < this.cacheMs &&
      cached.range.from <= range.from &&
      range.from < cached.range.to
      ? cached
      : undefined;
  }

  /** Reads the buckets of `range` and keeps them, unless a write here touched them meanwhile. */
  private async fill(
    key: string,
    series: string,
    range: TimeRange,
    readAt: number,
    fetch: () => Promise<Pick<CachedColumns, 'columns' | 'text'>>,
  ): Promise<CachedColumns> {
    let settle = () => {};
    const fill: Filling = { series, range, stale: false, done: new Promise<void>((resolve) => (settle = resolve)) };
    this.filling.set(key, fill);
    try {
      const entry: CachedColumns = { series, range, readAt, ...(await fetch()) };
      if (!fill.stale) this.remember(key, entry);
      return entry;
    } finally {
      if (this.filling.get(key) === fill) this.filling.delete(key);
      settle();
    }
  }

  private async fetch(read: RollupRead, range: TimeRange): Promise<Pick<HistoryResult, 'times' | 'values'>> {
    const { rows } = await rollupStatement(read.query, read.fn, read.fields, range).execute(this.db);
    return bucketRollups(read.fn, read.fields, read.everyMs, rows[0] ?? { f: null, t: null, v: null, w: null });
  }

  /** Keeps an entry, newest last, dropping the oldest while over the bucket budget. */
  private remember(key: string, entry: CachedColumns): void {
    this.forget(key);
    const size = entry.columns.times.length * (1 + Object.keys(entry.columns.values).length);
    if (size > this.cacheBuckets) return;
    this.cache.set(key, entry);
    this.cachedBuckets += size;
    for (const [oldest] of this.cache) {
      if (this.cachedBuckets <= this.cacheBuckets) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const entry = this.cache.get(key);
    if (!entry) return;
    this.cachedBuckets -= entry.columns.times.length * (1 + Object.keys(entry.columns.values).length);
    this.cache.delete(key);
  }
}
