import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import type { AlertEvent } from '@fleet/contracts';
import { ServiceHeartbeatRepository, type DB } from '@fleet/database';
import type { Kysely } from 'kysely';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { AlertPublisher } from './alert.publisher';
import { AlertingMetrics } from './alerting.metrics';
import {
  AlertingRepository,
  OFFLINE_METRIC,
  OFFLINE_SOURCE,
  type SilentRobot,
  type StoredState,
} from './alerting.repository';
import { AlertingSettings } from './alerting.settings';

/**
 * Notices robots that went silent: every `ALERT_CHECK_INTERVAL_MS`, a robot not heard from for longer than its
 * timeout (`robots.offline_timeout_s`, else `ALERT_OFFLINE_TIMEOUT_S`) is marked offline, gets a critical
 * `network` alert and a `timeout` connection event. A snooze defers the alert: a robot still offline when its snooze
 * has ended gets it at the next sweep. Robots registered but never heard from count from their registration. Silence is never counted from before this process started, so a restart after an
 * outage does not flag the whole fleet before it had a chance to report.
 *
 * Silence is judged only up to ingest's watermark (see the ingest heartbeat): when ingest stalls (a store or
 * the broker is unreachable, or ingest is not running), robots are not taken for silent; one critical `system`
 * alert (source `ingest`) says telemetry is not coming in, and resolves when it is again.
 *
 * All state is in Postgres (the robot's status and an `alert_states` row): a restarted or another replica knows
 * who is silent. One replica sweeps at a time (a transaction-scoped advisory lock); the others skip that round.
 */
/** Robots marked offline per transaction. */
const SWEEP_CHUNK = 200;
/** An ingest replica that has not reported for this long is taken to be stopped. */
const HEARTBEAT_STALE_MS = 30_000;
/** The source of the alert raised while telemetry is not coming in at all. */
export const PIPELINE_SOURCE = 'ingest';

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
    @Inject(ServiceHeartbeatRepository) private readonly heartbeats: ServiceHeartbeatRepository,
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
    const swept = await this.repository.transaction(async (trx) => {
      if (!(await this.repository.trySweepLock(trx))) return null;
      const pipeline = await this.pipeline(now, defaultTimeoutS);
      const event = await this.reportPipeline(trx, pipeline, now);
      if (event) events.push(event);
      const candidates = await this.repository.silentRobots(trx, pipeline.until, this.startedAt, defaultTimeoutS);
      const deferred = await this.repository.offlineWithoutAlert(trx, defaultTimeoutS);
      return {
        until: pipeline.until,
        ids: candidates.map((c) => c.robotId),
        owed: deferred.filter((d) => !this.settings.snoozed(d.robotId, 'network')).map((d) => d.robotId),
      };
    });
    const offline: SilentRobot[] = [];
    // In chunks, so an outage of thousands of robots never holds thousands of locks in one transaction.
    for (let i = 0; swept && i < swept.ids.length; i += SWEEP_CHUNK) {
      const chunk = swept.ids.slice(i, i + SWEEP_CHUNK);
      offline.push(...(await this.markSilent(chunk, now, swept.until, defaultTimeoutS, events)));
    }
    for (let i = 0; swept && i < swept.owed.length; i += SWEEP_CHUNK) {
      const chunk = swept.owed.slice(i, i + SWEEP_CHUNK);
      await this.raiseDeferred(chunk, now, swept.until, defaultTimeoutS, events);
    }
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

  /** Marks these robots offline if they are still silent, asked again under their locks. */
  private markSilent(
    ids: readonly string[],
    now: Date,
    until: Date,
    defaultTimeoutS: number,
    events: AlertEvent[],
  ): Promise<SilentRobot[]> {
    return this.repository.transaction(async (trx) => {
      await this.repository.lockRobots(trx, ids);
      // A message evaluated meanwhile may have brought one back.
      const silent = await this.repository.silentRobots(trx, until, this.startedAt, defaultTimeoutS, ids);
      const states: StoredState[] = [];
      for (const robot of silent) {
        const silentS = Math.round((until.getTime() - (robot.lastSeen ?? this.startedAt).getTime()) / 1000);
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
        const alertId = this.settings.snoozed(robot.robotId, 'network')
          ? null
          : await this.openOfflineAlert(trx, robot, silentS, now, events);
        states.push({
          robotId: robot.robotId,
          metric: OFFLINE_METRIC,
          source: OFFLINE_SOURCE,
          state: 'firing',
          // No severity while a snooze holds the alert back: that is how the alert owed afterwards is told apart
          // from one that was raised and then resolved or deleted by hand.
          severity: alertId === null ? null : 'critical',
          // The silence judged: a message received after this brings the robot back, one before it does not.
          since: new Date(until.getTime() - robot.timeoutS * 1000),
          value: silentS,
          eventAt: now,
          alertId,
        });
      }
      await this.repository.saveStates(trx, states, now);
      return silent;
    });
  }

  /**
   * Opens the `network` alert a snooze held back for robots still offline and silent, now that the snooze is over;
   * asked again under their locks, since a message may have brought one back meanwhile.
   */
  private async raiseDeferred(
    ids: readonly string[],
    now: Date,
    until: Date,
    defaultTimeoutS: number,
    events: AlertEvent[],
  ): Promise<void> {
    await this.repository.transaction(async (trx) => {
      await this.repository.lockRobots(trx, ids);
      for (const robot of await this.repository.offlineWithoutAlert(trx, defaultTimeoutS, ids)) {
        if (this.settings.snoozed(robot.robotId, 'network')) continue;
        const silentS = Math.round((until.getTime() - (robot.lastSeen ?? this.startedAt).getTime()) / 1000);
        const alertId = await this.openOfflineAlert(trx, robot, silentS, now, events);
        await this.repository.linkOfflineAlert(trx, robot.robotId, alertId, now);
      }
    });
  }

  private async openOfflineAlert(
    trx: Kysely<DB>,
    robot: { robotId: string; lastSeen: Date | null; timeoutS: number },
    silentS: number,
    now: Date,
    events: AlertEvent[],
  ): Promise<number> {
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
    if (event) events.push(event);
    return row.id;
  }

  /**
   * Up to when robots can be judged silent. Each ingest replica reports, every few seconds, that everything it
   * received before its watermark is written; a robot is silent only if nothing from it came in before that. With
   * no heartbeat at all (ingest has never run against this database) the clock decides alone.
   */
  private async pipeline(now: Date, defaultTimeoutS: number): Promise<Pipeline> {
    const beats = await this.heartbeats.list('ingest');
    if (beats.length === 0) return { until: now, problem: null };
    const live = beats.filter((b) => now.getTime() - b.beatAt.getTime() <= HEARTBEAT_STALE_MS);
    if (live.length === 0) {
      const lastBeat = Math.max(...beats.map((b) => b.beatAt.getTime()));
      const until = Math.min(now.getTime(), Math.max(...beats.map((b) => b.watermark.getTime())));
      const quietS = Math.round((now.getTime() - lastBeat) / 1000);
      return { until: new Date(until), problem: `no ingest has reported for ${quietS} s: robots cannot be heard` };
    }
    const until = Math.min(now.getTime(), ...live.map((b) => b.watermark.getTime()));
    const behindS = Math.round((now.getTime() - until) / 1000);
    return {
      until: new Date(until),
      problem:
        behindS > defaultTimeoutS
          ? `ingest is ${behindS} s behind (a store or the broker is unreachable): robots' messages are not coming in`
          : null,
    };
  }

  /** One alert about Fleet itself while telemetry is not coming in, instead of one per robot. */
  private async reportPipeline(trx: Kysely<DB>, pipeline: Pipeline, now: Date): Promise<AlertEvent | null> {
    const open = await this.repository.findOpenAlert(trx, null, 'system', PIPELINE_SOURCE);
    if (pipeline.problem && !open) {
      this.log.error({ problem: pipeline.problem }, 'telemetry is not coming in');
      const { event } = await this.repository.openAlert(trx, {
        robotId: null,
        alertType: 'system',
        source: PIPELINE_SOURCE,
        severity: 'critical',
        title: 'Telemetry is not coming in',
        message: pipeline.problem,
        value: null,
        threshold: null,
        details: { judged_until: pipeline.until.toISOString() },
        at: now,
      });
      return event;
    }
    if (!pipeline.problem && open) {
      this.log.info('telemetry is coming in again');
      return this.repository.autoResolveAlert(trx, open.id, { note: 'ingest is keeping up again', at: now });
    }
    return null;
  }
}

interface Pipeline {
  /** Robots are judged silent only on what arrived before this. */
  until: Date;
  /** Why telemetry is not coming in, or null when it is. */
  problem: string | null;
}
