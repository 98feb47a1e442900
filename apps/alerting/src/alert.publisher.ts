import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ALERT_STREAM, type AlertEvent } from '@fleet/contracts';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { LOGGER } from '@fleet/platform';
import { AlertingMetrics } from './alerting.metrics';
import { WebhookDeliverer } from './notifications/webhook.deliverer';

/**
 * Announces committed alert changes on the event bus (the API pushes them to dashboards), counts them, and wakes
 * the webhook deliverer. Webhooks do not depend on the bus: their deliveries were queued in the transaction that
 * made the change.
 */
@Injectable()
export class AlertPublisher {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(AlertingMetrics) private readonly metrics: AlertingMetrics,
    @Inject(WebhookDeliverer) private readonly webhooks: WebhookDeliverer,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'alerting' });
  }

  /** Never throws: the change is committed, and failing here would only evaluate the same events again. */
  async publish(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.webhooks.wake();
    for (const e of events) {
      this.metrics.alerts.inc({ event: e.event, alert_type: e.alert.alert_type, severity: e.alert.severity });
      this.log.info(
        {
          alertId: e.alert.id,
          event: e.event,
          robotId: e.alert.robot_id,
          alertType: e.alert.alert_type,
          source: e.alert.source,
          severity: e.alert.severity,
        },
        `alert ${e.event}: ${e.alert.title}`,
      );
    }
    try {
      await this.bus.publish(ALERT_STREAM, events);
    } catch (error) {
      this.metrics.publishFailures.inc(events.length);
      this.log.warn(
        { err: error, events: events.length },
        'alert changes committed but not published on the event bus',
      );
    }
  }
}
