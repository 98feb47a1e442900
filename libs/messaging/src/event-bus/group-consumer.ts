import type { Logger } from 'pino';
import { retryDelayMs, type BusEvent, type ResolvedSubscribeOptions, type Subscription } from './event-bus';

/** An event as a stream holds it; `payload` is null when the stream was trimmed before the event was acked. */
export interface StoredEvent {
  id: string;
  payload: string | null;
}

/** What a claim returns: the claimed events, and where the next claim continues (`0-0`: the scan is complete). */
export interface Claimed {
  next: string;
  events: StoredEvent[];
  /** Pending events the stream no longer holds (trimmed); the claim took them off the pending lists. */
  trimmed: string[];
}

/**
 * One member's access to its consumer group, in the terms of Redis Streams. Each adapter implements it; a
 * {@link GroupConsumer} drives it, so both adapters deliver, retry and claim the same way.
 */
export interface GroupMember {
  /** Creates the group unless it exists. */
  join(): Promise<void>;
  /** This member's pending list (delivered, not acked), oldest first; reading counts as a new delivery. */
  pending(count: number): Promise<StoredEvent[]>;
  /** Takes over events any member left unacked for `minIdleMs`, scanning the pending lists from `cursor`. */
  claim(cursor: string, count: number, minIdleMs: number): Promise<Claimed>;
  /** Events never delivered to the group, waiting up to `blockMs` for some. */
  next(count: number, blockMs: number): Promise<StoredEvent[]>;
  ack(ids: readonly string[]): Promise<void>;
  /** Whether `error` means the group (or its stream) is gone and must be created again. */
  isMissingGroup(error: unknown): boolean;
  /** Ends a read under way at once and frees what the member holds; safe to call twice. */
  close(): Promise<void>;
}

export interface GroupConsumerOptions<T> {
  stream: string;
  group: string;
  consumer: string;
  handler: (events: BusEvent<T>[]) => Promise<void>;
  options: ResolvedSubscribeOptions;
  logger: Logger;
  /** The clock that paces claims; the in-memory adapter's, or `Date.now`. */
  now: () => number;
}

/** How long closing waits for a handler call under way before letting go of its events (they are redelivered). */
const CLOSE_PATIENCE_MS = 2_000;

/**
 * The delivery loop of one subscription: its own pending list first (at start and after a failure), then idle
 * events of other members, then new events. A handler that throws is logged and its events delivered again after a
 * backoff; an unreachable stream is retried the same way. Nothing it meets ends the loop except {@link close}.
 */
export class GroupConsumer<T> implements Subscription {
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly done: Promise<void>;
  private stopped = false;
  private closing?: Promise<void>;
  /** A handler call and the ack of its events are under way: closing lets them finish. */
  private handling = false;
  private wake?: () => void;
  private problem?: string;
  private readonly log: Logger;

  constructor(
    private readonly member: GroupMember,
    private readonly settings: GroupConsumerOptions<T>,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.log = settings.logger.child({
      stream: settings.stream,
      group: settings.group,
      consumer: settings.consumer,
    });
    this.done = this.run().catch((error: unknown) => {
      this.log.error({ err: error }, 'event consumer stopped unexpectedly');
    });
  }

  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.handling) await this.member.close();
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_PATIENCE_MS)));
    await Promise.race([this.done, patience]);
    clearTimeout(timer);
    await this.member.close();
    this.markReady();
  }

  private async run(): Promise<void> {
    const { batchSize, blockMs, claimIdleMs } = this.settings.options;
    const claimEveryMs = Math.max(1, Math.floor(claimIdleMs / 2));
    let joined = false;
    let recovering = true;
    let claimCursor = '0-0';
    let claimedAt = -Infinity;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!joined) {
          await this.member.join();
          joined = true;
          this.markReady();
        }
        let batch: StoredEvent[];
        if (recovering) {
          batch = await this.member.pending(batchSize);
          if (batch.length === 0) recovering = false;
        } else if (this.settings.now() - claimedAt >= claimEveryMs) {
          const claimed = await this.member.claim(claimCursor, batchSize, claimIdleMs);
          claimCursor = claimed.next;
          if (claimCursor === '0-0') claimedAt = this.settings.now();
          this.reportTrimmed(claimed.trimmed);
          batch = claimed.events;
        } else {
          batch = await this.member.next(batchSize, blockMs);
        }
        this.reachable();
        if (batch.length === 0 || this.stopped || (await this.deliver(batch))) {
          failures = 0;
          continue;
        }
      } catch (error) {
        if (this.stopped) break;
        if (this.member.isMissingGroup(error)) joined = false;
        this.unreachable(error);
      }
      failures += 1;
      recovering = true;
      await this.pause(retryDelayMs(failures));
    }
  }

  /** Hands the batch to the handler and acks it; false when the handler failed (nothing is acked then). */
  private async deliver(batch: StoredEvent[]): Promise<boolean> {
    const { stream, handler } = this.settings;
    const events: BusEvent<T>[] = [];
    const trimmed: string[] = [];
    const unreadable: string[] = [];
    for (const { id, payload } of batch) {
      if (payload === null) {
        trimmed.push(id);
        continue;
      }
      try {
        events.push({ id, stream, data: JSON.parse(payload) as T });
      } catch {
        unreadable.push(id);
      }
    }
    this.reportTrimmed(trimmed);
    if (unreadable.length > 0) this.log.error({ ids: unreadable }, 'events that are not JSON: acked, not delivered');
    this.handling = true;
    try {
      if (events.length > 0) {
        try {
          await handler(events);
        } catch (error) {
          this.log.error(
            { err: error, first: events[0].id, count: events.length },
            'event handler failed: its events will be delivered again',
          );
          return false;
        }
      }
      await this.member.ack(batch.map((e) => e.id));
      return true;
    } finally {
      this.handling = false;
    }
  }

  private reportTrimmed(ids: string[]): void {
    if (ids.length === 0) return;
    this.log.error(
      { ids },
      'events were trimmed from the stream before this group acked them (EVENTS_MAX_LENGTH too small for the backlog)',
    );
  }

  private unreachable(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.problem) this.log.warn({ err: error }, 'event stream unavailable: retrying');
    this.problem = message;
  }

  private reachable(): void {
    if (this.problem === undefined) return;
    this.problem = undefined;
    this.log.info('event stream available again');
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.wake = end;
    });
  }
}

/** The subscriptions of one event bus: started here, forgotten when closed, all closed with the bus. */
export class GroupConsumers {
  private readonly running = new Set<GroupConsumer<unknown>>();

  start<T>(member: GroupMember, settings: GroupConsumerOptions<T>): Subscription {
    const consumer = new GroupConsumer<T>(member, settings);
    const tracked = consumer as GroupConsumer<unknown>;
    this.running.add(tracked);
    return {
      ready: consumer.ready,
      close: async () => {
        await consumer.close();
        this.running.delete(tracked);
      },
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.running].map((s) => s.close()));
    this.running.clear();
  }
}
