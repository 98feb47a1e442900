import { ALERT_STREAM, type AlertEvent } from '@fleet/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@fleet/messaging';
import type { TestApi } from './api';
import { uniqueName } from './servers';

/** Alert events as a process publishes them, each awaited by what it says rather than by time. */
export class AlertEvents {
  readonly received: AlertEvent[] = [];
  private waiters: { matches: (e: AlertEvent) => boolean; resolve: (e: AlertEvent) => void }[] = [];
  private subscription?: Subscription;

  /** Starts reading the alert stream of `api`'s event bus, from now on. */
  static async watch(api: TestApi): Promise<AlertEvents> {
    const events = new AlertEvents();
    const bus: EventBus = api.app.app.get(EVENT_BUS);
    events.subscription = bus.subscribe<AlertEvent>(ALERT_STREAM, uniqueName('watch'), 'test', (batch) => {
      for (const e of batch) events.add(e.data);
      return Promise.resolve();
    });
    await events.subscription.ready;
    return events;
  }

  add(event: AlertEvent): void {
    this.received.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.matches(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  /** The first event (already received or still to come) for the alert with this id and event type. */
  next(alertId: number, type: AlertEvent['event']): Promise<AlertEvent> {
    const matches = (e: AlertEvent) => e.alert.id === alertId && e.event === type;
    const seen = this.received.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  /** Every event received so far for one alert, in order. */
  of(alertId: number): AlertEvent[] {
    return this.received.filter((e) => e.alert.id === alertId);
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}
