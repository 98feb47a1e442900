import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { z } from 'zod';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { UnauthorizedError, userRoleSchema } from '@fleet/contracts';
import { RefreshTokenRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import type { AuthUser, RequestOrigin } from '../http/request-context';

const accessClaimsSchema = z.object({
  sub: z.string(),
  username: z.string(),
  role: userRoleSchema,
  /** The login (refresh-token family) the token belongs to: ending that login ends the token too. */
  sid: z.uuid(),
  typ: z.literal('access'),
});

/** What a valid access token says: its user, as when it was issued, and the login it belongs to. */
export interface AccessClaims extends AuthUser {
  sessionId: string;
}

export interface IssuedTokens {
  access_token: string;
  token_type: 'bearer';
  /** Seconds the access token stays valid. */
  expires_in: number;
  refresh_token: string;
  refresh_expires_at: string;
}

/** How long a login's tokens live; the defaults are `ACCESS_TOKEN_TTL_S` and `REFRESH_TOKEN_TTL_DAYS`. */
export interface TokenLifetimes {
  accessTtlS?: number;
  refreshTtlMs?: number;
}

/** SHA-256 is enough for a 256-bit random token: it only has to be unguessable and not stored as is. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Short-lived signed access tokens, and rotating refresh tokens stored hashed. Each login is a family of refresh
 * tokens; access tokens name their family, so ending a login (logout, password change) ends its access tokens too.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** What an access token says, if its signature and expiry hold; throws 401 otherwise. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    let payload: unknown;
    try {
      payload = await this.jwt.verifyAsync(token, {
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(this.clock.now().getTime() / 1000),
      });
    } catch (error) {
      const expired = (error as { name?: string }).name === 'TokenExpiredError';
      const message = expired ? 'access token expired: refresh it or sign in again' : 'invalid access token';
      throw new UnauthorizedError(message, { cause: error });
    }
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthorizedError('invalid access token');
    const { sub, username, role, sid } = claims.data;
    return { id: sub, username, role, sessionId: sid };
  }

  /** Whether the login `sessionId` still holds a refresh token that is neither used, revoked nor expired. */
  sessionActive(sessionId: string): Promise<boolean> {
    return this.refreshTokens.familyActive(sessionId, this.clock.now());
  }

  /** A new login: an access token and the first refresh token of a new family. */
  async issue(user: AuthUser, origin: RequestOrigin, lifetimes: TokenLifetimes = {}): Promise<IssuedTokens> {
    const refresh = this.newRefreshToken(lifetimes.refreshTtlMs);
    const familyId = randomUUID();
    await this.refreshTokens.issue({
      user_id: user.id,
      token_hash: refreshTokenHash(refresh.token),
      family_id: familyId,
      expires_at: refresh.expiresAt,
      user_agent: origin.userAgent ?? null,
      ip_address: origin.ip,
    });
    return this.tokens(user, familyId, refresh, lifetimes.accessTtlS);
  }

  /** Trades a refresh token for a new pair; a reused (already rotated) token ends that whole login. */
  async rotate(presented: string, origin: RequestOrigin, loadUser: (id: string) => Promise<AuthUser>) {
    const refresh = this.newRefreshToken();
    const result = await this.refreshTokens.rotate(
      refreshTokenHash(presented),
      {
        token_hash: refreshTokenHash(refresh.token),
        expires_at: refresh.expiresAt,
        user_agent: origin.userAgent ?? null,
        ip_address: origin.ip,
      },
      this.clock.now(),
    );
    switch (result.outcome) {
      case 'rotated': {
        const user = await loadUser(result.userId);
        return { user, tokens: this.tokens(user, result.familyId, refresh) };
      }
      case 'raced':
        throw new UnauthorizedError('refresh token was just used by another request: use the tokens it received');
      case 'reused':
        throw new UnauthorizedError('refresh token was already used: this login has been ended, sign in again');
      case 'expired':
        throw new UnauthorizedError('refresh token expired: sign in again');
      case 'unknown':
        throw new UnauthorizedError('invalid refresh token');
    }
  }

  /** The user whose login a refresh token belongs to, if it is known. */
  ownerOf(presented: string): Promise<string | undefined> {
    return this.refreshTokens.ownerOf(refreshTokenHash(presented));
  }

  async revokeLogin(presented: string): Promise<void> {
    await this.refreshTokens.revokeFamilyOf(refreshTokenHash(presented), this.clock.now());
  }

  /** Ends every login of a user but `keepSessionId` (the caller's own, when it changes its password). */
  async revokeAll(userId: string, keepSessionId?: string): Promise<number> {
    return this.refreshTokens.revokeAllOf(userId, this.clock.now(), keepSessionId);
  }

  private newRefreshToken(ttlMs = this.config.auth.refreshTokenTtlMs) {
    return {
      token: randomBytes(32).toString('base64url'),
      expiresAt: new Date(this.clock.now().getTime() + ttlMs),
    };
  }

  private tokens(
    user: AuthUser,
    sessionId: string,
    refresh: { token: string; expiresAt: Date },
    accessTtlS = this.config.auth.accessTokenTtlS,
  ): IssuedTokens {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const access = this.jwt.sign(
      {
        sub: user.id,
        username: user.username,
        role: user.role,
        sid: sessionId,
        typ: 'access',
        iat: now,
        exp: now + accessTtlS,
      },
      { algorithm: 'HS256', jwtid: randomUUID() },
    );
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: accessTtlS,
      refresh_token: refresh.token,
      refresh_expires_at: refresh.expiresAt.toISOString(),
    };
  }
}
