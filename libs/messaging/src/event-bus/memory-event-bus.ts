import type { Logger } from 'pino';
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
import { MemoryStream } from './memory-stream';

export interface MemoryEventBusOptions {
  /** `EVENTS_MAX_LENGTH`: each stream keeps about this many events. */
  maxLength: number;
  logger: Logger;
  /** Milliseconds since the epoch; tests drive it to make events idle without waiting. Default `Date.now`. */
  now?: () => number;
}

/** A stream and the reads waiting for it to grow. */
interface Channel {
  stream: MemoryStream;
  waiters: Set<() => void>;
}

/**
 * The {@link EventBus} of the all-in-one process: Redis Streams' semantics (consumer groups, pending lists,
 * redelivery to a restarted consumer, claims after idle, trimming) without Redis. Events are JSON-encoded as in
 * Redis, so handlers get the same data from both adapters. Everything is lost when the process ends, which the
 * all-in-one mode accepts: its publishers and consumers end with it.
 */
export class MemoryEventBus implements EventBus {
  private readonly channels = new Map<string, Channel>();
  private readonly consumers = new GroupConsumers();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: MemoryEventBusOptions) {
    if (!Number.isSafeInteger(options.maxLength) || options.maxLength < 1) {
      throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
    }
    this.now = options.now ?? Date.now;
  }

  publish(stream: string, data: readonly unknown[]): Promise<string[]> {
    try {
      checkName('stream', stream);
      if (this.closed) throw new Error('the event bus is closed');
      const payloads = encodeEvents(stream, data);
      if (payloads.length === 0) return Promise.resolve([]);
      const channel = this.channel(stream);
      const ids = payloads.map((payload) => channel.stream.append(payload, this.now()));
      for (const wake of channel.waiters) wake();
      return Promise.resolve(ids);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
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
    const member = new MemoryGroupMember(this.channel(stream), group, consumer, resolved.from, this.now);
    return this.consumers.start<T>(member, {
      stream,
      group,
      consumer,
      handler,
      options: resolved,
      logger: this.options.logger,
      now: this.now,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumers.closeAll();
  }

  private channel(stream: string): Channel {
    let channel = this.channels.get(stream);
    if (!channel) {
      channel = { stream: new MemoryStream(this.options.maxLength), waiters: new Set() };
      this.channels.set(stream, channel);
    }
    return channel;
  }
}

class MemoryGroupMember implements GroupMember {
  private interrupt?: () => void;
  private closed = false;

  constructor(
    private readonly channel: Channel,
    private readonly group: string,
    private readonly consumer: string,
    private readonly from: SubscribeFrom,
    private readonly now: () => number,
  ) {}

  join(): Promise<void> {
    if (this.from === 'now') this.channel.stream.restartGroupAtEnd(this.group, this.consumer);
    else this.channel.stream.createGroup(this.group, this.from);
    return Promise.resolve();
  }

  pending(count: number): Promise<StoredEvent[]> {
    return Promise.resolve(this.channel.stream.readPending(this.group, this.consumer, count, this.now()));
  }

  claim(cursor: string, count: number, minIdleMs: number): Promise<Claimed> {
    return Promise.resolve(this.channel.stream.claim(this.group, this.consumer, cursor, count, minIdleMs, this.now()));
  }

  async next(count: number, blockMs: number): Promise<StoredEvent[]> {
    const ready = this.channel.stream.readNew(this.group, this.consumer, count, this.now());
    if (ready.length > 0 || this.closed) return ready;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.channel.waiters.delete(wake);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.channel.waiters.add(wake);
      this.interrupt = wake;
    });
    return this.closed ? [] : this.channel.stream.readNew(this.group, this.consumer, count, this.now());
  }

  ack(ids: readonly string[]): Promise<void> {
    this.channel.stream.ack(this.group, ids);
    return Promise.resolve();
  }

  isMissingGroup(): boolean {
    return false;
  }

  close(): Promise<void> {
    this.closed = true;
    this.interrupt?.();
    return Promise.resolve();
  }
}
