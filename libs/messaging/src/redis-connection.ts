import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Where a Redis URL points, without credentials. */
export function describeRedis(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
}

/**
 * Fleet's Redis connection. Every key Fleet writes starts with `REDIS_KEY_PREFIX`, so several installations (or
 * test runs) can share one server. It reconnects by itself; health reports `redis` down meanwhile.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly target: string;
  private closing?: Promise<void>;

  constructor(
    url: string,
    readonly keyPrefix: string,
    logger: Logger,
  ) {
    this.target = describeRedis(url);
    this.client = new Redis(url, {
      connectionName: 'fleet',
      maxRetriesPerRequest: 3,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    });
    let lastError: string | undefined;
    this.client.on('error', (error: Error) => {
      if (lastError !== error.message) logger.warn({ redis: this.target, err: error.message }, 'Redis error');
      lastError = error.message;
    });
    this.client.on('ready', () => {
      lastError = undefined;
      logger.info({ redis: this.target }, 'Redis connected');
    });
  }

  /** `key('robot:tonypi_01')` → `fleet:robot:tonypi_01`. */
  key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  close(): Promise<void> {
    return (this.closing ??= this.client.status === 'end' ? Promise.resolve() : this.quit());
  }

  private async quit(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
