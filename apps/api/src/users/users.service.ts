import { Inject, Injectable } from '@nestjs/common';
import {
  ForbiddenError,
  InvalidInputError,
  type UserCreate,
  type UserListQuery,
  type UserUpdate,
} from '@fleet/contracts';
import { UserRepository } from '@fleet/database';
import { hashPassword, passwordProblem } from '@fleet/platform';
import { AuthUsers } from '../auth/auth-users';
import { TokenService } from '../auth/token.service';
import { type Actor, auditedBy } from '../http/request-context';

/**
 * Accounts, managed by admins. Nobody deletes, disables or demotes themselves, and one active admin always remains.
 * Each change and its audit entry are written in one transaction.
 */
@Injectable()
export class UsersService {
  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuthUsers) private readonly authUsers: AuthUsers,
  ) {}

  list(query: UserListQuery) {
    return this.users.list({
      role: query.role,
      isActive: query.is_active,
      search: query.search,
      limit: query.limit,
      offset: query.offset,
    });
  }

  get(id: string) {
    return this.users.get(id);
  }

  async create(actor: Actor, input: UserCreate) {
    const problem = passwordProblem(input.password, input.username);
    if (problem) throw new InvalidInputError(`password ${problem}`, [{ path: 'password', message: problem }]);
    return this.users.create(
      {
        username: input.username,
        email: input.email,
        role: input.role,
        password_hash: await hashPassword(input.password),
      },
      auditedBy(actor),
    );
  }

  async update(actor: Actor, id: string, changes: UserUpdate) {
    const before = await this.users.get(id);
    if (id === actor.user.id) {
      if (changes.is_active === false) throw new ForbiddenError('you cannot disable your own account');
      if (changes.role !== undefined && changes.role !== before.role) {
        throw new ForbiddenError('you cannot change your own role');
      }
    }
    const after = await this.users.update(id, changes, { keepAnAdmin: true, by: auditedBy(actor) });
    if (changes.is_active === false) await this.tokens.revokeAll(id);
    this.authUsers.forget(id);
    return after;
  }

  async setPassword(actor: Actor, id: string, password: string): Promise<void> {
    const user = await this.users.get(id);
    const problem = passwordProblem(password, user.username);
    if (problem) throw new InvalidInputError(`password ${problem}`, [{ path: 'password', message: problem }]);
    await this.users.setPasswordHash(id, await hashPassword(password), {
      by: auditedBy(actor),
      action: 'user.password_set',
    });
    await this.tokens.revokeAll(id);
    // The user's logins have ended: their access tokens stop now on this replica, not when the cache expires.
    this.authUsers.forget(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    if (id === actor.user.id) throw new ForbiddenError('you cannot delete your own account');
    await this.users.remove(id, auditedBy(actor));
    this.authUsers.forget(id);
  }
}
