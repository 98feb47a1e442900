/**
 * The time, injected wherever it decides something (pending periods, offline timeouts, schedules), so tests
 * drive it instead of sleeping.
 *
 * @example
 * constructor(@Inject(CLOCK) private readonly clock: Clock) {}
 * const silentForMs = this.clock.now().getTime() - lastSeen.getTime();
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to: for tests and benchmarks. */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2026-01-24T10:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (!Number.isFinite(this.ms)) throw new RangeError(`ManualClock: invalid start ${String(start)}`);
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves the clock forward (never back). */
  advance(ms: number): Date {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    this.ms += ms;
    return this.now();
  }

  set(at: Date | string): Date {
    this.ms = new Date(at).getTime();
    return this.now();
  }
}
