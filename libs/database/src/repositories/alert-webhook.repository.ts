import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError, parseOrThrow, webhookInputSchema, type WebhookInput } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { conflictOnDuplicate } from './sql-helpers';

/** Everything but the secret: what operators and the API see. */
const COLUMNS = [
  'id',
  'name',
  'url',
  'min_severity',
  'events',
  'enabled',
  'created_by',
  'created_at',
  'updated_at',
] as const;

/** Whether deliveries are signed, in place of the secret itself. */
const HAS_SECRET = sql<boolean>`secret IS NOT NULL`.as('has_secret');

/**
 * The `alert_webhooks` table: where alert changes are posted. The secret signs deliveries, so it is kept as given,
 * but only {@link AlertWebhookRepository.getForDelivery} reads it back; everything else returns `has_secret`.
 */
@Injectable()
export class AlertWebhookRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Adds a webhook. Input is validated (bad input names the field); a name already taken is a conflict. */
  async create(input: WebhookInput, by: string | null) {
    const webhook = parseOrThrow(webhookInputSchema, input, 'webhook');
    return conflictOnDuplicate(
      () =>
        this.db
          .insertInto('alert_webhooks')
          .values({ ...webhook, created_by: by })
          .returning([...COLUMNS, HAS_SECRET])
          .executeTakeFirstOrThrow(),
      () => `a webhook named '${webhook.name}' already exists`,
    );
  }

  /** Every webhook, by name. */
  async list() {
    return this.db
      .selectFrom('alert_webhooks')
      .select([...COLUMNS, HAS_SECRET])
      .orderBy('name')
      .execute();
  }

  async find(id: number) {
    return this.db
      .selectFrom('alert_webhooks')
      .select([...COLUMNS, HAS_SECRET])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async get(id: number) {
    const webhook = await this.find(id);
    if (!webhook) throw new NotFoundError('webhook', String(id));
    return webhook;
  }

  async findByName(name: string) {
    return this.db
      .selectFrom('alert_webhooks')
      .select([...COLUMNS, HAS_SECRET])
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /**
   * Changes the fields given and keeps the others; `secret: null` removes the secret. The webhook that results is
   * validated as a whole, as on creation.
   *
   * @example
   * await webhooks.update(id, { enabled: false });
   */
  async update(id: number, changes: Partial<WebhookInput>) {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('alert_webhooks')
        .select(['name', 'url', 'secret', 'min_severity', 'events', 'enabled'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new NotFoundError('webhook', String(id));
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const webhook = parseOrThrow(webhookInputSchema, { ...current, ...given }, 'webhook');
      return conflictOnDuplicate(
        () =>
          trx
            .updateTable('alert_webhooks')
            .set({ ...webhook, updated_at: new Date() })
            .where('id', '=', id)
            .returning([...COLUMNS, HAS_SECRET])
            .executeTakeFirstOrThrow(),
        () => `a webhook named '${webhook.name}' already exists`,
      );
    });
  }

  /** Deletes a webhook and, with it, its queued and past deliveries. */
  async remove(id: number): Promise<void> {
    const result = await this.db.deleteFrom('alert_webhooks').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new NotFoundError('webhook', String(id));
  }

  /** The webhook with its secret, to sign a delivery with. Nothing else may read the secret. */
  async getForDelivery(id: number) {
    const webhook = await this.db
      .selectFrom('alert_webhooks')
      .select(['id', 'name', 'url', 'secret', 'enabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!webhook) throw new NotFoundError('webhook', String(id));
    return webhook;
  }
}

/** A webhook as operators see it: `has_secret` instead of the secret. */
export type AlertWebhook = Awaited<ReturnType<AlertWebhookRepository['get']>>;
