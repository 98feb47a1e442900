import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, UnauthorizedError, type UserRole } from '@fleet/contracts';
import { UserRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import type { AuthUser } from '../http/request-context';

/** A disabled user or changed role takes effect on every replica within this long, without a query per request. */
const FRESH_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * The current role and state of the user a token speaks for. A token names its user; whether that user may still
 * act, and with which role, comes from the database (cached for a few seconds), so disabling or demoting someone
 * does not wait for their tokens to expire.
 */
@Injectable()
export class AuthUsers {
  private readonly cache = new Map<string, { user: AuthUser | null; until: number }>();

  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async current(userId: string): Promise<AuthUser> {
    const now = this.clock.now().getTime();
    let entry = this.cache.get(userId);
    if (!entry || entry.until <= now) {
      entry = { user: await this.load(userId), until: now + FRESH_MS };
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(userId, entry);
    }
    if (!entry.user) throw new UnauthorizedError('this account no longer exists or is disabled: sign in again');
    return entry.user;
  }

  /** Drops what this replica remembers about a user it has just changed. */
  forget(userId: string): void {
    this.cache.delete(userId);
  }

  private async load(id: string): Promise<AuthUser | null> {
    try {
      const user = await this.users.get(id);
      return user.is_active ? { id: user.id, username: user.username, role: user.role as UserRole } : null;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
