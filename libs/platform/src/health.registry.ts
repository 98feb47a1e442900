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

  all(): DependencyCheck[] {
    return [...this.checks.values()];
  }
}
