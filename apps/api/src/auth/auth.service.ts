import { Inject, Injectable } from '@nestjs/common';
import { ForbiddenError, InvalidInputError, UnauthorizedError, type UserRole } from '@fleet/contracts';
import { SystemLogRepository, UserRepository } from '@fleet/database';
import { CLOCK, checkDecoyPassword, checkPassword, type Clock, hashPassword, passwordProblem } from '@fleet/platform';
import { type Actor, auditedBy, type AuthUser, type RequestOrigin } from '../http/request-context';
import { AuthUsers } from './auth-users';
import { LoginThrottle } from './login-throttle';
import { TokenService, type TokenLifetimes } from './token.service';

const BAD_CREDENTIALS = 'invalid username or password';

/** Sign-in, token refresh and sign-out, with failed attempts throttled and recorded in the system log. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(AuthUsers) private readonly authUsers: AuthUsers,
    @Inject(SystemLogRepository) private readonly logs: SystemLogRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `lifetimes` override the configured ones for clients that cannot refresh (the TonyPi dashboard). */
  async login(username: string, password: string, origin: RequestOrigin, lifetimes?: TokenLifetimes) {
    const attempt = await this.throttle.attempt(username, origin.ip);
    const account = await this.users.findCredentials(username);
    const check = account ? await checkPassword(account.password_hash, password) : undefined;
    if (!account || !check?.ok) {
      if (!account) await checkDecoyPassword(password);
      // What was typed as an unknown username may be a password: it is not written down.
      const who = account ? `'${account.username}'` : 'an unknown username';
      await this.authLog('WARNING', `failed login for ${who}`, origin);
      throw new UnauthorizedError(BAD_CREDENTIALS);
    }
    if (!account.is_active) {
      await this.authLog('WARNING', `login refused for disabled account '${account.username}'`, origin);
      throw new ForbiddenError('this account is disabled');
    }
    await attempt.succeeded();
    if (check.needsRehash) await this.users.setPasswordHash(account.id, await hashPassword(password));
    await this.users.recordLogin(account.id, this.clock.now());
    const user = await this.users.get(account.id);
    const tokens = await this.tokens.issue(toAuthUser(user), origin, lifetimes);
    await this.authLog('INFO', `'${user.username}' signed in`, origin);
    return { ...tokens, user };
  }

  async refresh(refreshToken: string, origin: RequestOrigin) {
    const { tokens, user } = await this.tokens.rotate(refreshToken, origin, (id) => this.authUsers.current(id));
    return { ...tokens, user: await this.users.get(user.id) };
  }

  /** Ends one login (the refresh token's), or every login of the user when no token is given. */
  async logout(actor: Actor, refreshToken: string | undefined): Promise<{ revoked: 'login' | 'all' }> {
    if (refreshToken) {
      const owner = await this.tokens.ownerOf(refreshToken);
      if (owner !== undefined && owner !== actor.user.id) throw new ForbiddenError('that refresh token is not yours');
      await this.tokens.revokeLogin(refreshToken);
      this.authUsers.forget(actor.user.id);
      return { revoked: 'login' };
    }
    await this.tokens.revokeAll(actor.user.id);
    this.authUsers.forget(actor.user.id);
    return { revoked: 'all' };
  }

  me(user: AuthUser) {
    return this.users.get(user.id);
  }

  /** Changing one's own password needs the current one, and ends every other login. */
  async changeOwnPassword(actor: Actor, current: string, next: string): Promise<void> {
    const account = await this.users.findCredentials(actor.user.username);
    if (!account || !(await checkPassword(account.password_hash, current)).ok) {
      throw new InvalidInputError('current password is wrong', [
        { path: 'current_password', message: 'does not match' },
      ]);
    }
    const problem = passwordProblem(next, actor.user.username);
    if (problem) throw new InvalidInputError(`new password ${problem}`, [{ path: 'new_password', message: problem }]);
    await this.users.setPasswordHash(account.id, await hashPassword(next), {
      by: auditedBy(actor),
      action: 'user.password_change',
    });
    await this.tokens.revokeAll(account.id, actor.sessionId);
    this.authUsers.forget(account.id);
  }

  private async authLog(level: 'INFO' | 'WARNING', message: string, origin: RequestOrigin): Promise<void> {
    await this.logs.insert({
      level,
      category: 'auth',
      message,
      details: { ip: origin.ip, request_id: origin.requestId, user_agent: origin.userAgent ?? null },
    });
  }
}

export function toAuthUser(user: { id: string; username: string; role: string }): AuthUser {
  return { id: user.id, username: user.username, role: user.role as UserRole };
}
