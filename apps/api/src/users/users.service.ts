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
import { AuditService } from '../audit/audit.service';
import { AuthUsers } from '../auth/auth-users';
import { TokenService } from '../auth/token.service';
import type { Actor } from '../http/request-context';

/** Accounts, managed by admins. Nobody deletes, disables or demotes themselves, and one active admin always remains. */
@Injectable()
export class UsersService {
  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuthUsers) private readonly authUsers: AuthUsers,
    @Inject(AuditService) private readonly audit: AuditService,
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
    const user = await this.users.create({
      username: input.username,
      email: input.email,
      role: input.role,
      password_hash: await hashPassword(input.password),
    });
    await this.audit.record(actor, 'user.create', 'user', user.id, null, user);
    return user;
  }

  async update(actor: Actor, id: string, changes: UserUpdate) {
    const before = await this.users.get(id);
    if (id === actor.user.id) {
      if (changes.is_active === false) throw new ForbiddenError('you cannot disable your own account');
      if (changes.role !== undefined && changes.role !== before.role) {
        throw new ForbiddenError('you cannot change your own role');
      }
    }
    const after = await this.users.update(id, changes, { keepAnAdmin: true });
    if (changes.is_active === false) await this.tokens.revokeAll(id);
    this.authUsers.forget(id);
    await this.audit.record(actor, 'user.update', 'user', id, before, after);
    return after;
  }

  async setPassword(actor: Actor, id: string, password: string): Promise<void> {
    const user = await this.users.get(id);
    const problem = passwordProblem(password, user.username);
    if (problem) throw new InvalidInputError(`password ${problem}`, [{ path: 'password', message: problem }]);
    await this.users.setPasswordHash(id, await hashPassword(password));
    await this.tokens.revokeAll(id);
    await this.audit.record(actor, 'user.password_set', 'user', id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    if (id === actor.user.id) throw new ForbiddenError('you cannot delete your own account');
    const before = await this.users.get(id);
    await this.users.remove(id);
    this.authUsers.forget(id);
    await this.audit.record(actor, 'user.delete', 'user', id, before, null);
  }
}
