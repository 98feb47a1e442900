import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RefreshTokenRepository } from '@fleet/database';
import { CLOCK, type Clock, LOGGER, type Logger } from '@fleet/platform';

const EVERY_MS = 3_600_000;
/** Expired tokens are kept a day, so presenting one still reads "expired" rather than "unknown". */
const KEEP_EXPIRED_MS = 86_400_000;

/** Deletes refresh tokens long past their expiry, hourly; every replica may do it, the deletes are idempotent. */
@Injectable()
export class RefreshTokenPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(RefreshTokenRepository) private readonly tokens: RefreshTokenRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async runOnce(): Promise<number> {
    try {
      const deleted = await this.tokens.deleteExpired(new Date(this.clock.now().getTime() - KEEP_EXPIRED_MS));
      if (deleted > 0) this.logger.info({ deleted }, 'expired refresh tokens deleted');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete expired refresh tokens; trying again in an hour');
      return 0;
    }
  }
}
