import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';

export const DAY_MS = 86_400_000;

/** Daily partitions of `telemetry_points` this store manages; any other partition is left alone. */
const NAME = /^telemetry_points_p(\d{4})(\d{2})(\d{2})$/;

/** Days before today and after it that always have a partition, so writes near midnight never wait for DDL. */
const DAYS_BEHIND = 1;
const DAYS_AHEAD = 2;

/** How long dropping a partition may wait for its lock before it is left for the next run. */
const DROP_LOCK_TIMEOUT = '5s';

/** Midnight UTC of the day holding `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The partition holding the day that starts at `day` (midnight UTC): `telemetry_points_p20261122`. */
export function partitionName(day: number): string {
  return `telemetry_points_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day (midnight UTC) a managed partition holds, or null for a name this store does not manage. */
export function partitionDay(name: string): number | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return partitionName(day) === name ? day : null;
}

/**
 * The first instant whose raw points are kept: midnight UTC `retentionDays` before `now`'s day. Partitions of
 * earlier days are dropped whole; with 7 days, at any time on the 22nd the points from the 15th on are kept.
 */
export function rawRetentionStart(now: Date, retentionDays: number): number {
  return dayStart(now.getTime()) - retentionDays * DAY_MS;
}

/** What maintenance should do at `now`, given the days that have a partition (pure, for tests). */
export function partitionPlan(
  now: Date,
  retentionDays: number,
  existing: Iterable<number>,
): { create: number[]; drop: number[] } {
  const have = new Set(existing);
  const today = dayStart(now.getTime());
  const create: number[] = [];
  for (let offset = -DAYS_BEHIND; offset <= DAYS_AHEAD; offset++) {
    const day = today + offset * DAY_MS;
    if (!have.has(day)) create.push(day);
  }
  const keepFrom = rawRetentionStart(now, retentionDays);
  const drop = [...have].filter((day) => day < keepFrom).sort((a, b) => a - b);
  return { create, drop };
}

/** Result of one maintenance run, by partition name. */
export interface PartitionMaintenance {
  created: string[];
  dropped: string[];
  /** Partitions past retention whose drop waited too long for a lock (busy readers); tried again next run. */
  deferred: string[];
}

/**
 * Creates, lists and drops the daily partitions of `telemetry_points`. Several processes may do this at once: the
 * loser of a race to create a partition finds it made.
 */
export class TelemetryPartitions {
  constructor(private readonly db: Kysely<DB>) {}

  /** Days (midnight UTC) that have a managed partition. */
  async days(): Promise<number[]> {
    const { rows } = await sql<{ name: string }>`
      SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'telemetry_points'::regclass`.execute(this.db);
    return rows.flatMap((r) => {
      const day = partitionDay(r.name);
      return day === null ? [] : [day];
    });
  }

  /** Every partition of `telemetry_points`, managed or not. */
  async count(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'telemetry_points'::regclass`.execute(this.db);
    return rows[0]?.n ?? 0;
  }

  /** Creates the partition of the day starting at `day` unless it exists. */
  async create(day: number): Promise<void> {
    const name = partitionName(day);
    const from = new Date(day).toISOString();
    const to = new Date(day + DAY_MS).toISOString();
    try {
      await sql`
        CREATE TABLE IF NOT EXISTS ${sql.id(name)} PARTITION OF telemetry_points
        FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(to)})`.execute(this.db);
    } catch (error) {
      // Two processes creating the same partition at once: the second fails on the catalog's unique index.
      const code = (error as { code?: string }).code;
      if ((code === '23505' || code === '42P07') && (await this.days()).includes(day)) return;
      throw new Error(`cannot create telemetry partition ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Drops the partition of the day starting at `day`; false when its lock was not granted in time. */
  async drop(day: number): Promise<boolean> {
    const name = partitionName(day);
    try {
      await this.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL lock_timeout = ${sql.lit(DROP_LOCK_TIMEOUT)}`.execute(trx);
        await sql`DROP TABLE IF EXISTS ${sql.id(name)}`.execute(trx);
      });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return false;
      throw new Error(`cannot drop telemetry partition ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Creates the partitions from yesterday to two days ahead (UTC) and drops those past retention. */
  async maintain(now: Date, retentionDays: number): Promise<PartitionMaintenance> {
    const plan = partitionPlan(now, retentionDays, await this.days());
    const result: PartitionMaintenance = { created: [], dropped: [], deferred: [] };
    for (const day of plan.create) {
      await this.create(day);
      result.created.push(partitionName(day));
    }
    for (const day of plan.drop) {
      ((await this.drop(day)) ? result.dropped : result.deferred).push(partitionName(day));
    }
    return result;
  }
}
