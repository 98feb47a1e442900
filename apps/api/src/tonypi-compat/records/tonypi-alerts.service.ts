import { Inject, Injectable } from '@nestjs/common';
import type {
  TonyPiAlert,
  TonyPiAlertCreate,
  TonyPiAlertListQuery,
  TonyPiAlertStats,
  TonyPiAlertStatsQuery,
} from '@fleet/contracts';
import { CLOCK, type Clock } from '@fleet/platform';
import { AlertsService } from '../../alerts/alerts.service';
import type { Actor } from '../../http/request-context';
import { rangeStart } from './read-pages';
import { tonypiAlert, tonypiAlertStats } from './tonypi-alerts.mapper';

/**
 * TonyPi's alert routes on Fleet's alerts: listing, counting, raising, acknowledging, resolving and deleting go
 * through {@link AlertsService}, so each change is recorded, announced and delivered to webhooks as from Fleet's own
 * routes.
 */
@Injectable()
export class TonyPiAlerts {
  constructor(
    @Inject(AlertsService) private readonly alerts: AlertsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Newest first, created within the range. */
  async list(query: TonyPiAlertListQuery): Promise<TonyPiAlert[]> {
    const page = await this.alerts.list({
      robot_id: query.robot_id,
      alert_type: query.alert_type,
      severity: query.severity,
      acknowledged: query.acknowledged,
      resolved: query.resolved,
      from: rangeStart(this.clock.now(), query.time_range),
      limit: query.limit,
      offset: 0,
    });
    return page.items.map(tonypiAlert);
  }

  async stats(query: TonyPiAlertStatsQuery): Promise<TonyPiAlertStats> {
    const stats = await this.alerts.stats({
      robot_id: query.robot_id,
      from: rangeStart(this.clock.now(), query.time_range),
    });
    return tonypiAlertStats(stats);
  }

  /** Opens an alert a client raises, announced as `opened` by the signed-in user. */
  async create(actor: Actor, input: TonyPiAlertCreate): Promise<TonyPiAlert> {
    return tonypiAlert(await this.alerts.create(actor, input));
  }

  /** Recorded as acknowledged by the signed-in user (TonyPi's `acknowledged_by` parameter is not trusted). */
  async acknowledge(actor: Actor, id: number) {
    const alert = await this.alerts.acknowledge(actor, id);
    return { message: `Alert ${id} acknowledged`, acknowledged_by: alert.acknowledged_by };
  }

  async resolve(actor: Actor, id: number) {
    await this.alerts.resolve(actor, id);
    return { message: `Alert ${id} resolved` };
  }

  /** The open alerts of one robot or all, up to Fleet's limit per call; `remaining` says how many are left. */
  async acknowledgeAll(actor: Actor, robotId: string | undefined) {
    const result = await this.alerts.acknowledgeAll(actor, { robot_id: robotId });
    return {
      message: `Acknowledged ${result.acknowledged} alerts`,
      acknowledged: result.acknowledged,
      remaining: result.remaining,
    };
  }

  /** Deletes the alert for good, as TonyPi does; the audit trail keeps what it was. */
  async remove(actor: Actor, id: number) {
    await this.alerts.remove(actor, id);
    return { message: `Alert ${id} deleted` };
  }
}
