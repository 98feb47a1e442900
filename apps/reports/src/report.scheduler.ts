import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { REPORT_STREAM } from '@fleet/contracts';
import { ReportScheduleRepository, SystemLogRepository, type DueDecision, type ReportSchedule } from '@fleet/database';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { CLOCK, HealthRegistry, LOGGER, type Clock, type FailureHealth } from '@fleet/platform';
import { decideDue, reportEvent } from '@fleet/reports';
import { ReportMetrics } from './report.metrics';
import { ReportWorker } from './report.worker';

/** Due schedules handled per look; more are handled at the next. */
const PER_TICK = 50;

/**
 * Queues the reports of due schedules. Every replica looks every `REPORTS_CHECK_INTERVAL_MS`; a due schedule is
 * taken under its row lock (other replicas skip it) and its due time gets one report (a unique index backs this),
 * so each due time makes exactly one report however many replicas run. Nothing is kept in memory: after a restart
 * the schedules say when they are due, and a due time missed while every replica was down is made once or skipped,
 * by the schedule's `missed` setting.
 */
@Injectable()
export class ReportScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(ReportScheduleRepository) private readonly schedules: ReportScheduleRepository,
    @Inject(SystemLogRepository) private readonly systemLogs: SystemLogRepository,
    @Inject(ReportWorker) private readonly worker: ReportWorker,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ReportMetrics) private readonly metrics: ReportMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'report-schedules' });
    this.health = health.track('report_scheduler', 'queuing scheduled reports', {
      checkIntervalMs: config.reports.checkIntervalMs,
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.reports.checkIntervalMs);
    this.timer.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One look at the schedules due now (a look under way is waited for instead). */
  tick(): Promise<void> {
    this.ticking ??= this.look().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async look(): Promise<void> {
    const now = this.clock.now();
    try {
      const outcomes = await this.schedules.runDue(now, PER_TICK, (s) => this.decide(s, now));
      for (const { schedule, report, skippedDueAt } of outcomes) {
        if (report) {
          this.metrics.scheduled.inc({ outcome: 'queued' });
          this.log.info(
            { schedule: schedule.name, reportId: report.id, dueAt: report.due_at },
            'scheduled report queued',
          );
          await this.bus.publish(REPORT_STREAM, [reportEvent('queued', report, now)]).catch(() => undefined);
        } else if (skippedDueAt) {
          this.metrics.scheduled.inc({ outcome: 'skipped' });
          await this.skipped(schedule, skippedDueAt, now);
        } else {
          this.metrics.scheduled.inc({ outcome: 'duplicate' });
        }
      }
      this.health.succeeded();
      if (outcomes.some((o) => o.report)) this.worker.kick();
    } catch (error) {
      this.health.failed(error);
      this.log.warn({ err: error }, 'cannot look at report schedules; trying again shortly');
    }
  }

  private decide(schedule: ReportSchedule, now: Date): DueDecision {
    try {
      return decideDue(schedule, now, { maxAttempts: this.config.reports.maxAttempts });
    } catch (error) {
      // Checked when saved, so only a schedule written around the API gets here: it stops instead of failing each look.
      this.log.error({ err: error, schedule: schedule.name }, 'report schedule cannot be read; it is stopped');
      return { report: null, nextDueAt: null };
    }
  }

  private async skipped(schedule: ReportSchedule, dueAt: Date, now: Date): Promise<void> {
    this.log.warn({ schedule: schedule.name, dueAt }, 'scheduled report missed while the service was down: skipped');
    await this.systemLogs.insert({
      level: 'WARNING',
      category: 'reports',
      message: `report schedule '${schedule.name}' missed its run due ${dueAt.toISOString()} and skips it (missed: skip)`,
      details: { schedule_id: schedule.id, due_at: dueAt.toISOString() },
      timestamp: now,
    });
  }
}
