import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import {
  ALERT_COLUMNS,
  DATABASE,
  enqueueAlertEvent,
  lockAlertRobots,
  OFFLINE_STATE_METRIC,
  alertEvent,
  type AlertEventType,
  type AlertRow,
  type DB,
} from '@fleet/database';
import type { AlertEvent } from '@fleet/contracts';
import type { ConditionState, FiringSeverity } from './evaluation/threshold-state';

/** The state row that says a robot was marked offline for silence (and since when it was silent). */
export const OFFLINE_METRIC = OFFLINE_STATE_METRIC;
export const OFFLINE_SOURCE = 'robot';

/** The one lock a sweep for silent robots takes, so one replica sweeps at a time. */
const SWEEP_LOCK = 7_241_002;

export interface StoredState extends ConditionState {
  robotId: string;
  metric: string;
  source: string;
}

export interface NewAlert {
  /** Null for an alert about Fleet itself rather than one robot. */
  robotId: string | null;
  alertType: string;
  source: string;
  severity: FiringSeverity;
  title: string;
  message: string;
  value: number | null;
  threshold: number | null;
  details: Record<string, unknown>;
  at: Date;
}

export interface SilentRobot {
  robotId: string;
  lastSeen: Date | null;
  timeoutS: number;
}

/**
 * Alerting's reads and writes, each inside the caller's transaction: evaluation state, alerts and their
 * announcements (the webhook outbox), and robots' online status. Every write that changes an alert queues its
 * webhook deliveries in the same transaction and returns the {@link AlertEvent} to publish once committed.
 */
@Injectable()
export class AlertingRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  transaction<T>(work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * Serialises work on these robots across replicas until the transaction ends. Locks are taken in one order
   * (by key) so two transactions never wait on each other in a circle.
   */
  lockRobots(trx: Kysely<DB>, robotIds: readonly string[]): Promise<void> {
    return lockAlertRobots(trx, robotIds);
  }

  /** Whether this transaction may sweep (no other replica is sweeping right now). */
  async trySweepLock(trx: Kysely<DB>): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`.execute(
      trx,
    );
    return rows[0]?.locked === true;
  }

  async loadStates(trx: Kysely<DB>, robotIds: readonly string[]): Promise<Map<string, StoredState>> {
    const states = new Map<string, StoredState>();
    if (robotIds.length === 0) return states;
    const rows = await trx
      .selectFrom('alert_states')
      .select(['robot_id', 'metric', 'source', 'state', 'severity', 'since', 'value', 'event_at', 'alert_id'])
      .where('robot_id', 'in', [...robotIds])
      .execute();
    for (const r of rows) {
      states.set(stateKey(r.robot_id, r.metric, r.source), {
        robotId: r.robot_id,
        metric: r.metric,
        source: r.source,
        state: r.state,
        severity: r.severity,
        since: r.since,
        value: r.value,
        eventAt: r.event_at,
        alertId: r.alert_id,
      });
    }
    return states;
  }

  async saveStates(trx: Kysely<DB>, states: readonly StoredState[], now: Date): Promise<void> {
    if (states.length === 0) return;
    await trx
      .insertInto('alert_states')
      .values(
        states.map((s) => ({
          robot_id: s.robotId,
          metric: s.metric,
          source: s.source,
          state: s.state,
          severity: s.severity,
          since: s.since,
          value: s.value,
          event_at: s.eventAt,
          alert_id: s.alertId,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['robot_id', 'metric', 'source']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          severity: eb.ref('excluded.severity'),
          since: eb.ref('excluded.since'),
          value: eb.ref('excluded.value'),
          event_at: eb.ref('excluded.event_at'),
          alert_id: eb.ref('excluded.alert_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  /**
   * Opens an alert, or finds the one already open for the robot, type and source (at most one may be). Returns
   * the event to publish when it opened one.
   */
  async openAlert(trx: Kysely<DB>, alert: NewAlert): Promise<{ row: AlertRow; event: AlertEvent | null }> {
    const inserted = await trx
      .insertInto('alerts')
      .values({
        robot_id: alert.robotId,
        alert_type: alert.alertType,
        severity: alert.severity,
        title: alert.title.slice(0, 200),
        message: alert.message,
        source: alert.source,
        value: alert.value,
        threshold: alert.threshold,
        details: JSON.stringify(alert.details),
        created_at: alert.at,
        updated_at: alert.at,
      })
      .onConflict((oc) =>
        oc
          .expression(sql`(COALESCE(robot_id, '')), alert_type, (COALESCE(source, ''))`)
          .where(sql<boolean>`resolved IS NOT TRUE`)
          .doNothing(),
      )
      .returning(ALERT_COLUMNS)
      .executeTakeFirst();
    if (inserted) return this.announce(trx, 'opened', inserted, alert.at);
    const existing = await this.findOpenAlert(trx, alert.robotId, alert.alertType, alert.source);
    if (!existing) throw new Error(`alert ${alert.alertType}/${alert.source} neither opened nor found open`);
    return { row: existing, event: null };
  }

  /** The open alert of a robot (or of Fleet itself, robot null) with this type and source, if there is one. */
  async findOpenAlert(trx: Kysely<DB>, robotId: string | null, alertType: string, source: string) {
    return trx
      .selectFrom('alerts')
      .select(ALERT_COLUMNS)
      .where(sql<boolean>`COALESCE(robot_id, '') = ${robotId ?? ''}`)
      .where('alert_type', '=', alertType)
      .where(sql<boolean>`COALESCE(source, '') = ${source}`)
      .where(sql<boolean>`resolved IS NOT TRUE`)
      .executeTakeFirst();
  }

  /**
   * Raises an open alert's severity, value and threshold. An escalation to critical needs attention again, whoever
   * acknowledged the warning: the acknowledgement is cleared, and who made it (and when) is kept in
   * `details.warning_acknowledged`.
   */
  async escalateAlert(
    trx: Kysely<DB>,
    id: number,
    change: { severity: FiringSeverity; title: string; message: string; value: number; threshold: number; at: Date },
  ): Promise<AlertEvent | null> {
    const row = await trx
      .updateTable('alerts')
      .set((eb) => ({
        severity: change.severity,
        title: change.title.slice(0, 200),
        message: change.message,
        value: change.value,
        threshold: change.threshold,
        updated_at: change.at,
        ...(change.severity === 'critical' && {
          acknowledged: false,
          acknowledged_by: null,
          acknowledged_at: null,
          // The right-hand sides read the row as it was before this update.
          details: sql<string>`CASE WHEN ${eb.ref('acknowledged')} IS TRUE
            THEN COALESCE(${eb.ref('details')}, '{}'::jsonb) || jsonb_build_object('warning_acknowledged',
              jsonb_build_object('by', ${eb.ref('acknowledged_by')}, 'at', ${eb.ref('acknowledged_at')}))
            ELSE ${eb.ref('details')} END`,
        }),
      }))
      .where('id', '=', id)
      .where(sql<boolean>`resolved IS NOT TRUE`)
      .where('severity', '<>', change.severity)
      .returning(ALERT_COLUMNS)
      .executeTakeFirst();
    return row ? (await this.announce(trx, 'escalated', row, change.at)).event : null;
  }

  /** Resolves an open alert on Fleet's own judgement (`resolution: 'auto'`). */
  async autoResolveAlert(
    trx: Kysely<DB>,
    id: number,
    change: { note: string; at: Date; details?: Record<string, unknown> },
  ): Promise<AlertEvent | null> {
    const row = await trx
      .updateTable('alerts')
      .set((eb) => ({
        resolved: true,
        resolved_at: change.at,
        resolved_by: null,
        resolution: 'auto' as const,
        resolution_note: change.note,
        updated_at: change.at,
        ...(change.details && {
          details: sql<string>`COALESCE(${eb.ref('details')}, '{}'::jsonb) || ${JSON.stringify(change.details)}::jsonb`,
        }),
      }))
      .where('id', '=', id)
      .where(sql<boolean>`resolved IS NOT TRUE`)
      .returning(ALERT_COLUMNS)
      .executeTakeFirst();
    return row ? (await this.announce(trx, 'resolved', row, change.at)).event : null;
  }

  /** Marks a robot Fleet had marked offline for silence online again; false when its status says otherwise. */
  async markOnline(trx: Kysely<DB>, robotId: string, at: Date): Promise<boolean> {
    const result = await trx
      .updateTable('robots')
      .set({ status: 'online', updated_at: at })
      .where('robot_id', '=', robotId)
      .where('status', '=', 'offline')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async logConnection(
    trx: Kysely<DB>,
    entry: {
      robotId: string;
      event: 'connected' | 'timeout';
      at: Date;
      key?: string;
      details: Record<string, unknown>;
    },
  ): Promise<void> {
    await trx
      .insertInto('robot_connection_logs')
      .values({
        robot_id: entry.robotId,
        event: entry.event,
        timestamp: entry.at,
        message_key: entry.key ?? null,
        details: JSON.stringify(entry.details),
      })
      .onConflict((oc) => oc.column('message_key').where('message_key', 'is not', null).doNothing())
      .execute();
  }

  /**
   * Active robots silent past their timeout that are not yet offline (or in maintenance). Silence is counted from
   * the newest of: last message, registration, and `countFrom` (when this alerting started: a robot is not
   * judged on a time nobody was watching).
   */
  async silentRobots(
    trx: Kysely<DB>,
    now: Date,
    countFrom: Date,
    defaultTimeoutS: number,
    robotIds?: readonly string[],
  ): Promise<SilentRobot[]> {
    let query = trx
      .selectFrom('robots')
      .select(['robot_id', 'last_seen', sql<number>`COALESCE(offline_timeout_s, ${defaultTimeoutS})`.as('timeout_s')])
      .where('is_active', 'is not', false)
      .where((eb) =>
        eb.or([
          eb('status', 'is', null),
          eb('status', 'not in', ['offline', 'maintenance']),
          // Registered but never heard from: offline by default, yet nobody has seen it at all.
          eb.and([eb('status', '=', 'offline'), eb('last_seen', 'is', null)]),
        ]),
      )
      // Already marked offline for silence (until it speaks again).
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('alert_states')
              .select('alert_states.robot_id')
              .whereRef('alert_states.robot_id', '=', 'robots.robot_id')
              .where('alert_states.metric', '=', OFFLINE_METRIC)
              .where('alert_states.state', '=', 'firing'),
          ),
        ),
      )
      .where(
        sql<boolean>`GREATEST(COALESCE(last_seen, created_at, ${countFrom}), ${countFrom}::timestamptz)
          + COALESCE(offline_timeout_s, ${defaultTimeoutS}) * interval '1 second' < ${now}::timestamptz`,
      );
    if (robotIds) query = query.where('robot_id', 'in', [...robotIds]);
    const rows = await query.orderBy('robot_id').execute();
    return rows.map((r) => ({ robotId: r.robot_id, lastSeen: r.last_seen, timeoutS: Number(r.timeout_s) }));
  }

  /**
   * Robots marked offline for silence while a snooze kept their `network` alert from opening (no severity), still
   * offline and still without one: the alert is owed once the snooze ends. (A robot whose alert was resolved or
   * deleted by hand also has no alert linked, but it had one.)
   */
  async offlineWithoutAlert(trx: Kysely<DB>, defaultTimeoutS: number, robotIds?: readonly string[]) {
    let query = trx
      .selectFrom('alert_states')
      .innerJoin('robots', 'robots.robot_id', 'alert_states.robot_id')
      .select([
        'robots.robot_id',
        'robots.last_seen',
        sql<number>`COALESCE(robots.offline_timeout_s, ${defaultTimeoutS})`.as('timeout_s'),
      ])
      .where('alert_states.metric', '=', OFFLINE_METRIC)
      .where('alert_states.source', '=', OFFLINE_SOURCE)
      .where('alert_states.state', '=', 'firing')
      .where('alert_states.alert_id', 'is', null)
      .where('alert_states.severity', 'is', null)
      .where('robots.status', '=', 'offline')
      // None opened since it was marked offline: one someone resolved by hand is not raised again.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('alerts')
              .select('alerts.id')
              .whereRef('alerts.robot_id', '=', 'robots.robot_id')
              .where('alerts.alert_type', '=', 'network')
              .whereRef('alerts.created_at', '>=', 'alert_states.event_at'),
          ),
        ),
      );
    if (robotIds) query = query.where('robots.robot_id', 'in', [...robotIds]);
    const rows = await query.orderBy('robots.robot_id').execute();
    return rows.map((r) => ({
      robotId: r.robot_id,
      lastSeen: r.last_seen,
      timeoutS: Number(r.timeout_s),
    }));
  }

  /** Links the offline state of a robot to the `network` alert opened for it after the fact. */
  async linkOfflineAlert(trx: Kysely<DB>, robotId: string, alertId: number, at: Date): Promise<void> {
    await trx
      .updateTable('alert_states')
      .set({ alert_id: alertId, severity: 'critical', updated_at: at })
      .where('robot_id', '=', robotId)
      .where('metric', '=', OFFLINE_METRIC)
      .where('source', '=', OFFLINE_SOURCE)
      .execute();
  }

  async markOffline(trx: Kysely<DB>, robotId: string, at: Date): Promise<void> {
    await trx
      .updateTable('robots')
      .set({ status: 'offline', updated_at: at })
      .where('robot_id', '=', robotId)
      .execute();
  }

  private async announce(
    trx: Kysely<DB>,
    type: AlertEventType,
    row: AlertRow,
    at: Date,
  ): Promise<{ row: AlertRow; event: AlertEvent }> {
    const event = alertEvent(type, row, at);
    await enqueueAlertEvent(trx, event);
    return { row, event };
  }
}

export function stateKey(robotId: string, metric: string, source: string): string {
  return `${robotId}\n${metric}\n${source}`;
}
