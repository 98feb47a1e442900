import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';

/*
 * Fleet's rollup tiers, the same for both telemetry stores: 1-minute rollups (`telemetry_rollups`) and the hourly
 * tier rolled from them (`telemetry_rollups_hourly`). With the Postgres store the minutes are kept in the same
 * transaction as the points; with InfluxDB they are rolled from its raw points once each minute has settled.
 *
 * A tier is rolled up to a watermark (`telemetry_rollup_progress`), a settling time behind the clock. A point that
 * arrives for a bucket whose settling time may have passed (late data, a write replayed after an outage) marks its
 * bucket (`telemetry_rollup_marks`), and the bucket is rolled again. A point is "late" when its bucket ended at
 * least {@link LATE_GRACE_MS} before its write completed; the watermark waits {@link SETTLE_MS}, longer than that
 * grace plus any skew between the clocks of the writer and the roller, so every point is either rolled by the
 * watermark or marked.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export type RollupTier = 'minute' | 'hour';

export const TIER_MS: Readonly<Record<RollupTier, number>> = { minute: MINUTE_MS, hour: HOUR_MS };

/** A bucket that ended this long before a write completed is late: its points mark it to be rolled again. */
export const LATE_GRACE_MS: Readonly<Record<RollupTier, number>> = { minute: 5_000, hour: 60_000 };

/** How long after a bucket ends it is rolled by the watermark. */
export const SETTLE_MS: Readonly<Record<RollupTier, number>> = { minute: 30_000, hour: 300_000 };

/** Start of the bucket of `tier` holding `ms` (UTC). */
export function bucketStart(tier: RollupTier, ms: number): number {
  return Math.floor(ms / TIER_MS[tier]) * TIER_MS[tier];
}

/** One bucket of one robot's measurement to roll again. */
export interface RollupMark {
  tier: RollupTier;
  robotId: string;
  measurement: string;
  /** Epoch ms of the bucket's start. */
  bucket: number;
}

/**
 * The buckets of `tier` that `points` make late, given the time their write completed (pure).
 *
 * @example
 * lateBuckets('hour', [{ robotId: 'tonypi_01', measurement: 'battery_status', time: Date.parse('2026-01-24T08:59Z') }],
 *   Date.parse('2026-01-24T10:00Z')) // one mark for 08:00
 */
export function lateBuckets(
  tier: RollupTier,
  points: Iterable<{ robotId: string; measurement: string; time: number | Date }>,
  completedAt: number,
): RollupMark[] {
  const size = TIER_MS[tier];
  const lateBefore = completedAt - LATE_GRACE_MS[tier] - size;
  const marks = new Map<string, RollupMark>();
  for (const p of points) {
    const bucket = bucketStart(tier, typeof p.time === 'number' ? p.time : p.time.getTime());
    if (bucket > lateBefore) continue;
    const key = `${p.robotId}\0${p.measurement}\0${bucket}`;
    if (!marks.has(key)) marks.set(key, { tier, robotId: p.robotId, measurement: p.measurement, bucket });
  }
  return [...marks.values()];
}

/**
 * Records marks, once per bucket (a mark already there gets a new `seq`, so a roll under way does not clear it). Rows
 * are written in
 * key order, so two writers marking the same buckets never deadlock.
 */
export async function markRollups(db: Kysely<DB>, marks: readonly RollupMark[]): Promise<void> {
  if (marks.length === 0) return;
  // One row per bucket: a statement may not update the same row twice.
  const unique = new Map(marks.map((m) => [`${m.tier}\0${m.robotId}\0${m.measurement}\0${m.bucket}`, m]));
  const rows = [...unique.values()].sort(
    (a, b) =>
      a.tier.localeCompare(b.tier) ||
      (a.robotId < b.robotId ? -1 : a.robotId > b.robotId ? 1 : 0) ||
      (a.measurement < b.measurement ? -1 : a.measurement > b.measurement ? 1 : 0) ||
      a.bucket - b.bucket,
  );
  await sql`
    INSERT INTO telemetry_rollup_marks AS m (tier, robot_id, measurement, bucket)
    SELECT r->>0, r->>1, r->>2, timestamptz 'epoch' + (r->>3)::bigint * interval '1 millisecond'
    FROM jsonb_array_elements(${JSON.stringify(rows.map((m) => [m.tier, m.robotId, m.measurement, m.bucket]))}::jsonb)
      WITH ORDINALITY AS t(r, n)
    ORDER BY n
    ON CONFLICT (tier, robot_id, measurement, bucket)
    DO UPDATE SET seq = nextval('telemetry_rollup_marks_seq'), marked_at = CURRENT_TIMESTAMP`.execute(db);
}
