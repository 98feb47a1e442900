import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { LogLevel, Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { containsPattern, fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = ['id', 'level', 'category', 'message', 'robot_id', 'details', 'timestamp'] as const;

/**
 * A row's timestamp to the microsecond, as text: a JS `Date` keeps milliseconds only, and a scan resumed from a
 * rounded timestamp would skip or repeat rows.
 */
const SCAN_POSITION = sql<
  string | null
>`to_char(${sql.ref('timestamp')} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('scan_position');

export interface NewLogEntry {
  level: LogLevel;
  category: string;
  message: string;
  robot_id?: string | null;
  details?: Record<string, unknown> | null;
  /** Defaults to now. */
  timestamp?: Date;
  /** Set for entries made from a robot's message: an entry with a key already stored is not added again. */
  message_key?: string;
}

export interface LogQuery {
  level?: LogLevel | LogLevel[];
  category?: string;
  robotId?: string;
  /** Matches the message, case-insensitively. */
  search?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

/** The `system_logs` table: operator-facing events (TonyPi's log page), newest first. */
@Injectable()
export class SystemLogRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async insert(entry: NewLogEntry) {
    return this.db.insertInto('system_logs').values(this.toRow(entry)).returning(COLUMNS).executeTakeFirstOrThrow();
  }

  async insertMany(entries: readonly NewLogEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const result = await this.db
      .insertInto('system_logs')
      .values(entries.map((e) => this.toRow(e)))
      .onConflict((oc) => oc.column('message_key').where('message_key', 'is not', null).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async list(query: LogQuery = {}): Promise<Page<SystemLog>> {
    const bounds = pageBounds(query);
    const filtered = this.filtered(query);
    return fetchPage(
      bounds,
      filtered
        .select(COLUMNS)
        .orderBy('timestamp', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** Counts by level and by category over a time range (all time when omitted), of one robot or all. */
  async stats(range: { from?: Date; to?: Date; robotId?: string } = {}) {
    const filtered = this.filtered(range);
    const [byLevel, byCategory] = await Promise.all([
      filtered
        .select(['level', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('level')
        .execute(),
      filtered
        .select(['category', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('category')
        .execute(),
    ]);
    const by_level = Object.fromEntries(byLevel.map((r) => [r.level, Number(r.n)]));
    const by_category = Object.fromEntries(byCategory.map((r) => [r.category, Number(r.n)]));
    const total = Object.values(by_level).reduce((sum, n) => sum + n, 0);
    return { total, by_level, by_category };
  }

  /**
   * Every entry matching `query`, newest first (as {@link list} orders them), in batches of `batchSize`, stopping
   * after `maxRows`. Each batch is its own short query that resumes after the last row of the one before (keyset on
   * timestamp and id), so a caller holds one batch at a time and no connection or transaction stays open between
   * batches. Rows added meanwhile below the position reached are included; rows added above it are not.
   *
   * @example
   * for await (const batch of logs.scan({ level: ['ERROR', 'CRITICAL'] }, { maxRows: 100_000 })) write(batch);
   */
  async *scan(
    query: Omit<LogQuery, 'limit' | 'offset'>,
    options: { batchSize?: number; maxRows?: number } = {},
  ): AsyncGenerator<SystemLog[], void, undefined> {
    const batchSize = Math.max(1, Math.trunc(options.batchSize ?? 1000));
    let left = Math.max(0, Math.trunc(options.maxRows ?? Number.MAX_SAFE_INTEGER));
    let after: { position: string | null; id: number } | undefined;
    while (left > 0) {
      const size = Math.min(batchSize, left);
      let q = this.filtered(query);
      if (after) {
        const { position, id } = after;
        // timestamp DESC puts entries without one first (NULLS FIRST), ordered by id among themselves.
        q =
          position === null
            ? q.where((eb) =>
                eb.or([eb.and([eb('timestamp', 'is', null), eb('id', '<', id)]), eb('timestamp', 'is not', null)]),
              )
            : q.where(sql<boolean>`(${sql.ref('timestamp')}, ${sql.ref('id')}) < (${position}::timestamptz, ${id})`);
      }
      const rows = await q
        .select([...COLUMNS, SCAN_POSITION])
        .orderBy('timestamp', 'desc')
        .orderBy('id', 'desc')
        .limit(size)
        .execute();
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = { position: last.scan_position, id: last.id };
      left -= rows.length;
      yield rows.map(({ scan_position: _, ...row }) => row);
      if (rows.length < size) return;
    }
  }

  /** Deletes entries older than `cutoff` and returns how many. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('system_logs').where('timestamp', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private filtered(query: LogQuery) {
    let q = this.db.selectFrom('system_logs');
    if (query.level !== undefined) {
      const levels = Array.isArray(query.level) ? query.level : [query.level];
      if (levels.length > 0) q = q.where('level', 'in', levels);
    }
    if (query.category) q = q.where('category', '=', query.category);
    if (query.robotId) q = q.where('robot_id', '=', query.robotId);
    if (query.search) q = q.where('message', 'ilike', containsPattern(query.search));
    if (query.from) q = q.where('timestamp', '>=', query.from);
    if (query.to) q = q.where('timestamp', '<', query.to);
    return q;
  }

  private toRow(entry: NewLogEntry) {
    return {
      level: entry.level,
      category: entry.category,
      message: entry.message,
      robot_id: entry.robot_id ?? null,
      details: jsonb(entry.details ?? null),
      ...(entry.timestamp && { timestamp: entry.timestamp }),
      message_key: entry.message_key ?? null,
    };
  }
}

export type SystemLog = Awaited<ReturnType<SystemLogRepository['insert']>>;
