import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@fleet/platform';

/** The live WebSocket's Prometheus metrics, on the API's `/metrics`. */
@Injectable()
export class LiveMetrics {
  readonly clients: Gauge;
  readonly sent: Counter<'type'>;
  readonly droppedSlow: Counter;
  readonly closed: Counter<'reason'>;
  readonly events: Counter<'stream' | 'result'>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.clients = new Gauge({
      name: 'fleet_live_clients',
      help: 'WebSocket clients connected to the live endpoint (authenticated or not yet)',
      registers,
    });
    this.sent = new Counter({
      name: 'fleet_live_messages_sent_total',
      help: 'Messages sent to live clients, by type (update, subscribed, error, ...)',
      labelNames: ['type'],
      registers,
    });
    this.droppedSlow = new Counter({
      name: 'fleet_live_dropped_slow_total',
      help: 'Live clients closed (4008) because they read too slowly and their backlog passed WS_MAX_BUFFER_KB',
      registers,
    });
    this.closed = new Counter({
      name: 'fleet_live_closed_total',
      help: 'Live connections ended, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.events = new Counter({
      name: 'fleet_live_events_total',
      help: 'Events read from the event bus for live clients, by stream: pushed, or skipped as malformed',
      labelNames: ['stream', 'result'],
      registers,
    });
  }
}
