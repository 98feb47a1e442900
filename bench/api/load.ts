// One route under load: autocannon with a bearer token, its connections driven from a worker thread so the load
// generator does not share the API's event loop.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type autocannon from 'autocannon';
import { percentile } from '../ingest/ingest-metrics';
import type { WorkerRun } from './load-worker';

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface LoadFigures {
  requests: number;
  /** 2xx answers per second of the run. */
  reqPerS: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Bytes per answer on the wire, headers included (compressed where the answer is). */
  bytesPerAnswer: number;
}

/**
 * Throws unless every answer was 2xx, without errors or timeouts, and (with `some`) there was at least one. A short
 * warm-up of a slow route may end before its first answer.
 */
function allAnswered2xx(result: WorkerRun, what: string, some: boolean): void {
  const answered = result.answered2xx;
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0 && (answered > 0 || !some)) return;
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([status, { count }]) => `${status} × ${count ?? 0}`)
    .join(', ');
  throw new Error(
    `${what}: ${answered} answers were 2xx, ${result.non2xx} were not (${statuses || 'none'}); ` +
      `${result.errors} connection errors, ${result.timeouts} timeouts`,
  );
}

/** One autocannon run in a worker thread. */
function run(options: autocannon.Options): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'load-worker.js'), { workerData: options });
    worker.once('message', (message: WorkerRun) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load generator's thread exited (code ${code})`)));
  });
}

/** Warms the route up for `warmupS`, then measures it for `durationS`; both must see nothing but 2xx answers. */
export async function loadRoute(url: string, token: string, options: LoadOptions, title: string): Promise<LoadFigures> {
  const base: autocannon.Options = {
    url,
    // As a browser asks: compressed if the server will.
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br, gzip' },
    connections: options.connections,
  };
  allAnswered2xx(await run({ ...base, title: `${title} warm-up`, duration: options.warmupS }), 'warm-up', false);
  const result = await run({ ...base, title, duration: options.durationS });
  allAnswered2xx(result, 'run', true);
  const sorted = Float64Array.from(result.latenciesMs).sort();
  return {
    requests: result.answered2xx,
    reqPerS: result.answered2xx / result.durationS,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    bytesPerAnswer: result.totalBytes / Math.max(1, result.answered2xx),
  };
}
