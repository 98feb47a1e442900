import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { UnauthorizedError } from '@fleet/contracts';
import { AuthUsers } from '../auth/auth-users';
import { TokenService } from '../auth/token.service';
import type { AuthUser } from '../http/request-context';

/** A live client's sign-in: the user as the database has it now, and when the token runs out. */
export interface LiveSession {
  user: AuthUser;
  /** The login the token belongs to: ending it (signing out) ends the connection too. */
  sessionId: string;
  /** Milliseconds since the epoch; null when the token does not say. */
  expiresAt: number | null;
}

const expirySchema = z.object({ exp: z.number() });

/**
 * Checks access tokens for connections that outlive a request: the live WebSocket and browsers on the embedded MQTT
 * broker. The same checks as the HTTP guard (signature, expiry, the user still active), plus when the token ends.
 */
@Injectable()
export class LiveAuth {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuthUsers) private readonly users: AuthUsers,
  ) {}

  /** Throws {@link UnauthorizedError} when the token is not valid or its user may no longer sign in. */
  async verify(token: string): Promise<LiveSession> {
    const claimed = await this.tokens.verifyAccess(token);
    const user = await this.users.current(claimed.id, claimed.sessionId);
    return { user, sessionId: claimed.sessionId, expiresAt: expiryOf(token) };
  }

  /** Throws {@link UnauthorizedError} when the user was disabled or deleted, or its login ended, since signing in. */
  async recheck(session: LiveSession): Promise<AuthUser> {
    return this.users.current(session.user.id, session.sessionId);
  }

  /** {@link verify}, answering null instead of throwing for a token that is not valid. */
  async userOf(token: string): Promise<AuthUser | null> {
    try {
      return (await this.verify(token)).user;
    } catch (error) {
      if (error instanceof UnauthorizedError) return null;
      throw error;
    }
  }
}

/** The `exp` claim of a token whose signature was verified, in milliseconds. */
function expiryOf(token: string): number | null {
  const payload = token.split('.')[1] ?? '';
  try {
    const claims = expirySchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return claims.success ? claims.data.exp * 1000 : null;
  } catch {
    return null;
  }
}
