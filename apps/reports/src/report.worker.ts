import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { REPORT_REQUEST_STREAM, REPORT_STREAM } from '@fleet/contracts';
import { ReportRepository, SystemLogRepository, type ReportRecord, type ReportRow } from '@fleet/database';
import { EVENT_BUS, KickedRounds, type EventBus } from '@fleet/messaging';
import { CLOCK, HealthRegistry, LOGGER, type Clock, type FailureHealth } from '@fleet/platform';
import { ReportProducer, reportEvent } from '@fleet/reports';
import { ReportMetrics } from './report.metrics';
import { ReportNotifier } from './report.notifier';
import { RollupKeeper } from './rollup.keeper';

/** Pause before retry `attempt` (1, 2, ...): the base doubling, at most a day. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 86_400_000);
}

/**
 * Makes queued reports: every replica takes reports one at a time under a lease (`FOR UPDATE SKIP LOCKED`), so no
 * report is made by two replicas, and renews it while it works. A run that fails is recorded with its error and
 * queued again after a pause that doubles each time, until its attempts are spent; then it is `failed`, with a
 * system log entry. A replica that dies mid-run stops renewing, and once the lease runs out the report is taken up
 * again. It looks every `REPORTS_CHECK_INTERVAL_MS`, and at once when the API announces a report.
 */
@Injectable()
export class ReportWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** This process's lease holder name: a replica restarted under the same instance id holds nothing of the old one. */
  readonly owner: string;
  private readonly rounds = new KickedRounds(() => this.pump());
  private readonly running = new Set<Promise<void>>();
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(ReportRepository) private readonly reports: ReportRepository,
    @Inject(ReportProducer) private readonly producer: ReportProducer,
    @Inject(SystemLogRepository) private readonly systemLogs: SystemLogRepository,
    @Inject(ReportNotifier) private readonly notifier: ReportNotifier,
    @Inject(RollupKeeper) private readonly rollups: RollupKeeper,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ReportMetrics) private readonly metrics: ReportMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.owner = `${config.instanceId}:${randomUUID().slice(0, 8)}`;
    this.log = logger.child({ component: 'reports' });
    this.health = health.track('report_worker', 'making reports', {
      concurrency: config.reports.concurrency,
      checkIntervalMs: config.reports.checkIntervalMs,
    });
  }

  onApplicationBootstrap(): void {
    this.rounds.start({
      bus: this.bus,
      stream: REPORT_REQUEST_STREAM,
      group: 'report-workers',
      instanceId: this.config.instanceId,
      intervalMs: this.config.reports.checkIntervalMs,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
    // A report under way is finished (its lease is renewed meanwhile), unless shutdown runs out of time first.
    await Promise.all(this.running);
  }

  /** Looks for reports to make now, or right after the look under way. */
  kick(): void {
    this.rounds.kick();
  }

  /** Resolves once nothing is being looked for or made (tests). */
  async idle(): Promise<void> {
    await this.rounds.idle();
    while (this.running.size > 0) {
      await Promise.all(this.running);
      await this.rounds.idle();
    }
  }

  /** Takes up reports while there is room; never asks for another round itself (a finished run kicks). */
  private async pump(): Promise<boolean> {
    try {
      await this.failAbandoned();
      while (!this.rounds.isStopped && this.running.size < this.config.reports.concurrency) {
        const row = await this.reports.claim(this.owner, this.clock.now(), this.config.reports.leaseMs);
        if (!row) break;
        const run: Promise<void> = this.run(row).finally(() => {
          this.running.delete(run);
          this.kick();
        });
        this.running.add(run);
      }
      this.health.succeeded();
      return false;
    } catch (error) {
      this.health.failed(error);
      this.log.warn({ err: error }, 'cannot look for reports to make; trying again shortly');
      throw error;
    }
  }

  /** Reports whose replica died during their last attempt: failed, and said so. */
  private async failAbandoned(): Promise<void> {
    for (const row of await this.reports.failAbandoned(this.clock.now())) {
      this.metrics.runs.inc({ type: row.report_type, outcome: 'failed' });
      await this.recordFailure(row, row.error ?? 'abandoned', true);
    }
  }

  private async run(row: ReportRecord): Promise<void> {
    const log = this.log.child({ reportId: row.id, type: row.report_type, attempt: row.attempts });
    const endTimer = this.metrics.seconds.startTimer({ type: row.report_type });
    await this.publish('running', row);
    const renewEvery = Math.max(1_000, Math.floor(this.config.reports.leaseMs / 3));
    const renewal = setInterval(() => {
      const until = new Date(this.clock.now().getTime() + this.config.reports.leaseMs);
      this.reports.renew(row.id, this.owner, until).then(
        (held) => {
          if (!held) log.warn('the lease on this report was lost; another replica may be making it');
        },
        (error: unknown) => log.warn({ err: error }, 'cannot renew the lease on this report'),
      );
    }, renewEvery);
    try {
      // Late points the tiers have not rolled again yet are rolled first (a round that fails is only logged).
      await this.rollups.run();
      const made = await this.producer.produce(row, this.clock.now());
      if (made.summaryError) await this.summaryMissing(row, made.summaryError, log);
      const stored = await this.reports.complete(
        row.id,
        this.owner,
        {
          title: made.document.title,
          data: made.document,
          schemaVersion: made.document.schema_version,
          files: made.files,
        },
        this.clock.now(),
      );
      if (!stored) {
        this.metrics.runs.inc({ type: row.report_type, outcome: 'lost' });
        log.warn('report made after its lease was lost: another replica makes it, this result is dropped');
        return;
      }
      endTimer();
      this.metrics.runs.inc({ type: row.report_type, outcome: 'done' });
      const done = await this.reports.get(row.id);
      log.info({ findings: made.document.findings.length, ms: Date.now() - row.started_at!.getTime() }, 'report made');
      await this.publish('done', done, made.document.findings.length);
      if (done.schedule_id) await this.notifier.notify(done);
    } catch (error) {
      await this.failed(row, error as Error, log);
    } finally {
      clearInterval(renewal);
    }
  }

  private async summaryMissing(row: ReportRow, error: string, log: Logger): Promise<void> {
    log.warn({ error }, 'report made without its summary');
    await this.systemLogs.insert({
      level: 'WARNING',
      category: 'reports',
      message: `report ${row.id} (${row.report_type}) is made without the summary it asked for: ${error}`,
      robot_id: row.robot_id,
      details: { report_id: row.id, error },
      timestamp: this.clock.now(),
    });
  }

  private async failed(row: ReportRecord, error: Error, log: Logger): Promise<void> {
    const final = row.attempts >= row.max_attempts;
    const retryAt = final
      ? null
      : new Date(this.clock.now().getTime() + retryDelayMs(row.attempts, this.config.reports.retryBaseMs));
    try {
      const recorded = await this.reports.fail(row.id, this.owner, error.message, retryAt, this.clock.now());
      if (!recorded) {
        this.metrics.runs.inc({ type: row.report_type, outcome: 'lost' });
        return;
      }
      this.metrics.runs.inc({ type: row.report_type, outcome: final ? 'failed' : 'retry' });
      log.warn(
        { err: error, retryAt },
        final ? 'report failed; no attempts left' : 'report failed; it will be tried again',
      );
      const after = (await this.reports.find(row.id)) ?? row;
      await this.recordFailure(after, error.message, final, retryAt);
    } catch (recordError) {
      log.error(
        { err: recordError, cause: error.message },
        'cannot record a failed report; it is taken up again when its lease runs out',
      );
    }
  }

  private async recordFailure(row: ReportRow, error: string, final: boolean, retryAt?: Date | null): Promise<void> {
    await this.systemLogs.insert({
      level: final ? 'ERROR' : 'WARNING',
      category: 'reports',
      message: final
        ? `report ${row.id} (${row.report_type}) failed after ${row.attempts} attempt(s): ${error}`
        : `report ${row.id} (${row.report_type}) failed (attempt ${row.attempts} of ${row.max_attempts}), ` +
          `trying again at ${retryAt?.toISOString() ?? 'once its lease runs out'}: ${error}`,
      robot_id: row.robot_id,
      details: { report_id: row.id, attempts: row.attempts, error, final, schedule_id: row.schedule_id },
      timestamp: this.clock.now(),
    });
    await this.publish(final ? 'failed' : 'queued', row);
    if (final && row.schedule_id) await this.notifier.notify(row);
  }

  /** Publishes a change for live clients; a bus that is away costs the event, never the report. */
  private async publish(event: string, row: ReportRow, findings?: number): Promise<void> {
    await this.bus
      .publish(REPORT_STREAM, [reportEvent(event, row, this.clock.now(), findings)])
      .catch((error: unknown) => this.log.warn({ err: error, reportId: row.id }, 'cannot publish a report change'));
  }
}
