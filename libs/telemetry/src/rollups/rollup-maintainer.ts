import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '@fleet/database';
import type { Measurement } from '../telemetry-store';
import type { MinuteRollup } from './influx-rollups';
import {
  bucketStart,
  HOUR_MS,
  markRollups,
  MINUTE_MS,
  SETTLE_MS,
  type RollupMark,
  type RollupTier,
} from './rollup-tiers';

/** Where 1-minute rollups are rolled from when the store does not keep them itself (InfluxDB's raw points). */
export interface MinuteRollupSource {
  rollMinutes(
    from: number,
    to: number,
    only?: { measurements?: readonly Measurement[]; robotIds?: readonly string[] },
  ): Promise<MinuteRollup[]>;
}

export interface RollupMaintainerOptions {
  /** Null: the store keeps the 1-minute rollups with its points (Postgres). */
  minutes: MinuteRollupSource | null;
  now: () => Date;
  /** Minutes rolled from the source per transaction (default 10 minutes); a run rolls up to six such chunks. */
  minuteChunkMs?: number;
  /**
   * How far before the clock the minute tier reaches back (default 0): once it has caught up with the clock, each
   * run rolls older minutes, newest first, until the tier starts there. The store's raw retention, so everything
   * the store holds is rolled.
   */
  minuteBackfillMs?: number;
}

/** What one {@link RollupMaintainer.run} did. */
export interface RollupRun {
  /** The watermarks after the run; `minute` is null where the store keeps minutes itself. */
  minuteUntil: Date | null;
  hourUntil: Date | null;
  /** Buckets rolled by the watermark, and marked buckets rolled again. */
  minutesRolled: number;
  hoursRolled: number;
  marksRolled: number;
  /** False when another replica held a tier. */
  complete: boolean;
}

/** Work per transaction, and per run, so one run after a long outage catches up in bounded steps. */
const MINUTE_CHUNK_MS = 10 * MINUTE_MS;
const MINUTE_CHUNKS_PER_RUN = 6;
const HOUR_CHUNK_MS = 6 * HOUR_MS;
const HOUR_CHUNKS_PER_RUN = 4;
const MARKS_PER_RUN = 500;
const INSERT_CHUNK = 5_000;

interface MarkRow {
  robot_id: string;
  measurement: string;
  bucket: Date;
  seq: string;
}

/**
 * Keeps the rollup tiers (see rollup-tiers.ts): rolls 1-minute rollups from the raw points where the store does not
 * keep them (InfluxDB), and the hourly tier from the minutes, each up to its watermark, then the buckets marked by
 * late points. Any number of replicas may run it: each tier is rolled by whichever holds its progress row, and every
 * roll replaces what it rolls, so doing one twice changes nothing.
 *
 * @example
 * const maintainer = new RollupMaintainer(db, { minutes: influxStore, now: () => clock.now() });
 * await maintainer.run(); // every few seconds
 */
export class RollupMaintainer {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: RollupMaintainerOptions,
  ) {}

  /** Whether the store's 1-minute rollups are kept with its points (always current) or rolled here. */
  get minutesLive(): boolean {
    return this.options.minutes === null;
  }

  async run(): Promise<RollupRun> {
    const run: RollupRun = {
      minuteUntil: null,
      hourUntil: null,
      minutesRolled: 0,
      hoursRolled: 0,
      marksRolled: 0,
      complete: true,
    };
    const now = this.options.now().getTime();
    let minuteUntil: number | null = null;
    if (this.options.minutes) {
      const result = await this.rollMinuteTier(this.options.minutes, now, run);
      if (result === null) run.complete = false;
      minuteUntil = result ?? (await this.watermark('minute'));
      run.minuteUntil = minuteUntil === null ? null : new Date(minuteUntil);
    }
    const hourUntil = await this.rollHourTier(now, minuteUntil, run);
    if (hourUntil === null) run.complete = false;
    const hours = hourUntil ?? (await this.watermark('hour'));
    run.hourUntil = hours === null ? null : new Date(hours);
    return run;
  }

  /** Where a tier has been rolled to (epoch ms), or null before its first roll. */
  async watermark(tier: RollupTier): Promise<number | null> {
    const row = await this.db
      .selectFrom('telemetry_rollup_progress')
      .select('rolled_until')
      .where('tier', '=', tier)
      .executeTakeFirst();
    return row ? row.rolled_until.getTime() : null;
  }

  /**
   * Rolls the minutes due (and marked ones) from the source; null when another replica holds the tier. The first
   * run starts at the clock; once caught up, the tier reaches back {@link RollupMaintainerOptions.minuteBackfillMs}.
   */
  private async rollMinuteTier(source: MinuteRollupSource, now: number, run: RollupRun): Promise<number | null> {
    const target = bucketStart('minute', now - SETTLE_MS.minute);
    let until: number | null = null;
    let chunks = 0;
    for (; chunks < MINUTE_CHUNKS_PER_RUN; chunks++) {
      const step = await this.db.transaction().execute(async (trx) => {
        const held = await this.holdTier(trx, 'minute', target);
        if (held === null) return null;
        const from = held.until;
        if (from >= target) return { until: from, done: true };
        const to = Math.min(target, from + (this.options.minuteChunkMs ?? MINUTE_CHUNK_MS));
        const rollups = await source.rollMinutes(from, to);
        await sql`DELETE FROM telemetry_rollups WHERE bucket >= ${new Date(from)} AND bucket < ${new Date(to)}`.execute(
          trx,
        );
        await insertMinutes(trx, rollups);
        await this.advance(trx, 'minute', to);
        run.minutesRolled += (to - from) / MINUTE_MS;
        return { until: to, done: to >= target };
      });
      if (step === null) return null;
      until = step.until;
      if (step.done) break;
    }
    const backfillFrom = bucketStart('minute', now - (this.options.minuteBackfillMs ?? 0));
    for (; chunks < MINUTE_CHUNKS_PER_RUN && until !== null && until >= target; chunks++) {
      const done = await this.db.transaction().execute(async (trx) => {
        const held = await this.holdTier(trx, 'minute', target);
        if (held === null) return null;
        if (held.from <= backfillFrom) return true;
        const from = Math.max(backfillFrom, held.from - (this.options.minuteChunkMs ?? MINUTE_CHUNK_MS));
        const rollups = await source.rollMinutes(from, held.from);
        await sql`
          DELETE FROM telemetry_rollups WHERE bucket >= ${new Date(from)} AND bucket < ${new Date(held.from)}`.execute(
          trx,
        );
        await insertMinutes(trx, rollups);
        // Hours already rolled know nothing of these minutes: they are rolled again.
        await markRollups(trx, hoursOf(rollups));
        await trx
          .updateTable('telemetry_rollup_progress')
          .set({ rolled_from: new Date(from) })
          .where('tier', '=', 'minute')
          .execute();
        run.minutesRolled += (held.from - from) / MINUTE_MS;
        return from <= backfillFrom;
      });
      if (done === null) return null;
      if (done) break;
    }
    const marked = await this.db.transaction().execute(async (trx) => {
      if ((await this.holdTier(trx, 'minute', target)) === null) return null;
      const marks = await takeMarks(trx, 'minute');
      for (const group of groupMarks(marks)) {
        const rollups = await source.rollMinutes(group.from, group.to, {
          measurements: [group.measurement as Measurement],
          robotIds: group.robotIds,
        });
        await sql`
          DELETE FROM telemetry_rollups WHERE measurement = ${group.measurement}
            AND robot_id = ANY(${group.robotIds}::text[])
            AND bucket >= ${new Date(group.from)} AND bucket < ${new Date(group.to)}`.execute(trx);
        await insertMinutes(trx, rollups);
      }
      await clearMarks(trx, 'minute', marks);
      // The hours of these minutes are rolled again too.
      await markRollups(
        trx,
        marks.map((m) => ({
          tier: 'hour',
          robotId: m.robot_id,
          measurement: m.measurement,
          bucket: bucketStart('hour', m.bucket.getTime()),
        })),
      );
      return marks.length;
    });
    if (marked === null) return null;
    run.marksRolled += marked;
    return until;
  }

  /**
   * Rolls the hours due (not past the minute watermark, where minutes are rolled here) and the marked ones; null
   * when another replica holds the tier. The first run starts at the oldest minute rollup.
   */
  private async rollHourTier(now: number, minuteUntil: number | null, run: RollupRun): Promise<number | null> {
    let target = bucketStart('hour', now - SETTLE_MS.hour);
    if (this.options.minutes) target = Math.min(target, bucketStart('hour', minuteUntil ?? now));
    let until: number | null = null;
    for (let chunk = 0; chunk < HOUR_CHUNKS_PER_RUN; chunk++) {
      const step = await this.db.transaction().execute(async (trx) => {
        const held = await this.holdTier(trx, 'hour', target, () => this.oldestMinute(trx));
        if (held === null) return null;
        const from = held.until;
        if (from >= target) return { until: from, done: true };
        const to = Math.min(target, from + HOUR_CHUNK_MS);
        await rollHours(trx, from, to);
        await this.advance(trx, 'hour', to);
        run.hoursRolled += (to - from) / HOUR_MS;
        return { until: to, done: to >= target };
      });
      if (step === null) return null;
      until = step.until;
      if (step.done) break;
    }
    const marked = await this.db.transaction().execute(async (trx) => {
      if ((await this.holdTier(trx, 'hour', target)) === null) return null;
      const marks = await takeMarks(trx, 'hour');
      if (marks.length > 0) await rollMarkedHours(trx, marks);
      await clearMarks(trx, 'hour', marks);
      return marks.length;
    });
    if (marked === null) return null;
    run.marksRolled += marked;
    return until;
  }

  /**
   * Locks the tier's progress row for this transaction and says what it covers (epoch ms); null when another
   * replica holds it. A tier never rolled starts at `start()` (default: `target`).
   */
  private async holdTier(
    trx: Transaction<DB>,
    tier: RollupTier,
    target: number,
    start?: () => Promise<number | null>,
  ): Promise<{ from: number; until: number } | null> {
    const held = async () =>
      (
        await sql<{ rolled_from: Date; rolled_until: Date }>`
          SELECT rolled_from, rolled_until FROM telemetry_rollup_progress
          WHERE tier = ${tier} FOR UPDATE SKIP LOCKED`.execute(trx)
      ).rows[0];
    let row = await held();
    if (!row) {
      const exists = await trx
        .selectFrom('telemetry_rollup_progress')
        .select('tier')
        .where('tier', '=', tier)
        .executeTakeFirst();
      if (exists) return null;
      const first = Math.min(target, (await start?.()) ?? target);
      await trx
        .insertInto('telemetry_rollup_progress')
        .values({ tier, rolled_from: new Date(first), rolled_until: new Date(first) })
        .onConflict((oc) => oc.column('tier').doNothing())
        .execute();
      row = await held();
      if (!row) return null;
    }
    return { from: row.rolled_from.getTime(), until: row.rolled_until.getTime() };
  }

  private async advance(trx: Transaction<DB>, tier: RollupTier, to: number): Promise<void> {
    await trx
      .updateTable('telemetry_rollup_progress')
      .set({ rolled_until: new Date(to), updated_at: new Date(this.options.now().getTime()) })
      .where('tier', '=', tier)
      .execute();
  }

  private async oldestMinute(trx: Transaction<DB>): Promise<number | null> {
    const row = await trx
      .selectFrom('telemetry_rollups')
      .select((eb) => eb.fn.min('bucket').as('oldest'))
      .executeTakeFirst();
    const oldest = row?.oldest as Date | string | null | undefined;
    return oldest ? bucketStart('hour', new Date(oldest).getTime()) : null;
  }
}

/** One mark per robot, measurement and hour of `rollups`. */
function hoursOf(rollups: readonly MinuteRollup[]): RollupMark[] {
  const marks = new Map<string, RollupMark>();
  for (const r of rollups) {
    const bucket = bucketStart('hour', r.bucket);
    marks.set(`${r.robotId}\0${r.measurement}\0${bucket}`, {
      tier: 'hour',
      robotId: r.robotId,
      measurement: r.measurement,
      bucket,
    });
  }
  return [...marks.values()];
}

async function insertMinutes(trx: Transaction<DB>, rollups: readonly MinuteRollup[]): Promise<void> {
  for (let i = 0; i < rollups.length; i += INSERT_CHUNK) {
    const rows = rollups
      .slice(i, i + INSERT_CHUNK)
      .map((r) => [
        r.robotId,
        r.measurement,
        r.series,
        r.field,
        r.bucket,
        r.count,
        r.sum,
        r.min,
        r.max,
        r.last,
        r.lastTime,
      ]);
    await sql`
      INSERT INTO telemetry_rollups (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time)
      SELECT a->>0, a->>1, a->>2, a->>3, timestamptz 'epoch' + (a->>4)::bigint * interval '1 millisecond',
        (a->>5)::int, (a->>6)::float8, (a->>7)::float8, (a->>8)::float8, (a->>9)::float8,
        timestamptz 'epoch' + (a->>10)::bigint * interval '1 millisecond'
      FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) AS a
      ON CONFLICT (robot_id, measurement, field, series, bucket) DO UPDATE SET
        count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
        last = EXCLUDED.last, last_time = EXCLUDED.last_time`.execute(trx);
  }
}

/** The hourly rows of every series, rolled from its minutes in [from, to) (whole UTC hours), replacing any there. */
async function rollHours(trx: Transaction<DB>, from: number, to: number): Promise<void> {
  await sql`DELETE FROM telemetry_rollups_hourly WHERE bucket >= ${new Date(from)} AND bucket < ${new Date(to)}`.execute(
    trx,
  );
  await sql`
    INSERT INTO telemetry_rollups_hourly
      (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time, minutes, min_mean, max_mean)
    SELECT r.robot_id, r.measurement, r.series, r.field, ${HOUR_OF_BUCKET} AS hour, sum(r.count), sum(r.sum),
      min(r.min), max(r.max), (array_agg(r.last ORDER BY r.last_time DESC))[1], max(r.last_time), count(*),
      min(r.sum / r.count), max(r.sum / r.count)
    FROM telemetry_rollups r
    WHERE r.bucket >= ${new Date(from)} AND r.bucket < ${new Date(to)}
    GROUP BY r.robot_id, r.measurement, r.series, r.field, hour`.execute(trx);
}

/** The hour (UTC) of a minute rollup's bucket, whatever the session's time zone. */
const HOUR_OF_BUCKET = sql`to_timestamp(floor(extract(epoch FROM r.bucket) / 3600) * 3600)`;

/** Rolls the marked hours of each robot's measurement again. */
async function rollMarkedHours(trx: Transaction<DB>, marks: readonly MarkRow[]): Promise<void> {
  const target = JSON.stringify(marks.map((m) => [m.robot_id, m.measurement, m.bucket.getTime()]));
  const marked = sql`(SELECT d->>0 AS robot_id, d->>1 AS measurement,
      timestamptz 'epoch' + (d->>2)::bigint * interval '1 millisecond' AS hour
    FROM jsonb_array_elements(${target}::jsonb) AS d)`;
  await sql`
    DELETE FROM telemetry_rollups_hourly h USING ${marked} AS m
    WHERE h.robot_id = m.robot_id AND h.measurement = m.measurement AND h.bucket = m.hour`.execute(trx);
  await sql`
    INSERT INTO telemetry_rollups_hourly
      (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time, minutes, min_mean, max_mean)
    SELECT r.robot_id, r.measurement, r.series, r.field, m.hour, sum(r.count), sum(r.sum),
      min(r.min), max(r.max), (array_agg(r.last ORDER BY r.last_time DESC))[1], max(r.last_time), count(*),
      min(r.sum / r.count), max(r.sum / r.count)
    FROM ${marked} AS m
    JOIN telemetry_rollups r ON r.robot_id = m.robot_id AND r.measurement = m.measurement
      AND r.bucket >= m.hour AND r.bucket < m.hour + interval '1 hour'
    GROUP BY r.robot_id, r.measurement, r.series, r.field, m.hour`.execute(trx);
}

async function takeMarks(trx: Transaction<DB>, tier: RollupTier): Promise<MarkRow[]> {
  return trx
    .selectFrom('telemetry_rollup_marks')
    .select(['robot_id', 'measurement', 'bucket', 'seq'])
    .where('tier', '=', tier)
    .orderBy('bucket')
    .limit(MARKS_PER_RUN)
    .execute();
}

/** Clears the marks read, unless marked again meanwhile (a new `seq`): those are rolled at the next run. */
async function clearMarks(trx: Transaction<DB>, tier: RollupTier, marks: readonly MarkRow[]): Promise<void> {
  if (marks.length === 0) return;
  const read = JSON.stringify(marks.map((m) => [m.robot_id, m.measurement, m.bucket.getTime(), m.seq]));
  await sql`
    DELETE FROM telemetry_rollup_marks m
    USING jsonb_array_elements(${read}::jsonb) AS d
    WHERE m.tier = ${tier} AND m.robot_id = d->>0 AND m.measurement = d->>1
      AND m.bucket = timestamptz 'epoch' + (d->>2)::bigint * interval '1 millisecond' AND m.seq = (d->>3)::bigint`.execute(
    trx,
  );
}

/** Marked minutes of one measurement and hour, with the robots and the span to roll again: one query each. */
export function groupMarks(
  marks: readonly Pick<MarkRow, 'robot_id' | 'measurement' | 'bucket'>[],
): { measurement: string; robotIds: string[]; from: number; to: number }[] {
  const groups = new Map<string, { measurement: string; robots: Set<string>; from: number; to: number }>();
  for (const m of marks) {
    const at = m.bucket.getTime();
    const key = `${m.measurement}\0${bucketStart('hour', at)}`;
    const group = groups.get(key);
    if (!group)
      groups.set(key, { measurement: m.measurement, robots: new Set([m.robot_id]), from: at, to: at + MINUTE_MS });
    else {
      group.robots.add(m.robot_id);
      group.from = Math.min(group.from, at);
      group.to = Math.max(group.to, at + MINUTE_MS);
    }
  }
  return [...groups.values()].map((g) => ({
    measurement: g.measurement,
    robotIds: [...g.robots].sort(),
    from: g.from,
    to: g.to,
  }));
}
