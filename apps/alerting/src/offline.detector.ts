import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import type { AlertEvent } from '@fleet/contracts';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { AlertPublisher } from './alert.publisher';
import { AlertingMetrics } from './alerting.metrics';
import { AlertingRepository, OFFLINE_METRIC, OFFLINE_SOURCE, type StoredState } from './alerting.repository';
import { AlertingSettings } from './alerting.settings';

/**
 * Notices robots that went silent: every `ALERT_CHECK_INTERVAL_MS`, a robot not heard from for longer than its
 * timeout (`robots.offline_timeout_s`, else `ALERT_OFFLINE_TIMEOUT_S`) is marked offline, gets a critical
 * `network` alert (unless snoozed) and a `timeout` connection event. Robots registered but never heard from count
 * from their registration. Silence is never counted from before this process started, so a restart after an
 * outage does not flag the whole fleet before it had a chance to report.
 *
 * All state is in Postgres (the robot's status and an `alert_states` row): a restarted or another replica knows
 * who is silent. One replica sweeps at a time (a transaction-scoped advisory lock); the others skip that round.
 */
@Injectable()
export class OfflineDetector implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly startedAt: Date;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private readonly log: Logger;

  constructor(
    @Inject(AlertingRepository) private readonly repository: AlertingRepository,
    @Inject(AlertingSettings) private readonly settings: AlertingSettings,
    @Inject(AlertPublisher) private readonly publisher: AlertPublisher,
    @Inject(AlertingMetrics) private readonly metrics: AlertingMetrics,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'offline-detector' });
    this.startedAt = clock.now();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.log.warn({ err: error }, 'cannot check for silent robots'));
    }, this.config.alerting.checkIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** Marks robots silent past their timeout offline; resolves with how many. One sweep at a time per process. */
  sweep(): Promise<number> {
    this.sweeping ??= this.run().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async run(): Promise<number> {
    const now = this.clock.now();
    const defaultTimeoutS = this.config.alerting.offlineTimeoutMs / 1000;
    const events: AlertEvent[] = [];
    const offline = await this.repository.transaction(async (trx) => {
      if (!(await this.repository.trySweepLock(trx))) return [];
      const candidates = await this.repository.silentRobots(trx, now, this.startedAt, defaultTimeoutS);
      if (candidates.length === 0) return [];
      const ids = candidates.map((c) => c.robotId);
      await this.repository.lockRobots(trx, ids);
      // Asked again under the robots' locks: a message evaluated meanwhile may have brought one back.
      const silent = await this.repository.silentRobots(trx, now, this.startedAt, defaultTimeoutS, ids);
      const states: StoredState[] = [];
      for (const robot of silent) {
        const silentS = Math.round((now.getTime() - (robot.lastSeen ?? this.startedAt).getTime()) / 1000);
        await this.repository.markOffline(trx, robot.robotId, now);
        await this.repository.logConnection(trx, {
          robotId: robot.robotId,
          event: 'timeout',
          at: now,
          details: {
            source: 'alerting',
            last_seen: robot.lastSeen?.toISOString() ?? null,
            silent_s: silentS,
            timeout_s: robot.timeoutS,
          },
        });
        let alertId: number | null = null;
        if (!this.settings.snoozed(robot.robotId, 'network')) {
          const { row, event } = await this.repository.openAlert(trx, {
            robotId: robot.robotId,
            alertType: 'network',
            source: 'connection',
            severity: 'critical',
            title: 'Robot offline',
            message: robot.lastSeen
              ? `${robot.robotId} has been silent for ${silentS} s (timeout ${robot.timeoutS} s)`
              : `${robot.robotId} has not been heard from since it was registered (timeout ${robot.timeoutS} s)`,
            value: silentS,
            threshold: robot.timeoutS,
            details: { last_seen: robot.lastSeen?.toISOString() ?? null, timeout_s: robot.timeoutS },
            at: now,
          });
          alertId = row.id;
          if (event) events.push(event);
        }
        states.push({
          robotId: robot.robotId,
          metric: OFFLINE_METRIC,
          source: OFFLINE_SOURCE,
          state: 'firing',
          severity: 'critical',
          since: robot.lastSeen,
          value: silentS,
          eventAt: now,
          alertId,
        });
      }
      await this.repository.saveStates(trx, states, now);
      return silent;
    });
    for (const robot of offline) {
      this.metrics.timeouts.inc();
      this.log.warn(
        { robotId: robot.robotId, lastSeen: robot.lastSeen, timeoutS: robot.timeoutS },
        'robot went silent',
      );
      await this.live.setStatus(robot.robotId, 'offline', now).catch((error: unknown) => {
        this.log.warn({ err: error, robotId: robot.robotId }, 'cannot set live status offline');
      });
    }
    await this.publisher.publish(events);
    return offline.length;
  }
}
