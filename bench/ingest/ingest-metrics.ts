// Ingest's counters read from its /metrics while the benchmark runs, and the latencies worked out from them.
import { performance } from 'node:perf_hooks';
import type { Prepared } from './tonypi-mix';

const POLL_MS = 20;
/** Only these are asked for: a full scrape 50 times a second would cost ingest a tenth of its time. */
const FOLLOWED = [
  'fleet_ingest_received_total',
  'fleet_ingest_points_written_total',
  'fleet_ingest_backlog_messages',
  'fleet_ingest_messages_total',
];

/** The URL of ingest's /metrics that reads only the counters the benchmark follows. */
export function followedMetricsUrl(base: string): string {
  const url = new URL('/metrics', base);
  for (const name of FOLLOWED) url.searchParams.append('name', name);
  return url.toString();
}

export interface Sample {
  t: number;
  /** Messages ingest has taken from the broker (acknowledged). */
  received: number;
  written: number;
  accepted: number;
  rejected: number;
}

/** Sums the samples of each metric of a Prometheus text exposition, split by the `result` label where it has one. */
function parseMetrics(text: string): Omit<Sample, 't'> {
  const sample = { received: 0, written: 0, accepted: 0, rejected: 0 };
  let backlog = 0;
  let counted = false;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (match[1] === 'fleet_ingest_received_total') {
      sample.received += value;
      counted = true;
    } else if (match[1] === 'fleet_ingest_points_written_total') sample.written += value;
    else if (match[1] === 'fleet_ingest_backlog_messages') backlog += value;
    else if (match[1] === 'fleet_ingest_messages_total') {
      if (match[2]?.includes('result="accepted"')) sample.accepted += value;
      else if (match[2]?.includes('result="rejected"')) sample.rejected += value;
    }
  }
  // Without that counter: what was handled plus what waits in the buffer.
  if (!counted) sample.received = sample.accepted + sample.rejected + backlog;
  return sample;
}

/** Reads ingest's counters every {@link POLL_MS}; `next()` resolves after the following reading. */
export class MetricsPoller {
  readonly samples: Sample[] = [];
  latest: Sample = { t: 0, received: 0, written: 0, accepted: 0, rejected: 0 };
  private waiters: (() => void)[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly url: string) {
    this.done = this.loop();
  }

  next(): Promise<void> {
    return new Promise((wake) => this.waiters.push(wake));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      try {
        const response = await fetch(this.url, { signal: AbortSignal.timeout(5_000) });
        const sample = { ...parseMetrics(await response.text()), t: performance.now() };
        this.samples.push(sample);
        this.latest = sample;
      } catch {
        // A missed reading only delays the next; a dead ingest shows as a stall.
      }
      for (const wake of this.waiters.splice(0)) wake();
      const rest = POLL_MS - (performance.now() - started);
      if (rest > 0) await new Promise((done) => setTimeout(done, rest));
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** Each message's publish→durable latency, from the points-written readings (see ingest.bench.ts). */
export function latencies(
  messages: readonly Prepared[],
  publishedAt: Float64Array,
  samples: readonly Sample[],
): Float64Array {
  const out = new Float64Array(messages.length).fill(Number.NaN);
  let cumulative = 0;
  let k = 0;
  for (let i = 0; i < messages.length; i++) {
    cumulative += messages[i].points;
    while (k < samples.length && (samples[k].written < cumulative || samples[k].t < publishedAt[i])) k++;
    if (k === samples.length) break;
    out[i] = samples[k].t - publishedAt[i];
  }
  return out;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
