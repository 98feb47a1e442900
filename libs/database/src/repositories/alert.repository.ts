import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { ConflictError, NotFoundError, type AlertEvent, type AlertSeverity, type Page } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { ALERT_COLUMNS, alertEvent, enqueueAlertEvent, type AlertRow } from './alert-outbox';
import { fetchPage, pageBounds, TOTAL } from './sql-helpers';

/**
 * The advisory lock namespace (first key; the second is `hashtext(robot_id)`) under which a robot's alerts are
 * evaluated. A manual resolution takes it too, so it never lands between evaluation reading a robot's state and
 * writing it back (which would store the resolved alert as still firing).
 */
export const ALERT_ROBOT_LOCK = 7_241_001;

/**
 * The `alert_states` metric alerting marks a robot silent with (source `robot`): firing from the moment it is
 * marked offline for silence until it is heard from again.
 */
export const OFFLINE_STATE_METRIC = 'offline';

/**
 * Takes the alerting lock of each robot until the transaction ends, in one order (by key) so two transactions
 * never wait on each other in a circle.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await lockAlertRobots(trx, ['tonypi_01']);
 *   // read and write tonypi_01's alert_states and alerts
 * });
 */
export async function lockAlertRobots(trx: Kysely<DB>, robotIds: readonly string[]): Promise<void> {
  if (robotIds.length === 0) return;
  await sql`
    SELECT pg_advisory_xact_lock(${ALERT_ROBOT_LOCK}, k)
    FROM (SELECT DISTINCT hashtext(r) AS k FROM unnest(${[...robotIds]}::text[]) AS r ORDER BY k) AS keys
  `.execute(trx);
}

export interface AlertListQuery {
  robotId?: string;
  alertType?: string;
  severity?: AlertSeverity;
  source?: string;
  acknowledged?: boolean;
  resolved?: boolean;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit?: number;
  offset?: number;
}

/** Counts over the alerts created in a range; severities and types count open alerts only. */
export interface AlertStats {
  total: number;
  open: number;
  /** Open and not acknowledged: what still needs someone. */
  unacknowledged: number;
  critical: number;
  warning: number;
  info: number;
  by_type: Record<string, number>;
  resolved: number;
}

/** What an acknowledgement or resolution did: the alert as it now is, and the event to publish once committed. */
export interface AlertChange {
  alert: AlertRow;
  /** Null when nothing changed (already acknowledged, already resolved). */
  event: AlertEvent | null;
}

/** An alert a client raises itself (TonyPi's `POST /alerts`), rather than alerting from a threshold. */
export interface ClientAlert {
  robot_id: string | null;
  alert_type: string;
  severity: AlertSeverity;
  title: string;
  message: string;
  source: string | null;
  value: number | null;
  threshold: number | null;
  details: Record<string, unknown> | null;
}

/**
 * TonyPi left `acknowledged` and `resolved` nullable: NULL counts as false, as the open-alert index reads it.
 */
const OPEN = sql<boolean>`resolved IS NOT TRUE`;
const UNACKNOWLEDGED = sql<boolean>`acknowledged IS NOT TRUE`;

/**
 * The `alerts` table as operators see and act on it. Alerting opens, escalates and auto-resolves alerts; this is
 * the other side: listing, counting, raising by hand, acknowledging, resolving by hand, deleting. Every change that
 * an operator makes queues its webhook deliveries in the same transaction and returns the event for the caller to
 * publish after commit.
 */
@Injectable()
export class AlertRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Alerts matching every filter given, newest first. */
  async list(query: AlertListQuery = {}): Promise<Page<AlertRow>> {
    const bounds = pageBounds(query);
    let q = this.inRange(query);
    if (query.alertType !== undefined) q = q.where('alert_type', '=', query.alertType);
    if (query.severity !== undefined) q = q.where('severity', '=', query.severity);
    if (query.source !== undefined) q = q.where('source', '=', query.source);
    if (query.acknowledged !== undefined) {
      q = q.where(query.acknowledged ? sql<boolean>`acknowledged IS TRUE` : UNACKNOWLEDGED);
    }
    if (query.resolved !== undefined) q = q.where(query.resolved ? sql<boolean>`resolved IS TRUE` : OPEN);
    return fetchPage(
      bounds,
      q
        .select(ALERT_COLUMNS)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      q.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  async get(id: number): Promise<AlertRow> {
    return getAlert(this.db, id);
  }

  /** Counts for a dashboard, over one robot's alerts or all, created in a range (all time when omitted). */
  async stats(query: { robotId?: string; from?: Date; to?: Date } = {}): Promise<AlertStats> {
    const q = this.inRange(query);
    const openCount = <S extends AlertSeverity>(severity: S) =>
      sql<string>`count(*) FILTER (WHERE ${OPEN} AND severity = ${severity})`.as(severity);
    const [counts, byType] = await Promise.all([
      q
        .select([
          TOTAL,
          sql<string>`count(*) FILTER (WHERE ${OPEN})`.as('open'),
          sql<string>`count(*) FILTER (WHERE ${OPEN} AND ${UNACKNOWLEDGED})`.as('unacknowledged'),
          openCount('critical'),
          openCount('warning'),
          openCount('info'),
          sql<string>`count(*) FILTER (WHERE resolved IS TRUE)`.as('resolved'),
        ])
        .executeTakeFirstOrThrow(),
      q
        .select(['alert_type', (eb) => eb.fn.countAll<string>().as('n')])
        .where(OPEN)
        .groupBy('alert_type')
        .orderBy('alert_type')
        .execute(),
    ]);
    return {
      total: Number(counts.total),
      open: Number(counts.open),
      unacknowledged: Number(counts.unacknowledged),
      critical: Number(counts.critical),
      warning: Number(counts.warning),
      info: Number(counts.info),
      by_type: Object.fromEntries(byType.map((r) => [r.alert_type, Number(r.n)])),
      resolved: Number(counts.resolved),
    };
  }

  /**
   * Opens an alert a client raises, as opened by `by` at `at`, with its `opened` announcement queued in the same
   * transaction; returns it with the event to publish once committed. Like alerting's own, one alert at most is open
   * per robot, type and source: raising one while another is open is a conflict (acknowledge or resolve that one).
   *
   * @example
   * const { event } = await alerts.raise({ robot_id: 'tonypi_01', alert_type: 'system', severity: 'warning',
   *   title: 'Fan noise', message: 'Loud fan', source: 'operator', value: null, threshold: null, details: null },
   *   'alice', now);
   */
  async raise(alert: ClientAlert, by: string, at: Date): Promise<{ row: AlertRow; event: AlertEvent }> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('alerts')
        .values({
          ...alert,
          details: alert.details === null ? null : JSON.stringify(alert.details),
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc
            .expression(sql`(COALESCE(robot_id, '')), alert_type, (COALESCE(source, ''))`)
            .where(OPEN)
            .doNothing(),
        )
        .returning(ALERT_COLUMNS)
        .executeTakeFirst();
      if (!row) throw await alreadyOpen(trx, alert);
      const event = alertEvent('opened', row, at, by);
      await enqueueAlertEvent(trx, event);
      return { row, event };
    });
  }

  /**
   * Marks an alert acknowledged by `by` and queues its announcement. Acknowledging it again changes nothing and
   * announces nothing (of two people acknowledging at once, one does it).
   */
  async acknowledge(id: number, by: string, at: Date): Promise<AlertChange> {
    return this.db.transaction().execute(async (trx) => {
      const changed = await trx
        .updateTable('alerts')
        .set({ acknowledged: true, acknowledged_by: by, acknowledged_at: at, updated_at: at })
        .where('id', '=', id)
        .where(UNACKNOWLEDGED)
        .returning(ALERT_COLUMNS)
        .executeTakeFirst();
      if (!changed) return { alert: await getAlert(trx, id), event: null };
      const event = alertEvent('acknowledged', changed, at, by);
      await enqueueAlertEvent(trx, event);
      return { alert: changed, event };
    });
  }

  /**
   * Acknowledges every unacknowledged alert, of one robot or of all, and returns how many. Resolved ones are
   * acknowledged quietly (nobody needs telling about them); each open one is announced, and there are few of
   * those: one per robot, type and source at most.
   */
  async acknowledgeAll(
    query: { robotId?: string },
    by: string,
    at: Date,
  ): Promise<{ count: number; events: AlertEvent[] }> {
    return this.db.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('alerts')
        .set({ acknowledged: true, acknowledged_by: by, acknowledged_at: at, updated_at: at })
        .where(UNACKNOWLEDGED);
      if (query.robotId !== undefined) update = update.where('robot_id', '=', query.robotId);
      const changed = await update.returning(ALERT_COLUMNS).execute();
      const events: AlertEvent[] = [];
      // RETURNING keeps no order.
      for (const row of changed.filter((r) => r.resolved !== true).sort((a, b) => a.id - b.id)) {
        const event = alertEvent('acknowledged', row, at, by);
        await enqueueAlertEvent(trx, event);
        events.push(event);
      }
      return { count: changed.length, events };
    });
  }

  /**
   * Acknowledges the open, unacknowledged alerts of one robot or all, created at or before `createdBefore`, at most
   * `limit` of them (oldest first), announcing each. Resolved alerts are left alone: nobody needs to look at them.
   * Returns the events to publish once committed and how many matching alerts are left (past the limit).
   *
   * @example
   * const { events, remaining } = await alerts.acknowledgeOpen({ robotId: 'tonypi_01', limit: 1000 }, 'alice', now);
   */
  async acknowledgeOpen(
    query: { robotId?: string; createdBefore?: Date; limit: number },
    by: string,
    at: Date,
  ): Promise<{ events: AlertEvent[]; remaining: number }> {
    return this.db.transaction().execute(async (trx) => {
      const matching = () => {
        let q = trx.selectFrom('alerts').where(OPEN).where(UNACKNOWLEDGED);
        if (query.robotId !== undefined) q = q.where('robot_id', '=', query.robotId);
        if (query.createdBefore) q = q.where('created_at', '<=', query.createdBefore);
        return q;
      };
      const changed = await trx
        .updateTable('alerts')
        .set({ acknowledged: true, acknowledged_by: by, acknowledged_at: at, updated_at: at })
        .where('id', 'in', matching().select('id').orderBy('id').limit(query.limit))
        // Re-checked on the locked row: of two operators acknowledging at once, one does it.
        .where(OPEN)
        .where(UNACKNOWLEDGED)
        .returning(ALERT_COLUMNS)
        .execute();
      const events: AlertEvent[] = [];
      // RETURNING keeps no order.
      for (const row of changed.sort((a, b) => a.id - b.id)) {
        const event = alertEvent('acknowledged', row, at, by);
        await enqueueAlertEvent(trx, event);
        events.push(event);
      }
      const { total } = await matching().select(TOTAL).executeTakeFirstOrThrow();
      return { events, remaining: Number(total) };
    });
  }

  /**
   * Resolves an alert by hand (`resolution: 'manual'`) and queues its announcement. The condition behind it is
   * then judged afresh: its evaluation state goes back to normal, so if the condition still holds a new alert
   * opens (after the pending period) instead of the resolved one being taken as still firing. An alert already
   * resolved is left as it is.
   */
  async resolve(id: number, by: string, at: Date, note?: string): Promise<AlertChange> {
    return this.db.transaction().execute(async (trx) => {
      const current = await getAlert(trx, id);
      if (current.resolved === true) return { alert: current, event: null };
      if (current.robot_id !== null) await lockAlertRobots(trx, [current.robot_id]);
      const changed = await trx
        .updateTable('alerts')
        .set({
          resolved: true,
          resolved_at: at,
          resolved_by: by,
          resolution: 'manual',
          resolution_note: note ?? `resolved by ${by}`,
          updated_at: at,
        })
        .where('id', '=', id)
        .where(OPEN)
        .returning(ALERT_COLUMNS)
        .executeTakeFirst();
      if (!changed) return { alert: await getAlert(trx, id), event: null };
      await trx
        .updateTable('alert_states')
        .set({ state: 'normal', severity: null, since: null, alert_id: null, updated_at: at })
        .where('alert_id', '=', id)
        .where('metric', '<>', OFFLINE_STATE_METRIC)
        .execute();
      // A robot marked offline for silence stays offline until it speaks, whoever resolved the alert.
      await trx
        .updateTable('alert_states')
        .set({ alert_id: null, updated_at: at })
        .where('alert_id', '=', id)
        .where('metric', '=', OFFLINE_STATE_METRIC)
        .execute();
      const event = alertEvent('resolved', changed, at, by);
      await enqueueAlertEvent(trx, event);
      return { alert: changed, event };
    });
  }

  /**
   * Deletes an alert (TonyPi lets operators do so) with its `deleted` announcement, as deleted by `by` at `at`, queued
   * in the same transaction; returns what it was and the event to publish once committed. Its queued deliveries stay,
   * without the link; an evaluation state that pointed at it is judged afresh by alerting.
   */
  async remove(id: number, by: string, at: Date): Promise<{ row: AlertRow; event: AlertEvent }> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('alerts')
        .select(ALERT_COLUMNS)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('alert', String(id));
      // Queued while the alert still exists; deleting it then unlinks the deliveries.
      const event = alertEvent('deleted', row, at, by);
      await enqueueAlertEvent(trx, event);
      await trx.deleteFrom('alerts').where('id', '=', id).execute();
      return { row, event };
    });
  }

  private inRange(query: { robotId?: string; from?: Date; to?: Date }) {
    let q = this.db.selectFrom('alerts');
    if (query.robotId !== undefined) q = q.where('robot_id', '=', query.robotId);
    if (query.from) q = q.where('created_at', '>=', query.from);
    if (query.to) q = q.where('created_at', '<', query.to);
    return q;
  }
}

async function getAlert(db: Kysely<DB>, id: number): Promise<AlertRow> {
  const alert = await db.selectFrom('alerts').select(ALERT_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!alert) throw new NotFoundError('alert', String(id));
  return alert;
}

/** The conflict of raising an alert while one is open for the same robot, type and source. */
async function alreadyOpen(db: Kysely<DB>, alert: ClientAlert): Promise<ConflictError> {
  const open = await db
    .selectFrom('alerts')
    .select('id')
    .where(sql<boolean>`COALESCE(robot_id, '') = ${alert.robot_id ?? ''}`)
    .where('alert_type', '=', alert.alert_type)
    .where(sql<boolean>`COALESCE(source, '') = ${alert.source ?? ''}`)
    .where(OPEN)
    .executeTakeFirst();
  const which = open ? `alert ${open.id}` : 'an alert';
  return new ConflictError(
    `${which} is already open for robot ${alert.robot_id ?? '(none)'}, type ${alert.alert_type} and source ` +
      `${alert.source ?? '(none)'}: acknowledge or resolve it, or give another source`,
  );
}
