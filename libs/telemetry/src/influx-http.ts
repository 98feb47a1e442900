import { setTimeout as delay } from 'node:timers/promises';
import { constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

export interface InfluxConnectionOptions {
  url: string;
  /** InfluxDB 2.x/3.x token (sent as `Authorization: Token ...`). */
  token?: string;
  /** InfluxDB 1.x user (HTTP basic auth). */
  username?: string;
  password?: string;
  timeoutMs?: number;
  /**
   * Pauses before retrying a write that failed with HTTP 5xx or 429 or did not reach the server; one attempt more
   * than there are pauses. Default `[100, 500, 2000]` (each varied by up to ±50% so writers do not retry in step).
   */
  retryDelaysMs?: readonly number[];
}

/** A request InfluxDB refused or did not answer. `retriable` when sending it again may succeed. */
export class InfluxError extends Error {
  override readonly name = 'InfluxError';

  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status: number | undefined,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One statement's answer from `/query` (`epoch=ms`: times are milliseconds since the epoch). */
export interface InfluxResult {
  series?: InfluxSeries[];
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  /** Absent when there are no rows (`SHOW DATABASES` on a server without databases). */
  values?: unknown[][];
}

interface QueryResponse {
  results?: (InfluxResult & { error?: string; partial?: boolean })[];
  error?: string;
}

const DEFAULT_RETRY_DELAYS_MS = [100, 500, 2_000];

/** The server's reason from an error body: `{"error": ...}` (1.x, 3.x), `{"message": ...}` (2.x) or plain text. */
async function reasonOf(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const reason = body.error ?? body.message;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON: the text itself is the reason
  }
  return text || response.statusText || 'no reason given';
}

function briefly(statement: string): string {
  return statement.length > 300 ? `${statement.slice(0, 300)}...` : statement;
}

/**
 * InfluxDB over its v1-compatible HTTP API, which 1.x serves natively and 2.x and 3.x serve for compatibility
 * (Flux is not used: InfluxDB 3 does not support it).
 */
export class InfluxHttp {
  readonly target: string;

  constructor(private readonly options: InfluxConnectionOptions) {
    const u = new URL(options.url);
    this.target = `${u.protocol}//${u.host}`;
  }

  /** `GET /ping`: resolves with the server's version, rejects when it does not answer 204. */
  async ping(): Promise<{ version: string }> {
    const response = await this.request('/ping', { method: 'GET' });
    if (response.status !== 204) throw new Error(`${this.target}/ping answered HTTP ${response.status}`);
    return { version: response.headers.get('x-influxdb-version') ?? 'unknown' };
  }

  /**
   * Runs InfluxQL statements (several may be joined with `;`) and resolves with one result per statement. Reads go
   * as GET, which every version serves; statements that change the server (`CREATE`, `DROP`) need POST.
   * Rejects with the server's message when any statement fails or a result was cut short by the server's row limit.
   */
  async query(
    statement: string,
    options: { database?: string; method?: 'GET' | 'POST' } = {},
  ): Promise<InfluxResult[]> {
    const params = new URLSearchParams({ q: statement, epoch: 'ms' });
    if (options.database !== undefined) params.set('db', options.database);
    const response =
      options.method === 'POST'
        ? await this.request('/query', { method: 'POST', body: params })
        : await this.request(`/query?${params.toString()}`, { method: 'GET' });
    if (!response.ok) {
      const reason = await reasonOf(response);
      throw new InfluxError(
        `InfluxDB at ${this.target} answered HTTP ${response.status} to a query: ${reason} (query: ${briefly(statement)})`,
        response.status,
        response.status >= 500 || response.status === 429,
      );
    }
    const body = (await response.json()) as QueryResponse;
    const results = body.results ?? [];
    const failed = body.error ?? results.find((r) => r.error !== undefined)?.error;
    if (failed !== undefined)
      throw new InfluxError(
        `InfluxDB at ${this.target}: ${failed} (query: ${briefly(statement)})`,
        response.status,
        false,
      );
    if (results.some((r) => r.partial))
      throw new InfluxError(
        `InfluxDB at ${this.target} cut a result short (its max-row-limit); narrow the query (query: ${briefly(statement)})`,
        response.status,
        false,
      );
    return results;
  }

  /**
   * Writes lines of line protocol (millisecond timestamps) to `database`'s default retention policy in one request,
   * gzip-compressed. Failures that may pass (HTTP 5xx, 429, no answer) are retried: InfluxDB 1.x answers 500 under
   * many concurrent writes although the points often land, and writing a point again only overwrites it. Rejects
   * with an {@link InfluxError} naming the server and status once the retries are spent, or at once with the
   * server's message for a 4xx (a field type conflict, points beyond the retention policy, a parse error, a missing
   * database, bad credentials).
   */
  async write(database: string, lines: readonly string[]): Promise<void> {
    const body = await gzipAsync(Buffer.from(lines.join('\n'), 'utf8'), { level: constants.Z_BEST_SPEED });
    const path = `/write?${new URLSearchParams({ db: database, precision: 'ms' }).toString()}`;
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const what = `a write of ${lines.length} points to "${database}"`;
    for (let attempt = 0; ; attempt++) {
      let failure: InfluxError;
      try {
        const response = await this.request(path, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' },
        });
        if (response.ok) {
          await response.body?.cancel();
          return;
        }
        const reason = await reasonOf(response);
        const retriable = response.status >= 500 || response.status === 429;
        failure = new InfluxError(
          `InfluxDB at ${this.target} answered HTTP ${response.status} to ${what}: ${reason}`,
          response.status,
          retriable,
        );
      } catch (error) {
        failure = new InfluxError(`${(error as Error).message} (${what})`, undefined, true, { cause: error });
      }
      if (!failure.retriable) throw failure;
      const pause = delays[attempt];
      if (pause === undefined) {
        const tries = attempt + 1;
        throw new InfluxError(
          `${failure.message} (${tries} attempt${tries === 1 ? '' : 's'})`,
          failure.status,
          true,
          failure.cause === undefined ? undefined : { cause: failure.cause },
        );
      }
      await delay(pause * (0.5 + Math.random()));
    }
  }

  /** An HTTP request to the server with its credentials and timeout. */
  async request(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.options.token) headers.set('authorization', `Token ${this.options.token}`);
    else if (this.options.username) {
      const basic = Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64');
      headers.set('authorization', `Basic ${basic}`);
    }
    try {
      return await fetch(new URL(path, this.options.url), {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      // fetch reports "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is in its cause.
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Error(`cannot reach InfluxDB at ${this.target}: ${reason}`, { cause: error });
    }
  }
}
