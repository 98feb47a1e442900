import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';

/** What the 1-minute rollups of one robot's measurement cover, from where to where (epoch ms). */
export interface RollupCoverage {
  from: number;
  until: number;
}

/**
 * What is known of one robot's measurement: how far the minute tier is rolled, and its first minutes marked to be
 * rolled again (epoch ms, ascending). `complete` when these are all its marks.
 */
export interface CoverageFacts {
  rolledFrom: number | null;
  rolledUntil: number | null;
  marks: readonly number[];
  complete: boolean;
}

/**
 * The coverage within `from`..`to` (pure): from where the tier starts to its watermark, or to the first minute in
 * the range marked to be rolled again, if that comes first; null before the first roll. `undefined` when the facts
 * cannot tell: the marks kept are not all of them and the range lies past the last one kept.
 */
export function coverageWithin(facts: CoverageFacts, from: number, to: number): RollupCoverage | null | undefined {
  if (facts.rolledFrom === null || facts.rolledUntil === null) return null;
  const marked = facts.marks.find((bucket) => bucket >= from && bucket < to);
  const last = facts.marks.at(-1);
  if (marked === undefined && !facts.complete && last !== undefined && to > last) return undefined;
  return { from: facts.rolledFrom, until: Math.min(facts.rolledUntil, marked ?? Infinity) };
}

/** Marks kept per robot and measurement: far more than a settled fleet has, far fewer than a backlog. */
const MARKS_KEPT = 64;
/** Robots × measurements whose facts are kept at most. */
const ENTRIES_KEPT = 20_000;

interface Entry {
  facts: Promise<CoverageFacts>;
  readAt: number;
}

/**
 * The minute tier's coverage per robot and measurement, read from the database and reused for `cacheMs` (0: read
 * every time), as the buckets of {@link RollupHistory} are: a late point written through this process is forgotten
 * at once ({@link forgetWritten}); other processes' late points, and a watermark moved on, show after at most
 * `cacheMs`. A stale watermark only makes a history read more of its minutes raw. Concurrent reads of one series
 * share one query.
 */
export class RollupCoverageReader {
  private readonly cache = new Map<string, Entry>();
  /** Reads under way, and the latest watermark read (the tier's: the same for every series). */
  private reading = 0;
  private watermark = -Infinity;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  async coverage(robotId: string, measurement: string, from: number, to: number): Promise<RollupCoverage | null> {
    if (this.cacheMs > 0) {
      const known = coverageWithin(await this.facts(robotId, measurement), from, to);
      if (known !== undefined) return known;
    }
    const facts = await this.read(robotId, measurement, { from, to, limit: 1 });
    return coverageWithin({ ...facts, complete: true }, from, to) ?? null;
  }

  /**
   * Forgets the series that points written here fall before the watermark of (their minutes are marked to be rolled
   * again), and those whose facts are still being read.
   */
  forgetWritten(points: readonly { robotId: string; measurement: string; time: Date }[]): void {
    if (this.cache.size === 0) return;
    // Live points come after the watermark: only older ones can be marked.
    const before = this.reading > 0 ? Infinity : this.watermark;
    for (const p of points) {
      if (p.time.getTime() < before) this.cache.delete(`${p.robotId}\0${p.measurement}`);
    }
  }

  private facts(robotId: string, measurement: string): Promise<CoverageFacts> {
    const key = `${robotId}\0${measurement}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.readAt < this.cacheMs) return cached.facts;
    const facts = this.read(robotId, measurement, { limit: MARKS_KEPT });
    const entry: Entry = { facts, readAt: now };
    this.cache.delete(key);
    this.cache.set(key, entry);
    this.reading++;
    facts.then(
      (read) => {
        this.reading--;
        this.watermark = Math.max(this.watermark, read.rolledUntil ?? -Infinity);
      },
      () => {
        this.reading--;
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    for (const [oldest] of this.cache) {
      if (this.cache.size <= ENTRIES_KEPT) break;
      this.cache.delete(oldest);
    }
    return facts;
  }

  /** The tier's progress and the series' first `limit` marks (within `from`..`to` when given). */
  private async read(
    robotId: string,
    measurement: string,
    within: { from?: number; to?: number; limit: number },
  ): Promise<CoverageFacts> {
    const range =
      within.from !== undefined && within.to !== undefined
        ? sql`AND m.bucket >= ${new Date(within.from)} AND m.bucket < ${new Date(within.to)}`
        : sql``;
    const { rows } = await sql<{ rolled_from: Date | null; rolled_until: Date | null; marks: number[] | null }>`
      SELECT p.rolled_from, p.rolled_until, (
          SELECT array_agg(date_part('epoch', s.bucket) * 1000 ORDER BY s.bucket) FROM (
            SELECT m.bucket FROM telemetry_rollup_marks m
            WHERE m.tier = 'minute' AND m.robot_id = ${robotId} AND m.measurement = ${measurement} ${range}
            ORDER BY m.bucket LIMIT ${within.limit + 1}
          ) AS s
        ) AS marks
      FROM telemetry_rollup_progress p WHERE p.tier = 'minute'`.execute(this.db);
    const row = rows[0];
    const marks = (row?.marks ?? []).map(Number);
    return {
      rolledFrom: row?.rolled_from?.getTime() ?? null,
      rolledUntil: row?.rolled_until?.getTime() ?? null,
      marks: marks.slice(0, within.limit),
      complete: marks.length <= within.limit,
    };
  }
}
