import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '@fleet/contracts';
import { ACCESS_RULE, type AccessRule, roleSatisfies } from '@fleet/platform';
import type { AuthenticatedRequest } from '../http/request-context';
import { AuthUsers } from './auth-users';
import { TokenService } from './token.service';

/** `Authorization: Bearer <token>`; null when absent or not a bearer token. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * Every HTTP route of the process passes here. A route must declare its rule with `@Access(...)`: a route that
 * declares none is refused (fail closed) and the authorization test names it. `public` routes pass; the others
 * need a valid access token of an active user whose current role satisfies the rule (401 without one, 403 with
 * too little).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuthUsers) private readonly users: AuthUsers,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule === undefined) {
      throw new Error(`route ${context.getClass().name}.${context.getHandler().name} declares no access rule`);
    }
    if (rule === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedError('sign in first: send Authorization: Bearer <access_token>');
    const claims = await this.tokens.verifyAccess(token);
    const user = await this.users.current(claims.id, claims.sessionId);
    if (!roleSatisfies(user.role, rule)) {
      throw new ForbiddenError(`this needs the ${rule} role or higher; you are ${user.role}`);
    }
    request.user = user;
    request.sessionId = claims.sessionId;
    return true;
  }
}
