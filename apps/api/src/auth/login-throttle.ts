import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { RateLimitedError } from '@fleet/contracts';
import { REDIS_CONNECTION, type RedisConnection } from '@fleet/messaging';

/**
 * Failed logins counted per username and per address over `LOGIN_BLOCK_S`; past `LOGIN_MAX_FAILURES_PER_USER` or
 * `..._PER_IP`, attempts are refused with 429 until the window passes. Counts live in Redis (shared by every API
 * replica) or, in the single process, in memory. A successful login clears its username's count.
 */
@Injectable()
export class LoginThrottle {
  private readonly perUser: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;

  constructor(@Inject(FLEET_CONFIG) config: FleetConfig, @Inject(REDIS_CONNECTION) redis: RedisConnection | null) {
    const { maxFailuresPerUser, maxFailuresPerIp, blockS } = config.auth;
    const make = (name: string, points: number): RateLimiterAbstract =>
      redis
        ? new RateLimiterRedis({
            storeClient: redis.client,
            keyPrefix: `${redis.keyPrefix}login-failures:${name}`,
            points,
            duration: blockS,
          })
        : new RateLimiterMemory({ keyPrefix: name, points, duration: blockS });
    this.perUser = make('user', maxFailuresPerUser);
    this.perIp = make('ip', maxFailuresPerIp);
  }

  /** Throws 429 (with the seconds to wait) when this username or address has failed too often. */
  async check(username: string, ip: string): Promise<void> {
    const [user, address] = await Promise.all([this.perUser.get(userKey(username)), this.perIp.get(ip)]);
    const blocked = [
      { state: user, limit: this.perUser.points, what: 'this account' },
      { state: address, limit: this.perIp.points, what: 'this address' },
    ].find(({ state, limit }) => state !== null && state.consumedPoints >= limit);
    if (blocked?.state) {
      const retryAfterS = Math.max(1, Math.ceil(blocked.state.msBeforeNext / 1000));
      throw new RateLimitedError(
        `too many failed logins for ${blocked.what}: try again in ${retryAfterS} s`,
        retryAfterS,
      );
    }
  }

  async failed(username: string, ip: string): Promise<void> {
    await Promise.all([this.perUser.penalty(userKey(username), 1), this.perIp.penalty(ip, 1)]);
  }

  async succeeded(username: string): Promise<void> {
    await this.perUser.delete(userKey(username));
  }
}

const userKey = (username: string) => username.trim().toLowerCase();
