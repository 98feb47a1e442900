import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ConnectionLogRepository, DATABASE, RobotRepository, type DB } from '@fleet/database';
import { LOGGER } from '@fleet/platform';
import type { IngestPlan, RegistryView } from './batch-planner';
import { writeIsolating } from './isolate';

interface Known {
  status?: string;
  sightingAt?: number;
}

const RELOAD_MS = 60_000;
/** How often a message from a robot not in the copy may reload it: one registered through the API is let in that fast. */
export const UNKNOWN_RELOAD_MS = 1_000;
/** Unknown ids looked up at once; a batch naming more gets the rest looked up a second later. */
const UNKNOWN_LOOKUP_MAX = 1_000;

/**
 * The robots ingest knows, kept in memory so a message never waits for a lookup; refreshed from Postgres every
 * minute (robots registered or removed through the API), and at most every {@link UNKNOWN_RELOAD_MS} when a message
 * comes from a robot it does not know. Writes what a batch learnt about robots: registrations,
 * `last_seen`, status, IP and camera URL, and connection events.
 */
@Injectable()
export class RobotRegistry implements RegistryView {
  private known = new Map<string, Known>();
  private loadedAt = 0;
  private unknownCheckedAt = Number.NEGATIVE_INFINITY;
  private readonly log: Logger;

  constructor(
    @Inject(DATABASE) private readonly db: Kysely<DB>,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(ConnectionLogRepository) private readonly connections: ConnectionLogRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'robot-registry' });
  }

  isKnown(robotId: string): boolean {
    return this.known.has(robotId);
  }

  status(robotId: string): string | undefined {
    return this.known.get(robotId)?.status;
  }

  sightingWrittenAt(robotId: string): number | undefined {
    return this.known.get(robotId)?.sightingAt;
  }

  get size(): number {
    return this.known.size;
  }

  /** Loads the registered robots (active ones) when the copy is older than a minute. */
  async refresh(now = Date.now()): Promise<void> {
    if (now - this.loadedAt < RELOAD_MS) return;
    await this.load(now);
  }

  /**
   * Looks up `robotIds` that are not in the copy, unless that was done less than {@link UNKNOWN_RELOAD_MS} ago, and
   * adds those registered since. Only those ids are read: a client publishing under ever new ids costs one indexed
   * lookup a second, not a reload of every robot. Whether any of them is known now.
   */
  async refreshForUnknown(robotIds: Iterable<string>, now = Date.now()): Promise<boolean> {
    const unknown = [...new Set(robotIds)].filter((robotId) => !this.known.has(robotId));
    if (unknown.length === 0 || now - this.unknownCheckedAt < UNKNOWN_RELOAD_MS) return false;
    this.unknownCheckedAt = now;
    const rows = await this.db
      .selectFrom('robots')
      .select(['robot_id', 'status'])
      .where('is_active', '=', true)
      .where('robot_id', 'in', unknown.slice(0, UNKNOWN_LOOKUP_MAX))
      .execute();
    for (const row of rows) this.known.set(row.robot_id, { status: row.status });
    return rows.length > 0;
  }

  private async load(now: number): Promise<void> {
    const rows = await this.db
      .selectFrom('robots')
      .select(['robot_id', 'status', sql<Date | null>`last_seen`.as('last_seen')])
      .where('is_active', '=', true)
      .execute();
    const next = new Map<string, Known>();
    for (const row of rows) {
      const previous = this.known.get(row.robot_id);
      next.set(row.robot_id, { status: row.status, sightingAt: previous?.sightingAt });
    }
    this.known = next;
    this.loadedAt = now;
  }

  /** Writes the plan's robot changes; safe to repeat (sightings never move backwards, events are keyed). */
  async apply(plan: IngestPlan, refused: (table: string) => (row: unknown, error: unknown) => void): Promise<void> {
    const sightings = [...plan.sightings];
    await writeIsolating(
      sightings,
      async (rows) => {
        const { created } = await this.robots.recordSightings(rows);
        for (const robotId of created) this.log.info({ robotId }, 'robot registered on its first message');
      },
      refused('robots'),
    );
    await writeIsolating(
      plan.connectionEvents,
      (rows) => this.connections.insertMany(rows),
      refused('robot_connection_logs'),
    );
    for (const [robotId, sighting] of sightings) {
      const entry = this.known.get(robotId) ?? {};
      entry.sightingAt = Math.max(entry.sightingAt ?? 0, sighting.at.getTime());
      if (sighting.status) entry.status = sighting.status;
      this.known.set(robotId, entry);
    }
  }
}
