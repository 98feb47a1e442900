/** One key's state while it is held to its rate: the newest item waiting, and the end of the current interval. */
interface Slot<T> {
  pending?: T;
  timer: NodeJS.Timeout;
}

/**
 * Holds items to at most one per `intervalMs` for each key. The first item of a quiet key goes out at once; items
 * that come sooner wait, each replacing the one waiting before it, and the newest goes out when the interval ends.
 * So a burst of any length sends its first and its latest item, and at most one item per interval in between.
 *
 * @example
 * const coalescer = new Coalescer<Update>(200, (update) => socket.send(update.json));
 * coalescer.offer('telemetry/tonypi_01/battery', update);
 */
export class Coalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (item: T) => void,
  ) {}

  offer(key: string, item: T): void {
    if (this.stopped) return;
    const slot = this.slots.get(key);
    if (slot) {
      slot.pending = item;
      return;
    }
    this.deliver(item);
    this.hold(key);
  }

  /**
   * Drops the waiting items that `unwanted` picks (say, of a robot the client stopped following), so they are not
   * sent when their interval ends.
   */
  dropPending(unwanted: (item: T) => boolean): void {
    for (const slot of this.slots.values()) {
      if (slot.pending !== undefined && unwanted(slot.pending)) slot.pending = undefined;
    }
  }

  /** Keys held at the moment (sent within the last interval, or waiting). */
  get size(): number {
    return this.slots.size;
  }

  /** Drops what is waiting and stops every timer; later offers are ignored. */
  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
  }

  private hold(key: string): void {
    // Delivering may have stopped it (a client closed for reading too slowly).
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const slot = this.slots.get(key);
      this.slots.delete(key);
      if (slot?.pending === undefined) return;
      // What is sent now starts a new interval, so the rate holds across intervals too.
      this.deliver(slot.pending);
      this.hold(key);
    }, this.intervalMs);
    this.slots.set(key, { timer });
  }
}
