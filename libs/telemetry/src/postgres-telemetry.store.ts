import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';
import { readHistory } from './postgres-telemetry.history';
import {
  rollupNumberSql,
  minuteAggregates,
  parseSeriesKey,
  preparePoints,
  tagFilter,
  type PointRow,
} from './postgres-telemetry.points';
import { RollupHistory } from './rollups/rollup-history';
import { lateBuckets, markRollups } from './rollups/rollup-tiers';
import { dayStart, rawRetentionStart, TelemetryPartitions, type PartitionMaintenance } from './telemetry-partitions';
import type {
  FieldValue,
  HistoryQuery,
  HistoryResult,
  LatestPoint,
  Measurement,
  TelemetryPoint,
  TelemetryStore,
} from './telemetry-store';

export { parseSeriesKey, seriesKey } from './postgres-telemetry.points';

/** Points per INSERT statement; one write of any size is still one transaction. */
const CHUNK = 5_000;
/**
 * Writers lock stripes of series (pg_advisory_xact_lock(class, stripe)) so that two transactions never compute the
 * rollup of one minute from different views of its raw points. Striping bounds the locks one write takes.
 */
const LOCK_CLASS = 0x54454c45;
const LOCK_STRIPES = 64;

/** FNV-1a, to spread series over the lock stripes. */
function stripe(row: PointRow): number {
  let hash = 0x811c9dc5;
  for (const text of [row.robotId, row.measurement, row.series]) {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ 0xff, 0x01000193);
  }
  return (hash >>> 0) % LOCK_STRIPES;
}

export interface PostgresTelemetryOptions {
  /** Days of raw points kept before the current UTC day (`config.telemetry.rawRetentionDays`). */
  rawRetentionDays: number;
  /** The clock; tests pass their own. */
  now?: () => Date;
  /** How long buckets read from the rollups are reused (see `RollupHistoryOptions.cacheMs`). */
  historyCacheMs?: number;
}

/**
 * The {@link TelemetryStore} on plain PostgreSQL: raw points in daily partitions of `telemetry_points` kept for
 * `rawRetentionDays` days before today (UTC), and 1-minute rollups of every numeric field in `telemetry_rollups`,
 * kept indefinitely and updated in the same transaction as the points.
 *
 * Writes are idempotent: a point with the same robot, series and time replaces the stored one field by field
 * (fields it does not carry are kept, as InfluxDB does). A series' minute that only gains new points has its rollups
 * added to; a minute where a point was replaced has them recomputed from its raw points, so redelivery never counts
 * twice. A point older than the raw retention is rejected, never dropped: the whole write fails with an
 * {@link InvalidInputError} whose issues name each such point (`points[3].time`), so the caller can set them aside
 * and write the rest. A point on a day without a partition (far ahead, or late but within retention) gets its
 * partition created on demand.
 *
 * Call {@link maintain} periodically (hourly): it creates partitions ahead and drops those past retention.
 *
 * @example
 * const store = new PostgresTelemetryStore(db, { rawRetentionDays: config.telemetry.rawRetentionDays });
 * await store.prepare();
 * await store.write([{ measurement: 'battery_status', robotId: 'tonypi_01', fields: { percentage: 80 }, time }]);
 */
export class PostgresTelemetryStore implements TelemetryStore {
  readonly target = 'postgres';
  private readonly partitions: TelemetryPartitions;
  private readonly rollups: RollupHistory;
  private readonly now: () => Date;
  /** Days known to have a partition, so a write checks the catalog only for a new day. */
  private readonly partitionDays = new Set<number>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: PostgresTelemetryOptions,
  ) {
    if (!Number.isSafeInteger(options.rawRetentionDays) || options.rawRetentionDays < 1)
      throw new Error(`rawRetentionDays must be a whole number of days >= 1, got ${options.rawRetentionDays}`);
    this.partitions = new TelemetryPartitions(db);
    this.now = options.now ?? (() => new Date());
    this.rollups = new RollupHistory(db, { cacheMs: options.historyCacheMs, now: () => this.now().getTime() });
  }

  async prepare(): Promise<void> {
    await this.maintain(this.now());
  }

  /** Creates the partitions from yesterday to two days after `now` (UTC) and drops those past retention. */
  async maintain(now: Date): Promise<PartitionMaintenance> {
    const result = await this.partitions.maintain(now, this.options.rawRetentionDays);
    this.partitionDays.clear();
    for (const day of await this.partitions.days()) this.partitionDays.add(day);
    return result;
  }

  async write(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    const rows = preparePoints(points, this.keepFrom());
    try {
      await this.ensurePartitions(rows);
      try {
        await this.insert(rows);
      } catch (error) {
        // Someone dropped a partition this process thought was there: look again and retry once.
        if ((error as { code?: string }).code !== '23514') throw error;
        this.partitionDays.clear();
        await this.ensurePartitions(rows);
        await this.insert(rows);
      }
      this.rollups.forgetWritten(points);
    } catch (error) {
      throw new Error(`cannot write ${rows.length} telemetry points: ${(error as Error).message}`, { cause: error });
    }
  }

  async latest(
    robotId: string,
    measurement: Measurement,
    tags?: Readonly<Record<string, string>>,
  ): Promise<LatestPoint[]> {
    // A loose index scan: one probe per series and partition instead of reading every point of the robot.
    const { rows } = await sql<{ series: string; time: Date; fields: Record<string, FieldValue> }>`
      WITH RECURSIVE known AS (
        (SELECT p.series FROM telemetry_points p
          WHERE p.robot_id = ${robotId} AND p.measurement = ${measurement} ORDER BY p.series LIMIT 1)
        UNION ALL
        SELECT (SELECT p.series FROM telemetry_points p
          WHERE p.robot_id = ${robotId} AND p.measurement = ${measurement} AND p.series > known.series
          ORDER BY p.series LIMIT 1)
        FROM known WHERE known.series IS NOT NULL
      )
      SELECT newest.series, newest.time, newest.fields
      FROM known
      CROSS JOIN LATERAL (
        SELECT p.series, p.time, p.fields FROM telemetry_points p
        WHERE p.robot_id = ${robotId} AND p.measurement = ${measurement} AND p.series = known.series
        ORDER BY p.time DESC LIMIT 1
      ) AS newest
      WHERE known.series IS NOT NULL ${tagFilter('known.series', tags)}`.execute(this.db);
    return rows.map((r) => ({ tags: parseSeriesKey(r.series), fields: r.fields, time: r.time }));
  }

  /**
   * Whole minutes come from the rollups, partial ones from raw points. A range reaching past the raw retention is
   * answered in buckets of whole minutes (`everyMs` in the result says which width was used).
   */
  async history(query: HistoryQuery): Promise<HistoryResult> {
    return readHistory(this.db, this.rollups, query, this.keepFrom());
  }

  async robotsSeen(from: Date, to: Date): Promise<string[]> {
    if (to.getTime() <= from.getTime()) return [];
    // Candidates come from a loose scan of the partitions overlapping the range (whole days, so every row in them
    // qualifies and each step stops at its first entry); each candidate is then checked against the exact range.
    const daysFrom = new Date(dayStart(from.getTime()));
    const daysTo = new Date(dayStart(to.getTime() - 1) + 86_400_000);
    const { rows } = await sql<{ robot_id: string }>`
      WITH RECURSIVE robots AS (
        (SELECT p.robot_id FROM telemetry_points p
          WHERE p.time >= ${daysFrom} AND p.time < ${daysTo} ORDER BY p.robot_id LIMIT 1)
        UNION ALL
        SELECT (SELECT p.robot_id FROM telemetry_points p
          WHERE p.time >= ${daysFrom} AND p.time < ${daysTo} AND p.robot_id > robots.robot_id
          ORDER BY p.robot_id LIMIT 1)
        FROM robots WHERE robots.robot_id IS NOT NULL
      )
      SELECT robots.robot_id FROM robots
      -- LATERAL with LIMIT, not EXISTS: the planner would turn EXISTS into a scan of the whole partition.
      CROSS JOIN LATERAL (
        SELECT 1 FROM telemetry_points p
        WHERE p.robot_id = robots.robot_id AND p.time >= ${from} AND p.time < ${to} LIMIT 1
      ) AS hit
      WHERE robots.robot_id IS NOT NULL
      ORDER BY robots.robot_id COLLATE "C"`.execute(this.db);
    return rows.map((r) => r.robot_id);
  }

  async ping(): Promise<Record<string, unknown>> {
    return { partitions: await this.partitions.count() };
  }

  private keepFrom(): number {
    return rawRetentionStart(this.now(), this.options.rawRetentionDays);
  }

  private async ensurePartitions(rows: readonly PointRow[]): Promise<void> {
    const missing = new Set<number>();
    for (const row of rows) {
      const day = dayStart(row.time);
      if (!this.partitionDays.has(day)) missing.add(day);
    }
    if (missing.size === 0) return;
    for (const day of await this.partitions.days()) this.partitionDays.add(day);
    for (const day of missing) {
      if (this.partitionDays.has(day)) continue;
      await this.partitions.create(day);
      this.partitionDays.add(day);
    }
  }

  private async insert(rows: readonly PointRow[]): Promise<void> {
    const stripes = [...new Set(rows.map(stripe))].sort((a, b) => a - b);
    await this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, s) FROM unnest(${stripes}::int[]) AS s`.execute(trx);
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const { minutes, minuteOf, aggregates } = minuteAggregates(chunk);
        const points = JSON.stringify(
          chunk.map((r, j) => [r.robotId, r.measurement, r.series, r.time, r.fields, minuteOf[j]]),
        );
        // Points and rollups in one statement. The rollups of a series' minute all of whose points are new are
        // added to; a minute where a point replaced a stored one is returned, and recomputed from raw points below.
        const { rows: stale } = await sql<{ k: number }>`
          WITH input AS (
            SELECT r->>0 AS robot_id, r->>1 AS measurement, r->>2 AS series,
              timestamptz 'epoch' + (r->>3)::bigint * interval '1 millisecond' AS time, r->4 AS fields, (r->>5)::int AS k
            FROM jsonb_array_elements(${points}::jsonb) AS r
          ),
          stale AS (
            SELECT DISTINCT i.k FROM input i JOIN telemetry_points p
              ON p.robot_id = i.robot_id AND p.measurement = i.measurement AND p.series = i.series AND p.time = i.time
          ),
          points AS (
            INSERT INTO telemetry_points AS p (robot_id, measurement, series, time, fields)
            SELECT robot_id, measurement, series, time, fields FROM input
            ON CONFLICT (robot_id, measurement, series, time) DO UPDATE SET fields = p.fields || EXCLUDED.fields
          ),
          rollups AS (
            INSERT INTO telemetry_rollups AS r
              (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time)
            SELECT a->>1, a->>2, a->>3, a->>4, timestamptz 'epoch' + (a->>5)::bigint * interval '1 millisecond',
              (a->>6)::int, (a->>7)::float8, (a->>8)::float8, (a->>9)::float8, (a->>10)::float8,
              timestamptz 'epoch' + (a->>11)::bigint * interval '1 millisecond'
            FROM jsonb_array_elements(${JSON.stringify(aggregates)}::jsonb) AS a
            WHERE (a->>0)::int NOT IN (SELECT k FROM stale)
            ON CONFLICT (robot_id, measurement, field, series, bucket) DO UPDATE SET
              count = r.count + EXCLUDED.count,
              sum = r.sum + EXCLUDED.sum,
              min = LEAST(r.min, EXCLUDED.min),
              max = GREATEST(r.max, EXCLUDED.max),
              last = CASE WHEN EXCLUDED.last_time > r.last_time THEN EXCLUDED.last ELSE r.last END,
              last_time = GREATEST(r.last_time, EXCLUDED.last_time)
          )
          SELECT k FROM stale`.execute(trx);
        if (stale.length > 0) {
          const rewritten = stale.map(({ k }) => {
            const m = minutes[k];
            return { ...m, minute: new Date(m.minute).toISOString() };
          });
          await this.recomputeRollups(trx, JSON.stringify(rewritten));
        }
      }
      // Hours the hourly tier may have rolled already are rolled again (see rollup-tiers.ts).
      await markRollups(trx, lateBuckets('hour', rows, this.now().getTime()));
    });
  }

  /** Replaces the rollups of the given minutes of series by aggregates of their raw points. */
  private async recomputeRollups(trx: Kysely<DB>, minutes: string): Promise<void> {
    const target = sql`jsonb_to_recordset(${minutes}::jsonb)
      AS d("robotId" text, measurement text, series text, minute timestamptz)`;
    await sql`
      DELETE FROM telemetry_rollups AS r USING ${target}
      WHERE r.robot_id = d."robotId" AND r.measurement = d.measurement AND r.series = d.series
        AND r.bucket = d.minute`.execute(trx);
    await sql`
      INSERT INTO telemetry_rollups (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time)
      SELECT d."robotId", d.measurement, d.series, f.key, d.minute, count(*), sum(f.v), min(f.v), max(f.v),
        (array_agg(f.v ORDER BY p.time DESC))[1], max(p.time)
      FROM ${target}
      JOIN telemetry_points p ON p.robot_id = d."robotId" AND p.measurement = d.measurement
        AND p.series = d.series AND p.time >= d.minute AND p.time < d.minute + interval '1 minute'
      CROSS JOIN LATERAL (
        SELECT key, ${rollupNumberSql('value')} AS v FROM jsonb_each(p.fields)
        WHERE jsonb_typeof(value) IN ('number', 'boolean')
      ) AS f
      GROUP BY d."robotId", d.measurement, d.series, f.key, d.minute`.execute(trx);
  }
}
