import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { CLOCK, HealthRegistry, LOGGER, type Clock, type FailureHealth } from '@fleet/platform';
import { RollupMaintainer } from '@fleet/telemetry';
import { ReportFileStore } from '@fleet/reports';
import { ReportRepository } from '@fleet/database';
import { ReportMetrics } from './report.metrics';

/** Report files removed per look past retention. */
const FILES_PER_LOOK = 200;

/**
 * Keeps the rollup tiers that reports read up to date (every `REPORTS_ROLLUP_INTERVAL_MS`, any number of replicas),
 * and removes report files past `REPORTS_FILE_RETENTION_DAYS` (the reports stay, and their files are made again on
 * download).
 */
@Injectable()
export class RollupKeeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(RollupMaintainer) private readonly maintainer: RollupMaintainer,
    @Inject(ReportRepository) private readonly reports: ReportRepository,
    @Inject(ReportFileStore) private readonly files: ReportFileStore,
    @Inject(ReportMetrics) private readonly metrics: ReportMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'rollups' });
    this.health = health.track('rollups', 'keeping the rollup tiers', {
      intervalMs: config.reports.rollupIntervalMs,
      minutes: maintainer.minutesLive ? 'kept by the store' : 'rolled from InfluxDB',
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.config.reports.rollupIntervalMs);
    this.timer.unref();
    void this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round of upkeep (a round under way is waited for instead). */
  run(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      const result = await this.maintainer.run();
      this.health.succeeded();
      if (result.minutesRolled + result.hoursRolled + result.marksRolled > 0) this.log.debug(result, 'rollups rolled');
    } catch (error) {
      this.metrics.rollupFailures.inc();
      this.health.failed(error);
      this.log.warn({ err: error }, 'cannot bring the rollup tiers up to date; trying again shortly');
    }
    try {
      await this.removeOldFiles();
    } catch (error) {
      this.log.warn({ err: error }, 'cannot remove report files past retention; trying again later');
    }
  }

  private async removeOldFiles(): Promise<void> {
    const before = new Date(this.clock.now().getTime() - this.config.reports.fileRetentionMs);
    for (const row of await this.reports.withFilesBefore(before, FILES_PER_LOOK)) {
      for (const [format, file] of Object.entries(row.files ?? {})) {
        await this.files.remove(file);
        await this.reports.setFile(row.id, format, null);
      }
    }
  }
}
