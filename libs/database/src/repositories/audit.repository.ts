import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = [
  'id',
  'occurred_at',
  'actor',
  'actor_id',
  'action',
  'entity_type',
  'entity_id',
  'before',
  'after',
  'ip_address',
  'request_id',
] as const;

/** One change: who (name and id), what (action on an entity), the entity before and after, when and from where. */
export interface NewAuditEntry {
  actor: string;
  actor_id?: string | null;
  action: string;
  entity_type: string;
  entity_id?: string | null;
  before?: unknown;
  after?: unknown;
  ip_address?: string | null;
  request_id?: string | null;
}

/** Who makes a change, and from where: recorded with it when a repository writes the change and its entry together. */
export type AuditedBy = Pick<NewAuditEntry, 'actor' | 'actor_id' | 'ip_address' | 'request_id'>;

/**
 * Appends one entry through `db`, which may be the transaction of the change it records: the change and its entry
 * then commit together or not at all.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const after = await trx.updateTable('users').set({ role: 'operator' })...;
 *   await appendAuditEntry(trx, { ...by, action: 'user.update', entity_type: 'user', entity_id: id, before, after });
 * });
 */
export async function appendAuditEntry(db: Kysely<DB>, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_entries')
    .values({ ...entry, before: jsonb(entry.before ?? null), after: jsonb(entry.after ?? null) })
    .execute();
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

export interface AuditEntry {
  id: string;
  occurred_at: Date;
  actor: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  ip_address: string | null;
  request_id: string | null;
}

/** The append-only audit trail (the database refuses UPDATE, DELETE and TRUNCATE on it). */
@Injectable()
export class AuditRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async append(entry: NewAuditEntry): Promise<void> {
    await appendAuditEntry(this.db, entry);
  }

  /** Newest first. */
  async list(query: AuditQuery = {}): Promise<Page<AuditEntry>> {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('audit_entries');
    if (query.actor) filtered = filtered.where('actor', '=', query.actor);
    if (query.action) filtered = filtered.where('action', '=', query.action);
    if (query.entityType) filtered = filtered.where('entity_type', '=', query.entityType);
    if (query.entityId) filtered = filtered.where('entity_id', '=', query.entityId);
    if (query.from) filtered = filtered.where('occurred_at', '>=', query.from);
    if (query.to) filtered = filtered.where('occurred_at', '<', query.to);
    return fetchPage(
      bounds,
      filtered
        .select(COLUMNS)
        .orderBy('occurred_at', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }
}
