// One route under load: autocannon with a bearer token, its connections driven from a worker thread so the load
// generator does not share the API's event loop.
import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface LoadFigures {
  requests: number;
  /** Mean of the per-second request counts. */
  reqPerS: number;
  p50Ms: number;
  /** autocannon has no 95th percentile: its 97.5th, which the 95th is at most. */
  p97_5Ms: number;
  p99Ms: number;
  /** Bytes per answer on the wire, headers included (compressed where the answer is). */
  bytesPerAnswer: number;
}

/**
 * Throws unless every answer was 2xx, without errors or timeouts, and (with `some`) there was at least one. A short
 * warm-up of a slow route may end before its first answer.
 */
function allAnswered2xx(result: autocannon.Result, what: string, some: boolean): void {
  const answered = result['2xx'];
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0 && (answered > 0 || !some)) return;
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([status, { count }]) => `${status} × ${count ?? 0}`)
    .join(', ');
  throw new Error(
    `${what}: ${answered} answers were 2xx, ${result.non2xx} were not (${statuses || 'none'}); ` +
      `${result.errors} connection errors, ${result.timeouts} timeouts`,
  );
}

/** Warms the route up for `warmupS`, then measures it for `durationS`; both must see nothing but 2xx answers. */
export async function loadRoute(url: string, token: string, options: LoadOptions, title: string): Promise<LoadFigures> {
  const base: autocannon.Options = {
    url,
    // As a browser asks: compressed if the server will.
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br, gzip' },
    connections: options.connections,
    workers: 1,
  };
  allAnswered2xx(await autocannon({ ...base, title: `${title} warm-up`, duration: options.warmupS }), 'warm-up', false);
  const result = await autocannon({ ...base, title, duration: options.durationS });
  allAnswered2xx(result, 'run', true);
  return {
    requests: result['2xx'],
    reqPerS: result.requests.mean,
    p50Ms: result.latency.p50,
    p97_5Ms: result.latency.p97_5,
    p99Ms: result.latency.p99,
    bytesPerAnswer: result.throughput.total / Math.max(1, result['2xx']),
  };
}
