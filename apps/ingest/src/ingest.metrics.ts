import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@fleet/platform';

/** Ingest's Prometheus metrics, on the service's `/metrics`. */
@Injectable()
export class IngestMetrics {
  readonly received: Counter<'qos'>;
  readonly messages: Counter<'result' | 'reason'>;
  readonly points: Counter;
  readonly pointsRefused: Counter;
  readonly rowsRefused: Counter<'table'>;
  readonly batchSize: Histogram;
  readonly writeSeconds: Histogram<'target'>;
  readonly ackLagSeconds: Histogram;
  readonly writeFailures: Counter<'target'>;
  readonly backlogMessages: Gauge;
  readonly backlogBytes: Gauge;
  readonly spilling: Gauge;
  readonly waitingForSpace: Counter;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.received = new Counter({
      name: 'fleet_ingest_received_total',
      help: 'Messages received from the broker and written to the ingest buffer',
      labelNames: ['qos'],
      registers,
    });
    this.messages = new Counter({
      name: 'fleet_ingest_messages_total',
      help: 'Messages processed: accepted, or rejected (to dead letters) by reason',
      labelNames: ['result', 'reason'],
      registers,
    });
    this.points = new Counter({
      name: 'fleet_ingest_points_written_total',
      help: 'Time series points written to the telemetry store',
      registers,
    });
    this.pointsRefused = new Counter({
      name: 'fleet_ingest_points_refused_total',
      help: 'Points the telemetry store refused for what they are (e.g. older than its raw retention)',
      registers,
    });
    this.rowsRefused = new Counter({
      name: 'fleet_ingest_rows_refused_total',
      help: 'Rows made from robot messages that the database refused for what they hold, by table',
      labelNames: ['table'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'fleet_ingest_batch_messages',
      help: 'Messages per batch written',
      buckets: [1, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000],
      registers,
    });
    this.writeSeconds = new Histogram({
      name: 'fleet_ingest_write_duration_seconds',
      help: 'Time to write one batch, by target (telemetry store, database, live state, events)',
      labelNames: ['target'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.ackLagSeconds = new Histogram({
      name: 'fleet_ingest_commit_lag_seconds',
      help: 'From receiving a message to having stored everything made of it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.writeFailures = new Counter({
      name: 'fleet_ingest_write_failures_total',
      help: 'Failed batch writes (retried with backoff), by target',
      labelNames: ['target'],
      registers,
    });
    this.backlogMessages = new Gauge({
      name: 'fleet_ingest_backlog_messages',
      help: 'Messages received and not yet stored',
      registers,
    });
    this.backlogBytes = new Gauge({
      name: 'fleet_ingest_backlog_bytes',
      help: 'Bytes of messages received and not yet stored (bounded by INGEST_BUFFER_MAX_MB)',
      registers,
    });
    this.spilling = new Gauge({
      name: 'fleet_ingest_buffer_spilling',
      help: '1 while the backlog is past its memory bound and read back from disk',
      registers,
    });
    this.waitingForSpace = new Counter({
      name: 'fleet_ingest_buffer_full_total',
      help: 'Times the ingest buffer was full and acknowledging stopped until it had room',
      registers,
    });
  }
}
