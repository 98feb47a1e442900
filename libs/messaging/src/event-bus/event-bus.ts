/**
 * One event as delivered: its id in the stream (`<ms>-<seq>`, increasing in publishing order), the stream, and the
 * data that was published (after a JSON round trip: a `Date` arrives as its ISO string).
 */
export interface BusEvent<T = unknown> {
  id: string;
  stream: string;
  data: T;
}

export interface SubscribeOptions {
  /** Most events per handler call. Default 100. */
  batchSize?: number;
  /** How long one read waits for new events before looking for idle ones to claim. Default 1000. */
  blockMs?: number;
  /** Events another member received but has not acknowledged for this long are claimed. Default 30000. */
  claimIdleMs?: number;
  /**
   * Where a group starts when this subscription creates it: `end` (default) delivers only events published after
   * the group exists, `beginning` everything the stream still holds. A group that exists keeps its position, unless
   * `now`: each time the subscription starts, its group moves to the stream's newest event and this consumer's
   * unacknowledged events are dropped, so it gets only what is published from then on, never a backlog (for a view of
   * what happens now, such as a replica's live feed; other members of the group skip that backlog too).
   */
  from?: SubscribeFrom;
}

/** See {@link SubscribeOptions.from}. */
export type SubscribeFrom = 'end' | 'beginning' | 'now';

const FROM: readonly SubscribeFrom[] = ['end', 'beginning', 'now'];

export interface Subscription {
  /** Resolves once the group exists, so that what is published from then on reaches it (or once closed). */
  readonly ready: Promise<void>;
  /** Stops reading. A handler call under way may finish and have its events acknowledged first. */
  close(): Promise<void>;
}

/**
 * Events between services: Redis Streams with consumer groups, or the same semantics in memory for the all-in-one
 * process. Delivery is at least once and in publishing order within a stream; each group gets every event, the
 * members of a group split them.
 *
 * @example
 * const ids = await bus.publish('telemetry', [{ robotId: 'tonypi_01', battery: 19 }]);
 * const sub = bus.subscribe<BatteryEvent>('telemetry', 'alerting', `alerting-${instanceId}`, async (events) => {
 *   for (const e of events) await alerts.evaluate(e.data);
 * });
 * await sub.close();
 */
export interface EventBus {
  /** Appends events in order (one round trip for the batch); resolves with their ids. */
  publish(stream: string, data: readonly unknown[]): Promise<string[]>;
  /**
   * Delivers events of `stream` to member `consumer` of `group` (created at the stream's end if new, i.e. only
   * events published after creation; `options.from` starts it at the beginning, or at the end on every start).
   * handler resolves => events acked; handler throws => not acked: retried with backoff, redelivered to this consumer
   * at next start (its pending list first), or claimed by another member once idle longer than claimIdleMs. Each
   * group gets every event; members of a group split them.
   */
  subscribe<T>(
    stream: string,
    group: string,
    consumer: string,
    handler: (events: BusEvent<T>[]) => Promise<void>,
    options?: SubscribeOptions,
  ): Subscription;
  /** Closes every subscription; publishing afterwards fails. */
  close(): Promise<void>;
}

export type ResolvedSubscribeOptions = Required<SubscribeOptions>;

export const SUBSCRIBE_DEFAULTS: ResolvedSubscribeOptions = {
  batchSize: 100,
  blockMs: 1_000,
  claimIdleMs: 30_000,
  from: 'end',
};

const MAX_RETRY_DELAY_MS = 10_000;
const NAME = /^[^\s\p{Cc}]{1,200}$/u;

/** Fills in defaults and refuses values no stream could honour, naming the option. */
export function resolveSubscribeOptions(options: SubscribeOptions = {}): ResolvedSubscribeOptions {
  const resolved = { ...SUBSCRIBE_DEFAULTS, ...stripUndefined(options) };
  for (const name of ['batchSize', 'blockMs', 'claimIdleMs'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`SubscribeOptions.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (!FROM.includes(resolved.from)) {
    throw new RangeError(`SubscribeOptions.from must be 'end', 'beginning' or 'now', got ${String(resolved.from)}`);
  }
  return resolved;
}

/**
 * What both adapters check before subscribing: the names, the options (resolved with defaults) and that the bus is
 * still open. Throws naming what is wrong.
 */
export function checkSubscription(
  names: { stream: string; group: string; consumer: string },
  options: SubscribeOptions | undefined,
  closed: boolean,
): ResolvedSubscribeOptions {
  checkName('stream', names.stream);
  checkName('group', names.group);
  checkName('consumer', names.consumer);
  const resolved = resolveSubscribeOptions(options);
  if (closed) throw new Error('the event bus is closed');
  return resolved;
}

/** Stream, group and consumer names: non-empty, no spaces or control characters, at most 200 characters. */
export function checkName(field: 'stream' | 'group' | 'consumer', value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new TypeError(
      `${field} must be a name of 1 to 200 characters without spaces or control characters, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Encodes each item as the JSON both adapters store, all or none, naming the item that cannot be encoded. */
export function encodeEvents(stream: string, data: readonly unknown[]): string[] {
  return data.map((item, index) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(item);
    } catch (error) {
      throw new TypeError(`data[${index}] for stream ${stream} cannot be encoded as JSON`, { cause: error });
    }
    if (json === undefined) {
      throw new TypeError(`data[${index}] for stream ${stream} cannot be encoded as JSON (got ${typeof item})`);
    }
    return json;
  });
}

/** Wait before retry `attempt` (1, 2, ...) of a failed handler or read: 100 ms doubling up to 10 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
