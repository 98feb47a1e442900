import { InvalidInputError, type FieldIssue } from '@fleet/contracts';
import { InfluxError, type InfluxHttp, type InfluxSeries } from './influx-http';
import { influxqlIdentifier, influxqlString } from './influxql';
import { LineProtocolError, storedName, toLineProtocol } from './line-protocol';
import {
  minuteRollupStatement,
  parseFieldKeys,
  parseMinuteRollups,
  type InfluxField,
  type MinuteRollup,
} from './rollups/influx-rollups';

export { influxqlIdentifier, influxqlString } from './influxql';
import { lateBuckets, type RollupMark } from './rollups/rollup-tiers';
import { checkHistoryQuery, concatHistories, emptyHistory } from './history-query';
import { splitHistory, type RollupHistory } from './rollups/rollup-history';
import { MINUTE_MS } from './rollups/rollup-tiers';
import {
  autoWindowMs,
  MEASUREMENTS,
  type Aggregation,
  type FieldValue,
  type HistoryQuery,
  type HistoryResult,
  type LatestPoint,
  type Measurement,
  type TelemetryPoint,
  type TelemetryStore,
} from './telemetry-store';

export interface InfluxTelemetryOptions {
  /** `INFLUX_DATABASE`: the 1.x database, the 2.x database a DBRP mapping names, or the 3.x database. */
  database: string;
  /** `INFLUX_RETENTION`: duration of the retention policy created with the database (`7d`, `48h`, `INF`). */
  retention?: string;
  /** Lines per `/write` request. Default 5,000. */
  batchLines?: number;
  /** Characters per `/write` request before compression, so long strings cannot outgrow the server's limit. */
  batchChars?: number;
  /** `/write` requests in flight at once for this store. Default 2. */
  maxConcurrentWrites?: number;
  /** The clock, for the retention check and late points; tests pass their own. */
  now?: () => Date;
  /**
   * Told, once a write is stored, of the minutes it wrote to after they may have been rolled up, so they are rolled
   * again (`markRollups`); a rejection fails the write, which is safe to repeat.
   */
  onLateMinutes?: (marks: RollupMark[]) => Promise<void>;
  /**
   * Fleet's 1-minute rollups of this store's points: histories in whole minutes read the buckets they cover from
   * there and only the rest from InfluxDB. Without them, every history reads raw points.
   */
  rollups?: RollupHistory;
}

/** The retention policy {@link InfluxTelemetryStore.prepare} creates with the database. */
export const RETENTION_POLICY = 'fleet_default';

const DEFAULT_BATCH_LINES = 5_000;
const DEFAULT_BATCH_CHARS = 4 * 1024 * 1024;
const DEFAULT_CONCURRENT_WRITES = 2;
const ISSUES_IN_MESSAGE = 10;
const KNOWN_MEASUREMENTS: ReadonlySet<string> = new Set(MEASUREMENTS);

function timeLiteral(time: Date): string {
  return `${time.getTime()}ms`;
}

function tagConditions(robotId: string, tags: Readonly<Record<string, string>> = {}): string {
  const conditions = [`"robot_id" = ${influxqlString(robotId)}`];
  for (const [key, value] of Object.entries(tags))
    conditions.push(`${influxqlIdentifier(key)} = ${influxqlString(value)}`);
  return conditions.join(' AND ');
}

/**
 * InfluxQL for the latest point of each series. `SELECT last(*)` would not do: it answers per field, stamped with
 * the start of the range, and mixes points; a raw query ordered newest first with `LIMIT 1` per series gives whole
 * points with their own time.
 */
export function latestStatement(
  robotId: string,
  measurement: Measurement,
  tags?: Readonly<Record<string, string>>,
): string {
  return (
    `SELECT * FROM ${influxqlIdentifier(measurement)} WHERE ${tagConditions(robotId, tags)} ` +
    'GROUP BY * ORDER BY time DESC LIMIT 1'
  );
}

/** InfluxQL for aggregated history; InfluxDB aligns `GROUP BY time` buckets to the Unix epoch. */
export function historyStatement(
  query: HistoryQuery,
  fields: readonly string[],
  everyMs: number,
  fn: Aggregation,
  range: { from: number; to: number } = { from: query.from.getTime(), to: query.to.getTime() },
): string {
  const selected = fields.map((field) => `${fn}(${influxqlIdentifier(field)})`).join(', ');
  return (
    `SELECT ${selected} FROM ${influxqlIdentifier(query.measurement)} ` +
    `WHERE ${tagConditions(query.robotId, query.tags)} ` +
    `AND time >= ${range.from}ms AND time < ${range.to}ms ` +
    `GROUP BY time(${everyMs}ms) fill(none)`
  );
}

/**
 * InfluxQL naming the robots with a point in a range, one statement per measurement. `SHOW TAG VALUES` would be
 * cheaper but InfluxDB 1.x ignores a time condition on it; a raw query with `LIMIT 1` per robot reads one point of
 * each. One statement per measurement, because `FROM /.*\/` leaves out measurements whose fields clash in type.
 */
export function robotsSeenStatement(from: Date, to: Date): string {
  return MEASUREMENTS.map(
    (m) =>
      `SELECT * FROM ${influxqlIdentifier(m)} WHERE time >= ${timeLiteral(from)} AND time < ${timeLiteral(to)} ` +
      'GROUP BY "robot_id" LIMIT 1',
  ).join('; ');
}

/** A Go duration as InfluxDB prints it (`168h0m0s`, `0s`) in milliseconds; 0 means infinite. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!match) throw new Error(`not a duration: ${JSON.stringify(text)}`);
    total += Number(match[1]) * (units[match[2]] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}

function invalid(what: string, issues: FieldIssue[]): InvalidInputError {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${i.path} ${i.message}`);
  if (issues.length > ISSUES_IN_MESSAGE) shown.push(`and ${issues.length - ISSUES_IN_MESSAGE} more`);
  return new InvalidInputError(`${what}: ${shown.join('; ')}`, issues);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

function checkRange(from: Date, to: Date): void {
  const issues: FieldIssue[] = [];
  if (!isValidDate(from)) issues.push({ path: 'from', message: 'must be a valid date' });
  if (!isValidDate(to)) issues.push({ path: 'to', message: 'must be a valid date' });
  if (issues.length > 0) throw invalid('invalid time range', issues);
}

const RETENTION_UNITS_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `INFLUX_RETENTION` (`7d`, `48h`, `INF`) in milliseconds; null for `INF`. */
export function retentionMs(retention: string): number | null {
  const text = normalisedRetention(retention);
  if (text === 'INF') return null;
  return Number(text.slice(0, -1)) * RETENTION_UNITS_MS[text.slice(-1)];
}

function normalisedRetention(retention: string): string {
  if (/^inf$/i.test(retention)) return 'INF';
  if (!/^\d+[wdhm]$/i.test(retention))
    throw new Error(`retention must be a duration like '7d', '48h' or 'INF', got ${JSON.stringify(retention)}`);
  return retention.toLowerCase();
}

/** Limits how many tasks run at once. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * The {@link TelemetryStore} on InfluxDB, over the v1-compatible HTTP API (line protocol on `/write`, InfluxQL on
 * `/query`), which InfluxDB 1.x serves natively and 2.x and 3.x serve for compatibility.
 *
 * - Writes go in batches of up to 5,000 lines, gzip-compressed, with millisecond precision, at most two requests at
 *   a time per store (InfluxDB 1.x answers 500 to many concurrent small writes). HTTP 5xx, 429 and unanswered
 *   requests are retried with backoff, which is safe because a point written again only overwrites itself; a batch
 *   that still fails rejects the write with an {@link InfluxError} naming the server and status. A 4xx (a field
 *   type conflict, a parse error) rejects with the server's message. A rejected write may have stored some of its
 *   batches (InfluxDB 1.x also stores the valid points of a batch it answers "partial write"): writing it again is
 *   harmless.
 * - Points InfluxDB cannot store are refused before anything is sent, with an {@link InvalidInputError} naming
 *   each (`points[3].fields.value must be a finite number`), as the Postgres store does: NaN and ±Infinity, empty
 *   ids, keys and tag values, the reserved key `time`, and points older than the database's retention policy
 *   (learnt by {@link prepare}; InfluxDB would drop them). Names are stored as described in `line-protocol.ts`.
 * - Numbers are always stored as floats, so a field never changes type.
 *
 * Configuration by server version:
 * - **InfluxDB 1.x**: `INFLUX_URL=http://influxdb:8086`, `INFLUX_DATABASE=robot_metrics`, and `INFLUX_USERNAME` /
 *   `INFLUX_PASSWORD` when authentication is on (the user needs the right to create the database, or create it and
 *   grant WRITE and READ). {@link prepare} creates the database with a default retention policy `fleet_default` of
 *   `INFLUX_RETENTION` (default `7d`) if it is missing; an existing database and its retention policies are left
 *   as they are.
 * - **InfluxDB 2.x**: `INFLUX_TOKEN` = an API token with read and write access to the bucket. Create the bucket
 *   with its retention, then map it for the v1 API:
 *   `influx v1 dbrp create --db robot_metrics --rp fleet_default --bucket-id <id> --default`, and set
 *   `INFLUX_DATABASE` to the mapped database name. 2.x does not create databases through InfluxQL: the database must
 *   exist (be mapped) before Fleet starts. `INFLUX_RETENTION` is not used (the bucket's retention applies).
 * - **InfluxDB 3.x** (Core, Enterprise, Cloud Dedicated/Serverless): `INFLUX_TOKEN` = a database token, and
 *   `INFLUX_DATABASE` = the database (the bucket, on Cloud Serverless). Create it first
 *   (`influxdb3 create database robot_metrics --retention-period 7d`) so that the check in {@link prepare} finds it;
 *   `INFLUX_RETENTION` is not used.
 *
 * @example
 * const store = new InfluxTelemetryStore(new InfluxHttp({ url: 'http://127.0.0.1:8086' }), { database: 'robot_metrics' });
 * await store.prepare();
 * await store.write([{ measurement: 'battery_status', robotId: 'tonypi_01', fields: { percentage: 80 }, time }]);
 */
export class InfluxTelemetryStore implements TelemetryStore {
  readonly target: string;
  private readonly database: string;
  private readonly retention: string;
  private readonly batchLines: number;
  private readonly batchChars: number;
  private readonly slots: Slots;
  private readonly now: () => Date;
  private readonly onLateMinutes?: (marks: RollupMark[]) => Promise<void>;
  private readonly rollups?: RollupHistory;
  /** The default retention policy once {@link prepare} has read it (`ms` 0 keeps points forever). */
  private retentionPolicy?: { name: string; duration: string; ms: number };

  constructor(
    private readonly http: InfluxHttp,
    options: InfluxTelemetryOptions,
  ) {
    if (!options.database) throw new Error('database must be a non-empty name');
    this.database = options.database;
    this.retention = normalisedRetention(options.retention ?? '7d');
    this.batchLines = options.batchLines ?? DEFAULT_BATCH_LINES;
    this.batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
    this.slots = new Slots(options.maxConcurrentWrites ?? DEFAULT_CONCURRENT_WRITES);
    this.now = options.now ?? (() => new Date());
    this.onLateMinutes = options.onLateMinutes;
    this.rollups = options.rollups;
    this.target = `${http.target} (database ${this.database})`;
  }

  async prepare(): Promise<void> {
    if (!(await this.databaseExists())) {
      try {
        await this.http.query(
          `CREATE DATABASE ${influxqlIdentifier(this.database)} WITH DURATION ${this.retention} ` +
            `NAME ${influxqlIdentifier(RETENTION_POLICY)}`,
          { method: 'POST' },
        );
      } catch (error) {
        // Another process may have created it meanwhile, with other settings: that is not a failure.
        if (!(await this.databaseExists())) {
          throw new Error(
            `InfluxDB at ${this.http.target} has no database "${this.database}" and cannot create it ` +
              `(${(error as Error).message}). On InfluxDB 2.x create a bucket and a DBRP mapping for ` +
              `"${this.database}"; on 3.x create the database.`,
            { cause: error },
          );
        }
      }
    }
    this.retentionPolicy = await this.defaultRetentionPolicy();
  }

  /**
   * The server's version and, once prepared, the retention in force: for a database that existed before, it may
   * differ from `INFLUX_RETENTION`.
   */
  async ping(): Promise<Record<string, unknown>> {
    const { version } = await this.http.ping();
    const policy = this.retentionPolicy;
    return {
      database: this.database,
      version,
      ...(policy && { retentionPolicy: policy.name, retention: policy.ms === 0 ? 'INF' : policy.duration }),
    };
  }

  async write(points: readonly TelemetryPoint[]): Promise<void> {
    const batches = this.toBatches(points);
    const outcomes = await Promise.allSettled(
      batches.map((lines) => this.slots.run(() => this.http.write(this.database, lines))),
    );
    // Even a failed write may have stored points.
    this.rollups?.forgetWritten(points);
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    const [first] = failures;
    if (!first) {
      const late = this.onLateMinutes && lateBuckets('minute', points, this.now().getTime());
      if (late && late.length > 0) {
        await this.onLateMinutes?.(late);
        // What was read between the write and its marks is read again.
        this.rollups?.forgetWritten(points);
      }
      return;
    }
    if (batches.length === 1) throw first;
    throw new InfluxError(
      `${failures.length} of ${batches.length} batches of ${points.length} points failed: ${first.message}`,
      first instanceof InfluxError ? first.status : undefined,
      first instanceof InfluxError ? first.retriable : false,
      { cause: first },
    );
  }

  async latest(
    robotId: string,
    measurement: Measurement,
    tags?: Readonly<Record<string, string>>,
  ): Promise<LatestPoint[]> {
    const [result] = await this.http.query(latestStatement(robotId, measurement, tags), { database: this.database });
    return (result?.series ?? []).flatMap((series) => {
      const row = series.values?.[0];
      return row ? [latestPoint(series, row)] : [];
    });
  }

  /**
   * Buckets of whole minutes come from Fleet's rollups where they cover them (see {@link InfluxTelemetryOptions.rollups});
   * the rest, and every other width, from raw points.
   */
  async history(query: HistoryQuery): Promise<HistoryResult> {
    const { fn, fields } = checkHistoryQuery(query);
    const everyMs = query.everyMs ?? autoWindowMs(query.from, query.to);
    const from = query.from.getTime();
    const to = query.to.getTime();
    if (to <= from) return emptyHistory(everyMs, fn, fields);
    const rollups = this.rollups;
    const covered =
      rollups && everyMs % MINUTE_MS === 0 ? await rollups.coverage(query.robotId, query.measurement, from, to) : null;
    const split = splitHistory(from, to, everyMs, covered);
    const [rolled, raw] = await Promise.all([
      split.rollups && rollups ? rollups.read({ query, fn, fields, everyMs }, split.rollups) : null,
      this.rawHistory(query, fn, fields, everyMs, split.raw),
    ]);
    const head = raw.filter((part) => part.from < (split.rollups?.from ?? Infinity));
    const tail = raw.filter((part) => part.from >= (split.rollups?.to ?? Infinity));
    return concatHistories(everyMs, fn, fields, [...head, ...(rolled ? [rolled] : []), ...tail]);
  }

  /** The buckets of each range from raw points, in one request. */
  private async rawHistory(
    query: HistoryQuery,
    fn: Aggregation,
    fields: readonly string[],
    everyMs: number,
    ranges: readonly { from: number; to: number }[],
  ): Promise<(Pick<HistoryResult, 'times' | 'values'> & { from: number })[]> {
    if (ranges.length === 0) return [];
    // InfluxQL takes one time range per statement: one statement per range.
    const statement = ranges.map((range) => historyStatement(query, fields, everyMs, fn, range)).join('; ');
    const results = await this.http.query(statement, { database: this.database });
    return ranges.map((range, i) => {
      const rows = results[i]?.series?.[0]?.values ?? [];
      return {
        from: range.from,
        times: rows.map((row) => row[0] as number),
        values: Object.fromEntries(
          fields.map((field, f) => [
            field,
            rows.map((row) => (typeof row[f + 1] === 'number' ? (row[f + 1] as number) : null)),
          ]),
        ),
      };
    });
  }

  async robotsSeen(from: Date, to: Date): Promise<string[]> {
    checkRange(from, to);
    if (to.getTime() <= from.getTime()) return [];
    const results = await this.http.query(robotsSeenStatement(from, to), { database: this.database });
    const seen = new Set<string>();
    for (const result of results)
      for (const series of result.series ?? []) {
        const robotId = series.tags?.robot_id;
        if (robotId) seen.add(robotId);
      }
    return [...seen].sort();
  }

  /**
   * The 1-minute aggregates of every numeric and boolean field over whole minutes `from`..`to` (epoch ms), from the
   * raw points, for the rollup tiers; only of `measurements` and `robotIds` when given.
   */
  async rollMinutes(
    from: number,
    to: number,
    only: { measurements?: readonly Measurement[]; robotIds?: readonly string[] } = {},
  ): Promise<MinuteRollup[]> {
    const measurements = only.measurements ?? MEASUREMENTS;
    const [keys] = await this.http.query(
      `SHOW FIELD KEYS FROM ${measurements.map((m) => influxqlIdentifier(m)).join(', ')}`,
      { database: this.database },
    );
    const fieldsOf = new Map<string, InfluxField[]>();
    for (const series of keys?.series ?? []) fieldsOf.set(series.name, parseFieldKeys({ series: [series] }));
    const rollups: MinuteRollup[] = [];
    for (const measurement of measurements) {
      const fields = fieldsOf.get(storedName(measurement)) ?? [];
      const statement = minuteRollupStatement(measurement, fields, from, to, only.robotIds);
      if (!statement) continue;
      const results = await this.http.query(statement, { database: this.database });
      rollups.push(...parseMinuteRollups(measurement, fields, results));
    }
    return rollups;
  }

  /** Line protocol in request-sized batches; throws for points that cannot be stored, before anything is sent. */
  private toBatches(points: readonly TelemetryPoint[]): string[][] {
    const issues: FieldIssue[] = [];
    const keepFor = this.retentionPolicy?.ms;
    const keepFrom = keepFor ? this.now().getTime() - keepFor : -Infinity;
    const batches: string[][] = [];
    let lines: string[] = [];
    let chars = 0;
    points.forEach((point, i) => {
      try {
        if (!KNOWN_MEASUREMENTS.has(point.measurement))
          throw new LineProtocolError('measurement', `must be one of ${MEASUREMENTS.join(', ')}`);
        const line = toLineProtocol(point);
        if (point.time.getTime() < keepFrom) {
          const oldest = new Date(keepFrom).toISOString();
          throw new LineProtocolError(
            'time',
            `is older than the retention policy (points before ${oldest} are not kept)`,
          );
        }
        if (lines.length >= this.batchLines || (lines.length > 0 && chars + line.length > this.batchChars)) {
          batches.push(lines);
          lines = [];
          chars = 0;
        }
        lines.push(line);
        chars += line.length + 1;
      } catch (error) {
        if (!(error instanceof LineProtocolError)) throw error;
        issues.push({ path: `points[${i}].${error.path}`, message: error.reason });
      }
    });
    if (issues.length > 0) throw invalid('telemetry points rejected', issues);
    if (lines.length > 0) batches.push(lines);
    return batches;
  }

  private async databaseExists(): Promise<boolean> {
    const [result] = await this.http.query('SHOW DATABASES');
    return (result?.series ?? []).some((s) => (s.values ?? []).some((row) => row[0] === this.database));
  }

  /** The default retention policy, or undefined where the server does not say (3.x). */
  private async defaultRetentionPolicy(): Promise<{ name: string; duration: string; ms: number } | undefined> {
    try {
      const [result] = await this.http.query(`SHOW RETENTION POLICIES ON ${influxqlIdentifier(this.database)}`);
      const series = result?.series?.[0];
      if (!series) return undefined;
      const column = (name: string) => series.columns.indexOf(name);
      const row = series.values?.find((r) => r[column('default')] === true);
      const name = row?.[column('name')];
      const duration = row?.[column('duration')];
      if (typeof name !== 'string' || typeof duration !== 'string') return undefined;
      return { name, duration, ms: parseGoDuration(duration) };
    } catch {
      // Not every server answers this (InfluxDB 3.x); the server's own check still applies.
      return undefined;
    }
  }
}

function latestPoint(series: InfluxSeries, row: unknown[]): LatestPoint {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(series.tags ?? {}))
    if (key !== 'robot_id' && value !== '') tags[key] = value;
  const fields: Record<string, FieldValue> = {};
  series.columns.forEach((column, i) => {
    const value = row[i];
    if (i > 0 && (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'))
      fields[column] = value;
  });
  return { tags, fields, time: new Date(row[0] as number) };
}
