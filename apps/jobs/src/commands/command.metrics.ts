import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '@fleet/platform';

/** Command delivery's Prometheus metrics, on the jobs service's `/metrics`. */
@Injectable()
export class CommandMetrics {
  readonly published: Counter<'type' | 'attempt'>;
  readonly publishFailures: Counter<'type' | 'reason'>;
  readonly results: Counter<'status'>;
  readonly settled: Counter<'status'>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.published = new Counter({
      name: 'fleet_commands_published_total',
      help: 'Command messages the broker took, by command type; attempt=first or retry',
      labelNames: ['type', 'attempt'],
      registers,
    });
    this.publishFailures = new Counter({
      name: 'fleet_commands_publish_failures_total',
      help:
        'Command messages not published, by command type; reason=not_connected (nothing left, tried again at the ' +
        'next look) or no_ack (no acknowledgement in time: withdrawn, counted as an attempt)',
      labelNames: ['type', 'reason'],
      registers,
    });
    this.results = new Counter({
      name: 'fleet_command_results_total',
      help: "Target robots' final results: ack_success, ack_error, timed_out",
      labelNames: ['status'],
      registers,
    });
    this.settled = new Counter({
      name: 'fleet_commands_settled_total',
      help: 'Commands that reached a final status: completed, partial, failed, timed_out, cancelled',
      labelNames: ['status'],
      registers,
    });
  }
}
