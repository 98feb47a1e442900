import type { TonyPiUser, UserRole } from '@fleet/contracts';
import type { User } from '@fleet/database';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** TonyPi's `UserResponse`: Fleet's user without its last login. */
export function tonypiUser(user: User): TonyPiUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role as UserRole,
    is_active: user.is_active,
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
  };
}

/** TonyPi lists users newest first. */
export function newestUsersFirst(users: readonly User[]): TonyPiUser[] {
  return [...users]
    .sort((a, b) => (b.created_at?.getTime() ?? 0) - (a.created_at?.getTime() ?? 0) || a.id.localeCompare(b.id))
    .map(tonypiUser);
}
