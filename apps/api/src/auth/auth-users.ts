import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, UnauthorizedError, type UserRole } from '@fleet/contracts';
import { UserRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import type { AuthUser } from '../http/request-context';
import { TokenService } from './token.service';

/** A disabled user, changed role or ended login takes effect on every replica within this long. */
const FRESH_MS = 5_000;
const MAX_CACHED = 10_000;

/** Values loaded on demand and kept for {@link FRESH_MS}. */
class FreshCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  async get(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    const value = await load();
    if (this.entries.size >= MAX_CACHED) this.entries.clear();
    this.entries.set(key, { value, until: now + FRESH_MS });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The current role and state of the user a token speaks for, and whether its login still stands. A token names
 * its user and login; whether they may still act, and with which role, comes from the database (cached for a few
 * seconds), so disabling or demoting someone, or signing out, does not wait for their tokens to expire.
 */
@Injectable()
export class AuthUsers {
  private readonly users = new FreshCache<AuthUser | null>();
  private readonly sessions = new FreshCache<boolean>();

  constructor(
    @Inject(UserRepository) private readonly repository: UserRepository,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The user as it is now; throws 401 when it is gone or disabled, or when its login `sessionId` has ended. */
  async current(userId: string, sessionId?: string): Promise<AuthUser> {
    const now = this.clock.now().getTime();
    const [user, active] = await Promise.all([
      this.users.get(userId, now, () => this.load(userId)),
      sessionId === undefined ? true : this.sessions.get(sessionId, now, () => this.tokens.sessionActive(sessionId)),
    ]);
    if (!user) throw new UnauthorizedError('this account no longer exists or is disabled: sign in again');
    if (!active) throw new UnauthorizedError('this login has ended (signed out or password changed): sign in again');
    return user;
  }

  /** Drops what this replica remembers about a user it has just changed, and about logins (one may have ended). */
  forget(userId: string): void {
    this.users.delete(userId);
    this.sessions.clear();
  }

  private async load(id: string): Promise<AuthUser | null> {
    try {
      const user = await this.repository.get(id);
      return user.is_active ? { id: user.id, username: user.username, role: user.role as UserRole } : null;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
