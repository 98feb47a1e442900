import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import { DATABASE } from '../database.tokens';
import type { AlertNotificationsTable, DB } from '../db.types';
import { fetchPage, pageBounds, TOTAL } from './sql-helpers';

export type NotificationStatus = Selectable<AlertNotificationsTable>['status'];

const COLUMNS = [
  'n.id',
  'n.webhook_id',
  'w.name as webhook_name',
  'n.alert_id',
  'n.event',
  'n.payload',
  'n.status',
  'n.attempts',
  'n.next_attempt_at',
  'n.last_status',
  'n.last_error',
  'n.created_at',
  'n.delivered_at',
] as const;

export interface NotificationQuery {
  webhookId?: number;
  status?: NotificationStatus;
  limit?: number;
  offset?: number;
}

export type NotificationCounts = Record<NotificationStatus, number>;

/** What happened to a failed attempt: the HTTP status if there was an answer, and why it failed. */
export interface FailedAttempt {
  status?: number;
  error: string;
  /** When to try again; null gives the delivery up (status `failed`). */
  nextAttemptAt: Date | null;
}

/**
 * The `alert_notifications` table: the webhook delivery queue, filled by `enqueueAlertEvent` in the same transaction
 * as the alert change it announces. Deliverers in any number of processes take rows with {@link claimDue}; a row
 * they take is leased to them, so no two deliver it at once, and a deliverer that dies leaves it to the next one
 * once the lease runs out.
 */
@Injectable()
export class AlertNotificationRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /**
   * Takes up to `limit` deliveries that are due at `now`, oldest first, leasing them until `now + leaseMs` and
   * counting the attempt; each comes with its webhook's url, secret and name. Rows another deliverer is taking at
   * the same moment are skipped, not waited for. A disabled webhook's deliveries wait until it is enabled again.
   */
  async claimDue(now: Date, limit: number, leaseMs: number) {
    const due = this.db
      .selectFrom('alert_notifications')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .where('webhook_id', 'in', (eb) =>
        eb.selectFrom('alert_webhooks').select('alert_webhooks.id').where('enabled', '=', true),
      )
      // One alert's changes reach a webhook in the order they happened: a change waits while an earlier one for
      // the same alert and webhook is still to be delivered (or being retried).
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('alert_notifications as earlier')
              .select('earlier.id')
              .whereRef('earlier.webhook_id', '=', 'alert_notifications.webhook_id')
              .whereRef('earlier.alert_id', '=', 'alert_notifications.alert_id')
              .where('earlier.status', '=', 'pending')
              .whereRef('earlier.id', '<', 'alert_notifications.id'),
          ),
        ),
      )
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    const claimed = await this.db
      .updateTable('alert_notifications as n')
      .from('alert_webhooks as w')
      .set((eb) => ({
        locked_until: new Date(now.getTime() + leaseMs),
        attempts: eb('n.attempts', '+', 1),
      }))
      .whereRef('w.id', '=', 'n.webhook_id')
      .where('n.id', 'in', due)
      .returning([
        'n.id',
        'n.webhook_id',
        'n.alert_id',
        'n.event',
        'n.payload',
        'n.attempts',
        'n.created_at',
        'w.name',
        'w.url',
        'w.secret',
      ])
      .execute();
    // RETURNING keeps no order.
    return claimed.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /**
   * Records a delivery the webhook accepted. `claim` is the row's `attempts` as claimed: when given, the record is
   * made only if nobody claimed the row again meanwhile (its lease ran out during a stall), so a late answer never
   * overwrites the newer attempt's outcome.
   */
  async markDelivered(id: string, status: number, at: Date, claim?: number): Promise<void> {
    let update = this.db
      .updateTable('alert_notifications')
      .set({ status: 'delivered', last_status: status, last_error: null, delivered_at: at, locked_until: null })
      .where('id', '=', id);
    if (claim !== undefined) update = update.where('attempts', '=', claim);
    await update.execute();
  }

  /** Records a failed attempt: due again at `nextAttemptAt`, or given up (`failed`) when it is null. `claim` as above. */
  async markAttemptFailed(id: string, attempt: FailedAttempt, claim?: number): Promise<void> {
    let update = this.db
      .updateTable('alert_notifications')
      .set({
        status: attempt.nextAttemptAt ? 'pending' : 'failed',
        last_status: attempt.status ?? null,
        last_error: attempt.error,
        locked_until: null,
        ...(attempt.nextAttemptAt && { next_attempt_at: attempt.nextAttemptAt }),
      })
      .where('id', '=', id);
    if (claim !== undefined) update = update.where('attempts', '=', claim);
    await update.execute();
  }

  /**
   * Hands back claimed deliveries that were not attempted (the deliverer is stopping): due again at once for any
   * deliverer, and the attempt their claim counted is taken back.
   */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('alert_notifications')
      .set((eb) => ({ locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Deliveries, newest first, of one webhook and/or in one state. */
  async list(query: NotificationQuery = {}) {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('alert_notifications as n');
    if (query.webhookId !== undefined) filtered = filtered.where('n.webhook_id', '=', query.webhookId);
    if (query.status !== undefined) filtered = filtered.where('n.status', '=', query.status);
    return fetchPage(
      bounds,
      filtered
        .innerJoin('alert_webhooks as w', 'w.id', 'n.webhook_id')
        .select(COLUMNS)
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** How many deliveries are in each state, over all webhooks. */
  async counts(): Promise<NotificationCounts> {
    const rows = await this.db
      .selectFrom('alert_notifications')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
    return toCounts(rows);
  }

  /** {@link counts} per webhook id; a webhook without deliveries is absent. */
  async countsByWebhook(): Promise<Map<number, NotificationCounts>> {
    const rows = await this.db
      .selectFrom('alert_notifications')
      .select(['webhook_id', 'status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['webhook_id', 'status'])
      .execute();
    const byWebhook = new Map<number, typeof rows>();
    for (const row of rows) byWebhook.set(row.webhook_id, [...(byWebhook.get(row.webhook_id) ?? []), row]);
    return new Map([...byWebhook].map(([id, group]) => [id, toCounts(group)]));
  }

  /** Deletes delivered and failed deliveries created before `cutoff` (pending ones are kept) and returns how many. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('alert_notifications')
      .where('status', 'in', ['delivered', 'failed'])
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toCounts(rows: readonly { status: NotificationStatus; n: string }[]): NotificationCounts {
  const counts: NotificationCounts = { pending: 0, delivered: 0, failed: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** A delivery as listed: the queue row and its webhook's name. */
export type Notification = Awaited<ReturnType<AlertNotificationRepository['list']>>['items'][number];

/** A delivery taken by {@link AlertNotificationRepository.claimDue}, with what is needed to send it. */
export type ClaimedNotification = Awaited<ReturnType<AlertNotificationRepository['claimDue']>>[number];
