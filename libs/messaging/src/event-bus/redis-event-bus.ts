import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisConnection } from '../redis-connection';
import {
  checkName,
  encodeEvents,
  checkSubscription,
  type BusEvent,
  type EventBus,
  type SubscribeFrom,
  type SubscribeOptions,
  type Subscription,
} from './event-bus';
import { GroupConsumers, type Claimed, type GroupMember, type StoredEvent } from './group-consumer';

export interface RedisEventBusOptions {
  redis: RedisConnection;
  /** `EVENTS_MAX_LENGTH`: each stream is trimmed to about this many events (`XADD ... MAXLEN ~`). */
  maxLength: number;
  logger: Logger;
}

/** The one field of a stream entry: the event's data as JSON. */
const FIELD = 'data';

/**
 * XADDs every event of a publish in one call. KEYS[1]: the stream; ARGV[1]: its MAXLEN; ARGV[2..]: the events. A
 * script runs whole, like the MULTI it replaces, and one argument per event costs the caller a fraction of eight
 * arguments per XADD.
 */
const PUBLISH = `
local ids = {}
for i = 2, #ARGV do
  ids[i - 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${FIELD}', ARGV[i])
end
return ids`;

interface PublishScript {
  fleetPublishEvents(key: string, maxLength: number, ...payloads: string[]): Promise<string[]>;
}

/** The key of an event stream: `events:<stream>` under the installation's prefix. */
export function streamKey(redis: RedisConnection, stream: string): string {
  return redis.key(`events:${stream}`);
}

/**
 * The entries of an XREADGROUP reply for one stream (`[[key, [[id, [field, value, ...] | null], ...]]]`, or null
 * when nothing came); an entry trimmed from the stream while pending has no fields.
 */
export function entriesOfRead(reply: unknown): StoredEvent[] {
  if (reply === null || reply === undefined) return [];
  const streams = reply as [string, unknown][];
  return streams.flatMap(([, entries]) => parseEntries(entries));
}

/** An XAUTOCLAIM reply: `[next, [[id, fields], ...], deletedIds]` (Redis 7; older servers send no deleted ids). */
export function entriesOfClaim(reply: unknown): Claimed {
  const [next, entries, deleted] = reply as [string, unknown, string[] | undefined];
  return { next, events: parseEntries(entries), trimmed: deleted ?? [] };
}

function parseEntries(entries: unknown): StoredEvent[] {
  return (entries as [string, string[] | null][]).map(([id, fields]) => {
    const at = fields ? fields.indexOf(FIELD) : -1;
    return { id, payload: fields && at >= 0 && at % 2 === 0 ? (fields[at + 1] ?? null) : null };
  });
}

/**
 * The {@link EventBus} on Redis Streams: one stream per event stream, consumer groups for subscribers. Publishing
 * goes through the shared connection; each subscription reads on a connection of its own, because a blocking
 * XREADGROUP holds the connection it runs on.
 */
export class RedisEventBus implements EventBus {
  private readonly consumers = new GroupConsumers();
  private closed = false;

  constructor(private readonly options: RedisEventBusOptions) {
    if (!Number.isSafeInteger(options.maxLength) || options.maxLength < 1) {
      throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
    }
    options.redis.client.defineCommand('fleetPublishEvents', { lua: PUBLISH, numberOfKeys: 1 });
  }

  async publish(stream: string, data: readonly unknown[]): Promise<string[]> {
    checkName('stream', stream);
    if (this.closed) throw new Error('the event bus is closed');
    const payloads = encodeEvents(stream, data);
    if (payloads.length === 0) return [];
    const key = streamKey(this.options.redis, stream);
    const client = this.options.redis.client as Redis & PublishScript;
    try {
      const ids = await client.fleetPublishEvents(key, this.options.maxLength, ...payloads);
      return ids.map(String);
    } catch (error) {
      throw new Error(`could not publish ${payloads.length} events to ${stream}`, { cause: error });
    }
  }

  subscribe<T>(
    stream: string,
    group: string,
    consumer: string,
    handler: (events: BusEvent<T>[]) => Promise<void>,
    options?: SubscribeOptions,
  ): Subscription {
    const resolved = checkSubscription({ stream, group, consumer }, options, this.closed);
    const { redis, logger } = this.options;
    const connection = redis.client.duplicate({ connectionName: `fleet:events:${group}:${consumer}` });
    // The consumer logs what fails; without a listener ioredis would print connection errors itself.
    connection.on('error', () => undefined);
    const member = new RedisGroupMember(connection, streamKey(redis, stream), group, consumer, resolved.from);
    return this.consumers.start<T>(member, {
      stream,
      group,
      consumer,
      handler,
      options: resolved,
      logger: logger,
      now: Date.now,
    });
  }

  /** Closes the subscriptions and their connections; the shared connection is closed by its owner. */
  async close(): Promise<void> {
    this.closed = true;
    await this.consumers.closeAll();
  }
}

function isBusyGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('BUSYGROUP');
}

class RedisGroupMember implements GroupMember {
  constructor(
    private readonly connection: Redis,
    private readonly key: string,
    private readonly group: string,
    private readonly consumer: string,
    private readonly from: SubscribeFrom,
  ) {}

  async join(): Promise<void> {
    if (this.from === 'now') return this.restartAtEnd();
    try {
      await this.connection.xgroup('CREATE', this.key, this.group, this.from === 'end' ? '$' : '0', 'MKSTREAM');
    } catch (error) {
      if (!isBusyGroup(error)) throw error;
    }
  }

  /** The group at the stream's newest entry, created if need be, and nothing pending for this consumer. */
  private async restartAtEnd(): Promise<void> {
    // One step: CREATE makes the group unless it exists (BUSYGROUP), SETID moves it to the newest entry either way,
    // DELCONSUMER drops what this consumer left unacknowledged. What is published afterwards is delivered.
    const results = await this.connection
      .multi()
      .xgroup('CREATE', this.key, this.group, '$', 'MKSTREAM')
      .xgroup('SETID', this.key, this.group, '$')
      .xgroup('DELCONSUMER', this.key, this.group, this.consumer)
      .exec();
    if (!results) throw new Error(`could not move group ${this.group} to the end of ${this.key}`);
    const failed = results.find(([error], i) => error && !(i === 0 && isBusyGroup(error)))?.[0];
    if (failed) throw failed;
  }

  async pending(count: number): Promise<StoredEvent[]> {
    const reply = await this.connection.xreadgroup(
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'STREAMS',
      this.key,
      '0',
    );
    return entriesOfRead(reply);
  }

  async claim(cursor: string, count: number, minIdleMs: number): Promise<Claimed> {
    const reply = await this.connection.xautoclaim(
      this.key,
      this.group,
      this.consumer,
      minIdleMs,
      cursor,
      'COUNT',
      count,
    );
    return entriesOfClaim(reply);
  }

  async next(count: number, blockMs: number): Promise<StoredEvent[]> {
    const reply = await this.connection.xreadgroup(
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.key,
      '>',
    );
    return entriesOfRead(reply);
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.connection.xack(this.key, this.group, ...ids);
  }

  isMissingGroup(error: unknown): boolean {
    return error instanceof Error && error.message.startsWith('NOGROUP');
  }

  close(): Promise<void> {
    // disconnect(), not quit(): a blocking read would hold quit() until it times out.
    this.connection.disconnect();
    return Promise.resolve();
  }
}
