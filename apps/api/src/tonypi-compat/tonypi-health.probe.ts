import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import type { TonyPiSystemStatus } from '@fleet/contracts';
import { HealthRegistry } from '@fleet/platform';
import type { DependencyState } from './tonypi-management.mapper';

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The process's dependency checks (the ones `/health/ready` runs) and the host's load, for the TonyPi routes. */
@Injectable()
export class TonyPiHealthProbe {
  constructor(@Inject(HealthRegistry) private readonly registry: HealthRegistry) {}

  /** Runs every registered check at once; one that fails or takes over 3 s is down. */
  dependencies(): Promise<DependencyState[]> {
    return Promise.all(
      this.registry.all().map(async (dependency) => {
        try {
          await withTimeout(dependency.check(), CHECK_TIMEOUT_MS);
          return { name: dependency.name, up: true };
        } catch {
          return { name: dependency.name, up: false };
        }
      }),
    );
  }

  /** CPU (one-minute load over cores), memory and disk (of `dir`) use of the host, in percent. */
  async usage(dir: string): Promise<TonyPiSystemStatus['resource_usage']> {
    const cores = Math.max(1, cpus().length);
    const disk = await statfs(dir).then(
      (fs) => (fs.blocks > 0 ? round1((1 - fs.bavail / fs.blocks) * 100) : null),
      () => null,
    );
    return {
      cpu_percent: round1(Math.min(100, (loadavg()[0] / cores) * 100)),
      memory_percent: round1((1 - freemem() / totalmem()) * 100),
      disk_usage_percent: disk,
    };
  }
}
