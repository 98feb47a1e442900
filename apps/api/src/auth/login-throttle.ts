import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { RateLimitedError } from '@fleet/contracts';
import { REDIS_CONNECTION, type RedisConnection } from '@fleet/messaging';

/** One attempt let through and counted as failed unless `succeeded()` says otherwise. */
export interface Attempt {
  succeeded(): Promise<void>;
}

/**
 * Password attempts counted per username and address together, per address, and per username from every address,
 * over `LOGIN_BLOCK_S`; past `LOGIN_MAX_FAILURES_PER_USER` (for one username from one address),
 * `LOGIN_MAX_FAILURES_PER_IP` or `LOGIN_MAX_FAILURES_ACCOUNT` (for one username from all addresses), attempts are
 * refused with 429 until the window passes. An attempt is counted before the password is checked, so parallel
 * guesses cannot slip past the limit, and given back when it succeeds. The low limit per address keeps a stranger
 * from locking a user out from elsewhere; the higher one per account stops guesses spread over many addresses, at
 * the price of locking that account out everywhere while it lasts. Counts live in Redis (shared by every API
 * replica) or, in the single process, in memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly perUser: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;
  private readonly perAccount: RateLimiterAbstract;

  constructor(@Inject(FLEET_CONFIG) config: FleetConfig, @Inject(REDIS_CONNECTION) redis: RedisConnection | null) {
    const { maxFailuresPerUser, maxFailuresPerIp, maxFailuresPerAccount, blockS } = config.auth;
    const make = (name: string, points: number): RateLimiterAbstract =>
      redis
        ? new RateLimiterRedis({
            storeClient: redis.client,
            keyPrefix: `${redis.keyPrefix}login-attempts:${name}`,
            points,
            duration: blockS,
          })
        : new RateLimiterMemory({ keyPrefix: name, points, duration: blockS });
    this.perUser = make('user-ip', maxFailuresPerUser);
    this.perIp = make('ip', maxFailuresPerIp);
    this.perAccount = make('user', maxFailuresPerAccount);
  }

  /** Counts an attempt, or throws 429 (with the seconds to wait) when too many have failed. */
  async attempt(username: string, ip: string): Promise<Attempt> {
    const account = username.trim().toLowerCase();
    const userKey = `${account}|${ip}`;
    try {
      await this.perIp.consume(ip);
    } catch (error) {
      throw refused(error, 'this address');
    }
    try {
      await this.perUser.consume(userKey);
    } catch (error) {
      await this.perIp.reward(ip, 1);
      throw refused(error, 'this account from this address');
    }
    try {
      await this.perAccount.consume(account);
    } catch (error) {
      await Promise.all([this.perIp.reward(ip, 1), this.perUser.reward(userKey, 1)]);
      throw refused(error, 'this account');
    }
    return {
      // A success gives back only its own attempt on the account's count: others' guesses there still count.
      succeeded: async () => {
        await Promise.all([this.perUser.delete(userKey), this.perIp.reward(ip, 1), this.perAccount.reward(account, 1)]);
      },
    };
  }
}

function refused(error: unknown, what: string): Error {
  if (!(error instanceof RateLimiterRes)) return error instanceof Error ? error : new Error(String(error));
  const retryAfterS = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  return new RateLimitedError(`too many failed logins for ${what}: try again in ${retryAfterS} s`, retryAfterS);
}
