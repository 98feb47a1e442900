import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Access } from './access';
import { HealthRegistry } from './health.registry';

const CHECK_TIMEOUT_MS = 3_000;
const SHARED_MS = 1_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

@Access('public')
@Controller('health')
export class HealthController {
  private last?: { at: number; answer: ReturnType<HealthController['checkAll']> };

  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
  ) {}

  /** Readiness: 200 when every dependency answers, 503 naming the ones that do not. */
  @Get('ready')
  @HealthCheck()
  check() {
    // Anyone may ask without a token: answers are shared for a second, so asking often costs the dependencies nothing.
    const now = Date.now();
    if (!this.last || now - this.last.at >= SHARED_MS) this.last = { at: now, answer: this.checkAll() };
    return this.last.answer;
  }

  private checkAll() {
    return this.health.check(
      this.registry.all().map((dependency) => async () => {
        const indicator = this.indicators.check(dependency.name);
        try {
          return indicator.up(await withTimeout(dependency.check(), CHECK_TIMEOUT_MS));
        } catch (error) {
          return indicator.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }

  /** Liveness: the process runs and its event loop turns (`/health/live` is the same, for older probes). */
  @Get()
  live() {
    return this.alive();
  }

  @Get('live')
  alive() {
    return { status: 'ok', uptime_s: Math.round(process.uptime()) };
  }
}
