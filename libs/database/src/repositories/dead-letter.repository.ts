import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import type { Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { fetchPage, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = [
  'id',
  'message_key',
  'received_at',
  'topic',
  'robot_id',
  'reason',
  'detail',
  'payload',
  'payload_bytes',
] as const;

/** How much of a rejected payload is kept. */
export const DEAD_LETTER_PAYLOAD_BYTES = 4096;

export interface NewDeadLetter {
  /** Unique per received message: the same message rejected again is kept once. */
  message_key: string;
  received_at: Date;
  topic: string;
  robot_id?: string | null;
  reason: string;
  detail: string;
  /** The payload as received; only its first {@link DEAD_LETTER_PAYLOAD_BYTES} bytes are kept. */
  payload: Buffer;
  /** Size of the payload as received, when `payload` was already cut. */
  payload_bytes?: number;
}

export interface DeadLetterQuery {
  reason?: string;
  robotId?: string;
  topic?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

/** Messages ingest rejected (bad JSON, schema failure, oversize, unknown topic or robot), newest first. */
@Injectable()
export class DeadLetterRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Stores rejected messages; one already stored (same key) is left as it is. Returns how many were new. */
  async insertMany(letters: readonly NewDeadLetter[]): Promise<number> {
    if (letters.length === 0) return 0;
    const result = await this.db
      .insertInto('dead_letters')
      .values(
        letters.map((l) => ({
          message_key: l.message_key,
          received_at: l.received_at,
          topic: l.topic.slice(0, 1024),
          robot_id: l.robot_id?.slice(0, 50) ?? null,
          reason: l.reason,
          detail: l.detail.slice(0, 2000),
          // Postgres text cannot hold NUL.
          payload: l.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES).toString('utf8').replaceAll('\0', '\uFFFD'),
          payload_bytes: l.payload_bytes ?? l.payload.length,
        })),
      )
      .onConflict((oc) => oc.column('message_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async list(query: DeadLetterQuery = {}): Promise<Page<DeadLetter>> {
    const bounds = pageBounds(query);
    const filtered = this.filtered(query);
    return fetchPage(
      bounds,
      filtered
        .select(COLUMNS)
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** How many messages were rejected for each reason (over a range, or all kept). */
  async countsByReason(range: { from?: Date; to?: Date; robotId?: string } = {}): Promise<Record<string, number>> {
    const rows = await this.filtered(range)
      .select(['reason', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('reason')
      .orderBy('reason')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('dead_letters').where('received_at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private filtered(query: DeadLetterQuery) {
    let q = this.db.selectFrom('dead_letters');
    if (query.reason) q = q.where('reason', '=', query.reason);
    if (query.robotId) q = q.where('robot_id', '=', query.robotId);
    if (query.topic) q = q.where('topic', '=', query.topic);
    if (query.from) q = q.where('received_at', '>=', query.from);
    if (query.to) q = q.where('received_at', '<', query.to);
    return q;
  }
}

export type DeadLetter = Pick<Selectable<DB['dead_letters']>, (typeof COLUMNS)[number]>;
