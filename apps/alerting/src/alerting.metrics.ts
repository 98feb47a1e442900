import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@fleet/platform';

/** Alerting's Prometheus metrics, on the service's `/metrics`. */
@Injectable()
export class AlertingMetrics {
  readonly events: Counter<'result'>;
  readonly alerts: Counter<'event' | 'alert_type' | 'severity'>;
  readonly batchSeconds: Histogram;
  readonly timeouts: Counter;
  readonly publishFailures: Counter;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.events = new Counter({
      name: 'fleet_alerting_events_total',
      help: 'Telemetry events evaluated (result=evaluated), or skipped because they did not parse (result=invalid)',
      labelNames: ['result'],
      registers,
    });
    this.alerts = new Counter({
      name: 'fleet_alerts_total',
      help: 'Alert changes made by alerting: opened, escalated, resolved, by alert type and severity',
      labelNames: ['event', 'alert_type', 'severity'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'fleet_alerting_batch_duration_seconds',
      help: 'Time to evaluate one batch of telemetry events and commit what it changed',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.timeouts = new Counter({
      name: 'fleet_alerting_robot_timeouts_total',
      help: 'Robots marked offline because they were silent past their timeout',
      registers,
    });
    this.publishFailures = new Counter({
      name: 'fleet_alerting_publish_failures_total',
      help: 'Alert changes committed but not published on the event bus (live views miss them; webhooks do not)',
      registers,
    });
  }
}
