import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertEvent, AlertEventType, AlertSnapshot } from '@fleet/contracts';
import type { AlertsTable, DB } from '../db.types';

/** The `alerts` columns an alert is read with everywhere. */
export const ALERT_COLUMNS = [
  'id',
  'robot_id',
  'alert_type',
  'severity',
  'title',
  'message',
  'source',
  'value',
  'threshold',
  'details',
  'acknowledged',
  'acknowledged_by',
  'acknowledged_at',
  'resolved',
  'resolved_at',
  'resolved_by',
  'resolution',
  'resolution_note',
  'created_at',
  'updated_at',
] as const;

export type AlertRow = Pick<Selectable<AlertsTable>, (typeof ALERT_COLUMNS)[number]>;

/** An `alerts` row as published: times as ISO strings, TonyPi's nullable booleans as booleans. */
export function toAlertSnapshot(row: AlertRow): AlertSnapshot {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    robot_id: row.robot_id,
    alert_type: row.alert_type,
    severity: row.severity as AlertSnapshot['severity'],
    title: row.title,
    message: row.message,
    source: row.source,
    value: row.value,
    threshold: row.threshold,
    details: row.details,
    acknowledged: row.acknowledged === true,
    acknowledged_by: row.acknowledged_by,
    acknowledged_at: iso(row.acknowledged_at),
    resolved: row.resolved === true,
    resolved_at: iso(row.resolved_at),
    resolved_by: row.resolved_by,
    resolution: row.resolution,
    resolution_note: row.resolution_note,
    created_at: row.created_at.toISOString(),
    updated_at: iso(row.updated_at),
  };
}

export function alertEvent(event: AlertEventType, row: AlertRow, at: Date, actor: string | null = null): AlertEvent {
  return { event, at: at.toISOString(), actor, alert: toAlertSnapshot(row) };
}

/**
 * Queues one delivery of `event` per enabled webhook that wants it (its event list and minimum severity), in the
 * caller's transaction: the change and its announcements commit together or not at all. Returns how many.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const row = await trx.updateTable('alerts').set({ acknowledged: true, ... }).returning(ALERT_COLUMNS)...;
 *   await enqueueAlertEvent(trx, alertEvent('acknowledged', row, now, 'alice'));
 * });
 */
export async function enqueueAlertEvent(db: Kysely<DB>, event: AlertEvent): Promise<number> {
  const rank = (column: string) =>
    sql`array_position(ARRAY['info', 'warning', 'critical']::text[], ${sql.ref(column)}::text)`;
  const result = await db
    .insertInto('alert_notifications')
    .columns(['webhook_id', 'alert_id', 'event', 'payload', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('alert_webhooks')
        .select([
          'alert_webhooks.id',
          sql<number>`${event.alert.id}::int`.as('alert_id'),
          sql<string>`${event.event}::text`.as('event'),
          sql<string>`${JSON.stringify(event)}::jsonb`.as('payload'),
          // Due when the change happened by the clock that made it (the one the deliverer goes by).
          sql<Date>`${event.at}::timestamptz`.as('next_attempt_at'),
        ])
        .where('enabled', '=', true)
        .where(sql<boolean>`${event.event}::text = ANY(events)`)
        .where(
          sql<boolean>`COALESCE(array_position(ARRAY['info', 'warning', 'critical']::text[], ${event.alert.severity}::text), 3) >= ${rank('min_severity')}`,
        ),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}
