import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { AlertSnoozeRepository, AlertThresholdRepository, snoozeCovers, type AlertSnooze } from '@fleet/database';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { ThresholdBook } from './evaluation/threshold-book';

/**
 * Thresholds and snoozes as alerting applies them, reread from Postgres every `ALERT_REFRESH_MS`: a change made
 * through the API (on any replica) applies everywhere within that time, without a restart. A failed reread keeps
 * the last good copy and says so in the log.
 */
@Injectable()
export class AlertingSettings implements OnApplicationBootstrap, OnApplicationShutdown {
  private book = new ThresholdBook([]);
  private snoozes: AlertSnooze[] = [];
  private timer?: NodeJS.Timeout;
  private loaded?: Promise<void>;
  private readonly log: Logger;

  constructor(
    @Inject(AlertThresholdRepository) private readonly thresholds: AlertThresholdRepository,
    @Inject(AlertSnoozeRepository) private readonly snoozeRepository: AlertSnoozeRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'alerting-settings' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.log.warn({ err: error }, 'cannot reread thresholds and snoozes; keeping the last ones'),
      );
    }, this.config.alerting.refreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Rereads now (tests call it after changing thresholds instead of waiting for the timer). */
  refresh(): Promise<void> {
    const run = (this.loaded ?? Promise.resolve()).then(() => this.load());
    this.loaded = run.catch(() => undefined);
    return run;
  }

  threshold(robotId: string, metric: string) {
    return this.book.resolve(robotId, metric);
  }

  /** Whether a snooze covers this robot's alerts of this type now. */
  snoozed(robotId: string, alertType: string): boolean {
    return snoozeCovers(this.snoozes, robotId, alertType, this.clock.now());
  }

  /** Both tables are small (a row per metric, per robot override, per snooze): reading them whole is cheap. */
  private async load(): Promise<void> {
    const [rows, snoozes] = await Promise.all([
      this.thresholds.listAll(),
      this.snoozeRepository.active(this.clock.now()),
    ]);
    this.book = new ThresholdBook(rows);
    this.snoozes = snoozes;
  }
}
