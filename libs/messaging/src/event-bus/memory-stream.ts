import type { Claimed, StoredEvent } from './group-consumer';

/** A stream entry id as Redis writes it: milliseconds and a sequence number within that millisecond. */
export interface StreamId {
  ms: number;
  seq: number;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function parseId(id: string): StreamId {
  const match = /^(\d+)-(\d+)$/.exec(id);
  if (!match) throw new TypeError(`not a stream id: ${JSON.stringify(id)}`);
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

/** The id after `last` for an event appended at `now`: Redis's rule, so ids grow even when the clock goes back. */
export function nextId(last: StreamId, now: number): StreamId {
  const ms = Math.floor(now);
  return ms > last.ms ? { ms, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
}

interface Entry {
  id: StreamId;
  key: string;
  payload: string;
}

interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  lastDelivered: StreamId;
  /** Keyed by id; insertion order is id order, because events are first delivered in id order. */
  pending: Map<string, PendingEntry>;
}

/** Like XAUTOCLAIM: a claim looks at no more than this many pending entries per event asked for. */
const CLAIM_SCAN_FACTOR = 10;

/**
 * One stream with its consumer groups, with the semantics of Redis Streams (XADD with `MAXLEN ~`, XGROUP CREATE,
 * XREADGROUP, XAUTOCLAIM, XACK), in memory. Time comes from the caller, so idle times follow an injected clock.
 */
export class MemoryStream {
  private entries: Entry[] = [];
  private last: StreamId = { ms: 0, seq: 0 };
  private readonly groups = new Map<string, Group>();

  /** Trimmed like `MAXLEN ~ maxLength`: at least `maxLength` entries are kept, never many more. */
  constructor(private readonly maxLength: number) {}

  get length(): number {
    return this.entries.length;
  }

  append(payload: string, now: number): string {
    this.last = nextId(this.last, now);
    const key = formatId(this.last);
    this.entries.push({ id: this.last, key, payload });
    // Like Redis's approximate trim, whole chunks go at once, so appending stays cheap on a long stream.
    if (this.entries.length > this.maxLength + Math.min(100, this.maxLength)) {
      this.entries = this.entries.slice(this.entries.length - this.maxLength);
    }
    return key;
  }

  /** Creates `group` unless it exists, at the end of the stream or at its beginning. */
  createGroup(group: string, from: 'end' | 'beginning'): void {
    if (this.groups.has(group)) return;
    this.groups.set(group, { lastDelivered: from === 'end' ? this.last : { ms: 0, seq: 0 }, pending: new Map() });
  }

  /**
   * XGROUP CREATE (or SETID) at `$`, then XGROUP DELCONSUMER: `group` is at the stream's end, whether it existed or
   * not, and `consumer` has nothing pending.
   */
  restartGroupAtEnd(group: string, consumer: string): void {
    this.createGroup(group, 'end');
    const g = this.group(group);
    g.lastDelivered = this.last;
    for (const [key, p] of g.pending) if (p.consumer === consumer) g.pending.delete(key);
  }

  /** XREADGROUP `>`: events never delivered to the group, which become pending for `consumer`. */
  readNew(group: string, consumer: string, count: number, now: number): StoredEvent[] {
    const g = this.group(group);
    const start = this.indexAfter(g.lastDelivered);
    const taken = this.entries.slice(start, start + count);
    for (const entry of taken) {
      g.pending.set(entry.key, { id: entry.id, consumer, deliveredAt: now, deliveries: 1 });
      g.lastDelivered = entry.id;
    }
    return taken.map(({ key, payload }) => ({ id: key, payload }));
  }

  /** XREADGROUP `0`: the consumer's pending list, oldest first; each read counts as a delivery. */
  readPending(group: string, consumer: string, count: number, now: number): StoredEvent[] {
    const result: StoredEvent[] = [];
    for (const [key, p] of this.group(group).pending) {
      if (result.length >= count) break;
      if (p.consumer !== consumer) continue;
      p.deliveredAt = now;
      p.deliveries += 1;
      result.push({ id: key, payload: this.find(p.id)?.payload ?? null });
    }
    return result;
  }

  /** XAUTOCLAIM: takes over entries idle for `minIdleMs`, from `cursor` on; ones trimmed away leave the list. */
  claim(group: string, consumer: string, cursor: string, count: number, minIdleMs: number, now: number): Claimed {
    const g = this.group(group);
    const from = parseId(cursor);
    const events: StoredEvent[] = [];
    const trimmed: string[] = [];
    let scanned = 0;
    for (const [key, p] of g.pending) {
      if (compareIds(p.id, from) < 0) continue;
      if (events.length >= count || scanned >= count * CLAIM_SCAN_FACTOR) return { next: key, events, trimmed };
      scanned += 1;
      if (now - p.deliveredAt < minIdleMs) continue;
      const entry = this.find(p.id);
      if (!entry) {
        g.pending.delete(key);
        trimmed.push(key);
        continue;
      }
      p.consumer = consumer;
      p.deliveredAt = now;
      p.deliveries += 1;
      events.push({ id: key, payload: entry.payload });
    }
    return { next: '0-0', events, trimmed };
  }

  /** XACK: how many of `ids` were pending. */
  ack(group: string, ids: readonly string[]): number {
    const { pending } = this.group(group);
    return ids.filter((id) => pending.delete(id)).length;
  }

  private group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new Error(`no consumer group ${name} on this stream`);
    return group;
  }

  /** Index of the first entry after `id` (binary search: entries are in id order). */
  private indexAfter(id: StreamId): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.entries[mid].id, id) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private find(id: StreamId): Entry | undefined {
    const entry = this.entries[this.indexAfter(id) - 1];
    return entry && compareIds(entry.id, id) === 0 ? entry : undefined;
  }
}
