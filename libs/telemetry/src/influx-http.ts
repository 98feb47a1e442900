export interface InfluxConnectionOptions {
  url: string;
  /** InfluxDB 2.x/3.x token (sent as `Authorization: Token ...`). */
  token?: string;
  /** InfluxDB 1.x user (HTTP basic auth). */
  username?: string;
  password?: string;
  timeoutMs?: number;
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
