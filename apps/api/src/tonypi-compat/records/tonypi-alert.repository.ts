import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { ConflictError, type AlertEvent, type AlertSeverity } from '@fleet/contracts';
import { ALERT_COLUMNS, DATABASE, alertEvent, enqueueAlertEvent, type AlertRow, type DB } from '@fleet/database';

/** An alert a client raises itself through TonyPi's `POST /alerts`. */
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
 * Opens the alerts TonyPi clients raise. Like alerting's own, an alert is announced (`opened`) with its webhook
 * deliveries queued in the transaction that inserts it, and one alert at most is open per robot, type and source.
 */
@Injectable()
export class TonyPiAlertRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /**
   * Inserts the alert as opened by `by` at `at` and returns it with the event to publish once committed. An alert
   * already open for the same robot, type and source is a conflict: acknowledge or resolve that one instead.
   */
  async open(alert: ClientAlert, by: string, at: Date): Promise<{ row: AlertRow; event: AlertEvent }> {
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
            .where(sql<boolean>`resolved IS NOT TRUE`)
            .doNothing(),
        )
        .returning(ALERT_COLUMNS)
        .executeTakeFirst();
      if (!row) throw await this.alreadyOpen(trx, alert);
      const event = alertEvent('opened', row, at, by);
      await enqueueAlertEvent(trx, event);
      return { row, event };
    });
  }

  private async alreadyOpen(trx: Kysely<DB>, alert: ClientAlert): Promise<ConflictError> {
    const open = await trx
      .selectFrom('alerts')
      .select('id')
      .where(sql<boolean>`COALESCE(robot_id, '') = ${alert.robot_id ?? ''}`)
      .where('alert_type', '=', alert.alert_type)
      .where(sql<boolean>`COALESCE(source, '') = ${alert.source ?? ''}`)
      .where(sql<boolean>`resolved IS NOT TRUE`)
      .executeTakeFirst();
    const which = open ? `alert ${open.id}` : 'an alert';
    return new ConflictError(
      `${which} is already open for robot ${alert.robot_id ?? '(none)'}, type ${alert.alert_type} and source ` +
        `${alert.source ?? '(none)'}: acknowledge or resolve it, or give another source`,
    );
  }
}
