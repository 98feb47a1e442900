import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@fleet/platform';

/** The reports service's Prometheus metrics, on its `/metrics`. */
@Injectable()
export class ReportMetrics {
  readonly runs: Counter<'type' | 'outcome'>;
  readonly seconds: Histogram<'type'>;
  readonly scheduled: Counter<'outcome'>;
  readonly rollupFailures: Counter;
  readonly webhooks: Counter<'result'>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.runs = new Counter({
      name: 'fleet_report_runs_total',
      help: 'Report runs by type and outcome: done, retry (failed, tried again later), failed (attempts spent), lost (lease lost)',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.seconds = new Histogram({
      name: 'fleet_report_run_seconds',
      help: 'Time to build and render one report, by type',
      labelNames: ['type'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.scheduled = new Counter({
      name: 'fleet_report_schedule_runs_total',
      help: 'Due times of report schedules: queued (its report), skipped (missed while down, skip set), duplicate',
      labelNames: ['outcome'],
      registers,
    });
    this.rollupFailures = new Counter({
      name: 'fleet_rollup_failures_total',
      help: 'Rollup tier upkeep runs that failed (retried at the next interval)',
      registers,
    });
    this.webhooks = new Counter({
      name: 'fleet_report_webhooks_total',
      help: 'Schedule webhook deliveries by result: delivered, failed',
      labelNames: ['result'],
      registers,
    });
  }
}
