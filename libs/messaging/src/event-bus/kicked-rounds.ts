import type { EventBus, Subscription } from './event-bus';

export interface KickedRoundsOptions {
  bus: EventBus;
  /** A round runs at once when an event arrives here (the event itself is only a wake-up). */
  stream: string;
  /** The consumer group; each replica reads as `<group>-<instanceId>`. */
  group: string;
  instanceId: string;
  /** And every this often, in case an event was missed. */
  intervalMs: number;
}

/**
 * Rounds of work that run on a timer and at once when another service announces work, one at a time: a kick while
 * a round runs asks for one more round right after it. `round` resolves true to ask for another at once (it did
 * a full batch). A round that throws, having said why (health, log), ends the rounds until the next kick or tick:
 * a failing store is not hammered.
 */
export class KickedRounds {
  private timer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly round: () => Promise<boolean>) {}

  start(options: KickedRoundsOptions): void {
    this.subscription = options.bus.subscribe<unknown>(
      options.stream,
      options.group,
      `${options.group}-${options.instanceId}`,
      () => {
        this.kick();
        return Promise.resolve();
      },
      { from: 'end' },
    );
    this.timer = setInterval(() => this.kick(), options.intervalMs);
    this.timer.unref();
    this.kick();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs a round now, or right after the one running. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.rounds().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no round is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No round starts any more; resolves once the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.subscription?.close();
    await this.running;
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        if (await this.round()) this.again = true;
      } catch {
        return;
      }
    } while (this.again && !this.stopped);
  }
}
