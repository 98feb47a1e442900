import { Injectable } from '@nestjs/common';

/** What a dependency check reports when the dependency is up; throw to report it down (the message says why). */
export type HealthDetails = Record<string, unknown>;

export interface DependencyCheck {
  /** Key in the health response: `database`, `mqtt`, `redis`, `influxdb`, ... */
  name: string;
  check(): Promise<HealthDetails>;
}

/**
 * The dependencies this process relies on. Each infrastructure module registers its own check when it starts, so
 * `/health/ready` of a service lists exactly what that service (or the all-in-one process) uses.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, DependencyCheck>();

  register(check: DependencyCheck): void {
    this.checks.set(check.name, check);
  }

  /** Registers `name` as down from a failure of `what` until its next success; see {@link FailureHealth}. */
  track(name: string, what: string, details: HealthDetails = {}): FailureHealth {
    const health = new FailureHealth(what, details);
    this.register({ name, check: () => health.check() });
    return health;
  }

  all(): DependencyCheck[] {
    return [...this.checks.values()];
  }
}

/**
 * The health of work that runs over and over (reading a stream, a delivery loop): down from the first failure
 * until the next success, saying since when and why.
 *
 * @example
 * const health = registry.track('jobs', 'reading robot messages', { group: 'jobs' });
 * try { await work(); health.succeeded(); } catch (error) { health.failed(error); throw error; }
 */
export class FailureHealth {
  private failingSince?: { at: number; error: string };

  constructor(
    private readonly what: string,
    private readonly details: HealthDetails,
  ) {}

  succeeded(): void {
    this.failingSince = undefined;
  }

  failed(error: unknown): void {
    this.failingSince ??= { at: Date.now(), error: (error as Error)?.message ?? String(error) };
  }

  check(): Promise<HealthDetails> {
    if (!this.failingSince) return Promise.resolve(this.details);
    const since = new Date(this.failingSince.at).toISOString();
    return Promise.reject(new Error(`${this.what} failing since ${since}: ${this.failingSince.error}`));
  }
}
