// Runs autocannon in this worker thread (off the API's event loop) and sends back its counts with every answer's
// latency, from which the parent takes any percentile; autocannon's own summary has no 95th.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** What a run in a worker thread reports: autocannon's counts (its histograms stay here) and each latency. */
export interface WorkerRun {
  answered2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: autocannon.Result['statusCodeStats'];
  totalBytes: number;
  durationS: number;
  /** Each 2xx answer's latency in ms, in the order they came. */
  latenciesMs: number[];
}

const options = workerData as autocannon.Options;
const latenciesMs: number[] = [];
const instance = autocannon(options, (error, result) => {
  if (error) throw error;
  const run: WorkerRun = {
    answered2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodeStats: result.statusCodeStats,
    // Off the main thread, autocannon leaves its totals unaggregated: the bytes are these.
    totalBytes: (result as unknown as { totalBytes: number }).totalBytes,
    durationS: result.duration,
    latenciesMs,
  };
  parentPort?.postMessage(run);
});
instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
});
