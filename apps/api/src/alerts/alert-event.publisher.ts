import { Inject, Injectable } from '@nestjs/common';
import { ALERT_STREAM, type AlertEvent } from '@fleet/contracts';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { LOGGER, type Logger } from '@fleet/platform';

/**
 * Announces alert changes made through the API on the `alerts` stream, as alerting does its own, once they are
 * committed. Webhooks do not depend on it: their deliveries were queued in the transaction that made the change.
 */
@Injectable()
export class AlertEventPublisher {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'alerts' });
  }

  /** Never throws: the change is committed, and the caller's request succeeded whether live views hear of it. */
  async publish(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events) {
      this.log.info(
        { alertId: e.alert.id, event: e.event, robotId: e.alert.robot_id, actor: e.actor },
        `alert ${e.event} by ${e.actor ?? 'fleet'}: ${e.alert.title}`,
      );
    }
    try {
      await this.bus.publish(ALERT_STREAM, events);
    } catch (error) {
      this.log.warn(
        { err: error, events: events.length },
        'alert changes committed but not published on the event bus',
      );
    }
  }
}
