import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { ServiceHeartbeatRepository } from '@fleet/database';
import type { MqttConnection } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { MessageLog } from './buffer/message-log';
import { INGEST_BUFFER, INGEST_MQTT } from './ingest.tokens';
import { IngestWriter } from './ingest.writer';

/** How often ingest says how far it has got. Alerting counts an ingest silent for 30 s as stopped. */
export const HEARTBEAT_MS = 5_000;

/**
 * Up to when an ingest replica has heard and written everything: now, unless a batch received earlier is still
 * being written (a store is down) or the broker connection has been lost since some moment.
 */
export class Watermark {
  private disconnectedSince?: number;

  at(now: Date, connected: boolean, oldestUnwrittenAt: number | undefined): Date {
    if (connected) this.disconnectedSince = undefined;
    else this.disconnectedSince ??= now.getTime();
    return new Date(Math.min(now.getTime(), this.disconnectedSince ?? Infinity, oldestUnwrittenAt ?? Infinity));
  }
}

/**
 * Tells alerting, every {@link HEARTBEAT_MS}, up to when this replica has heard everything: robots' silence is only
 * judged up to there. The watermark is the receipt time of the oldest message still being written (a store is
 * down), or the moment the broker connection was lost, or now.
 */
@Injectable()
export class IngestHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly tracker = new Watermark();
  private failing = false;
  private readonly log: Logger;

  constructor(
    @Inject(ServiceHeartbeatRepository) private readonly heartbeats: ServiceHeartbeatRepository,
    @Inject(IngestWriter) private readonly writer: IngestWriter,
    @Inject(INGEST_BUFFER) private readonly buffer: MessageLog,
    @Inject(INGEST_MQTT) private readonly mqtt: MqttConnection,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'ingest-heartbeat' });
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Up to when everything received has been written. */
  watermark(now: Date): Date {
    return this.tracker.at(now, this.mqtt.connected, this.writer.oldestUnwrittenAt);
  }

  async beat(): Promise<void> {
    const now = this.clock.now();
    try {
      await this.heartbeats.beat('ingest', this.config.instanceId, now, this.watermark(now), {
        backlog_messages: this.buffer.backlog.messages,
        broker_connected: this.mqtt.connected,
      });
      if (this.failing) this.log.info('heartbeat written again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.log.warn({ err: error }, 'cannot write the ingest heartbeat');
      this.failing = true;
    }
  }
}
