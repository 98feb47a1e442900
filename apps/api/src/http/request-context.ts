import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { UserRole } from '@fleet/contracts';
import type { AuditedBy } from '@fleet/database';

/** The signed-in user a request acts for, as the guard established it. */
export interface AuthUser {
  id: string;
  username: string;
  role: UserRole;
}

/** Who did something and from where: what the audit trail records with every change. */
export interface Actor {
  user: AuthUser;
  /** The caller's login (refresh-token family). */
  sessionId?: string;
  ip: string;
  requestId: string;
  userAgent?: string;
}

/** The actor as a repository records it in the audit trail, in the transaction of the change. */
export function auditedBy(actor: Actor): AuditedBy {
  return { actor: actor.user.username, actor_id: actor.user.id, ip_address: actor.ip, request_id: actor.requestId };
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthUser; sessionId?: string };

/** The caller's address, the user agent and the request id: what login, logout and the audit trail record. */
export interface RequestOrigin {
  ip: string;
  requestId: string;
  userAgent?: string;
}

export function requestOrigin(request: FastifyRequest): RequestOrigin {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip,
    requestId: request.id,
    userAgent: typeof agent === 'string' ? agent.slice(0, 255) : undefined,
  };
}

/** The request's origin. */
export const Origin = createParamDecorator((_: unknown, context: ExecutionContext): RequestOrigin =>
  requestOrigin(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** The signed-in user with the request's origin (routes whose rule is not `public`). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.user) throw new Error('CurrentActor used on a route without a signed-in user');
  return { user: request.user, sessionId: request.sessionId, ...requestOrigin(request) };
});
