import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@fleet/contracts';

/** Who may call a route: anyone (`public`), or a signed-in user holding at least this role. */
export type AccessRule = 'public' | UserRole;

export const ACCESS_RULE = 'fleet:access-rule';

const RANK: Record<UserRole, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether `role` holds at least what `rule` asks (admin ⊇ operator ⊇ viewer). */
export function roleSatisfies(role: UserRole, rule: UserRole): boolean {
  return RANK[role] >= RANK[rule];
}

/**
 * Every route declares who may call it; the API's guard refuses a route that declares nothing.
 *
 * @example
 * @Access('operator') @Post(':id/acknowledge') acknowledge(...) {}
 */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);
