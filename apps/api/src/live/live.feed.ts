import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { EVENT_BUS, type EventBus, type Subscription } from '@fleet/messaging';
import { LOGGER } from '@fleet/platform';
import { LiveGateway } from './live.gateway';
import { LiveMetrics } from './live.metrics';
import { LIVE_STREAMS, toLiveUpdate, type LiveStream } from './live.update';

/**
 * Reads the event streams live clients can follow and hands each event to this replica's clients. Every API
 * replica must see every event, so each reads through a consumer group of its own, named after the replica. Live
 * views want what happens from now on, never history: at every start the group is moved to the newest event
 * (`from: 'now'`), so a restarted replica, which takes up the group of the same name, does not push what was
 * published while it was down (up to `EVENTS_MAX_LENGTH` events) as if it were happening.
 */
@Injectable()
export class LiveFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LiveGateway) private readonly gateway: LiveGateway,
    @Inject(LiveMetrics) private readonly metrics: LiveMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'live' });
  }

  /** The consumer group of this replica (and its one consumer). */
  get group(): string {
    return `live-${this.config.instanceId}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const stream of LIVE_STREAMS) {
      this.subscriptions.push(
        this.bus.subscribe<unknown>(
          stream,
          this.group,
          this.group,
          (events) => {
            for (const event of events) this.push(stream, event.data);
            return Promise.resolve();
          },
          { from: 'now' },
        ),
      );
    }
    await Promise.all(this.subscriptions.map((s) => s.ready));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }

  /** Never throws: an event that cannot be shown is counted and skipped, not retried. */
  private push(stream: LiveStream, data: unknown): void {
    const update = toLiveUpdate(stream, data);
    if (!update) {
      this.metrics.events.inc({ stream, result: 'malformed' });
      this.log.warn({ stream }, 'skipping an event live clients cannot be shown');
      return;
    }
    this.metrics.events.inc({ stream, result: 'pushed' });
    this.gateway.publish(update);
  }
}
