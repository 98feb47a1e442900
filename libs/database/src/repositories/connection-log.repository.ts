import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { ConnectionEvent, DB } from '../db.types';
import { fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = ['id', 'robot_id', 'event', 'timestamp', 'details'] as const;

export interface NewConnectionLog {
  robot_id: string;
  event: ConnectionEvent;
  timestamp: Date;
  details?: Record<string, unknown> | null;
  /** Set when the entry comes from a robot's message: an entry with a key already stored is not added again. */
  message_key?: string;
}

/** When each robot connected, disconnected or went silent (`robot_connection_logs`). */
@Injectable()
export class ConnectionLogRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async insertMany(entries: readonly NewConnectionLog[]): Promise<number> {
    if (entries.length === 0) return 0;
    const result = await this.db
      .insertInto('robot_connection_logs')
      .values(
        entries.map((e) => ({
          robot_id: e.robot_id,
          event: e.event,
          timestamp: e.timestamp,
          details: jsonb(e.details ?? null),
          message_key: e.message_key ?? null,
        })),
      )
      .onConflict((oc) => oc.column('message_key').where('message_key', 'is not', null).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  /** A robot's connection history, newest first. */
  async list(query: { robotId?: string; from?: Date; to?: Date; limit?: number; offset?: number } = {}) {
    const bounds = pageBounds(query);
    let q = this.db.selectFrom('robot_connection_logs');
    if (query.robotId) q = q.where('robot_id', '=', query.robotId);
    if (query.from) q = q.where('timestamp', '>=', query.from);
    if (query.to) q = q.where('timestamp', '<', query.to);
    const page = await fetchPage(
      bounds,
      q
        .select(COLUMNS)
        .orderBy('timestamp', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      q.select(TOTAL).executeTakeFirstOrThrow(),
    );
    return page satisfies Page<unknown>;
  }
}
