import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { UnauthorizedError, userRoleSchema } from '@fleet/contracts';
import { RefreshTokenRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import type { AuthUser, RequestOrigin } from '../http/request-context';
import { z } from 'zod';

const accessClaimsSchema = z.object({
  sub: z.string(),
  username: z.string(),
  role: userRoleSchema,
  typ: z.literal('access'),
});

export interface IssuedTokens {
  access_token: string;
  token_type: 'bearer';
  /** Seconds the access token stays valid. */
  expires_in: number;
  refresh_token: string;
  refresh_expires_at: string;
}

/** SHA-256 is enough for a 256-bit random token: it only has to be unguessable and not stored as is. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Short-lived signed access tokens, and rotating refresh tokens stored hashed. */
@Injectable()
export class TokenService {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The user an access token speaks for, as it was when the token was issued; throws 401 when it is not valid. */
  async verifyAccess(token: string): Promise<AuthUser> {
    let payload: unknown;
    try {
      payload = await this.jwt.verifyAsync(token, {
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(this.clock.now().getTime() / 1000),
      });
    } catch (error) {
      const expired = (error as { name?: string }).name === 'TokenExpiredError';
      throw new UnauthorizedError(
        expired ? 'access token expired: refresh it or sign in again' : 'invalid access token',
        {
          cause: error,
        },
      );
    }
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthorizedError('invalid access token');
    return { id: claims.data.sub, username: claims.data.username, role: claims.data.role };
  }

  /** A new login: an access token and the first refresh token of a new family. */
  async issue(user: AuthUser, origin: RequestOrigin, accessTtlS?: number): Promise<IssuedTokens> {
    const refresh = this.newRefreshToken();
    await this.refreshTokens.issue({
      user_id: user.id,
      token_hash: refreshTokenHash(refresh.token),
      family_id: randomUUID(),
      expires_at: refresh.expiresAt,
      user_agent: origin.userAgent ?? null,
      ip_address: origin.ip,
    });
    return this.tokens(user, refresh, accessTtlS);
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
        return { user, tokens: this.tokens(user, refresh) };
      }
      case 'reused':
        throw new UnauthorizedError('refresh token was already used: this login has been ended, sign in again');
      case 'expired':
        throw new UnauthorizedError('refresh token expired: sign in again');
      case 'unknown':
        throw new UnauthorizedError('invalid refresh token');
    }
  }

  async revokeLogin(presented: string): Promise<string | undefined> {
    return this.refreshTokens.revokeFamilyOf(refreshTokenHash(presented), this.clock.now());
  }

  async revokeAll(userId: string): Promise<number> {
    return this.refreshTokens.revokeAllOf(userId, this.clock.now());
  }

  private newRefreshToken() {
    return {
      token: randomBytes(32).toString('base64url'),
      expiresAt: new Date(this.clock.now().getTime() + this.config.auth.refreshTokenTtlMs),
    };
  }

  private tokens(user: AuthUser, refresh: { token: string; expiresAt: Date }, accessTtlS?: number): IssuedTokens {
    const ttl = accessTtlS ?? this.config.auth.accessTokenTtlS;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const access = this.jwt.sign(
      { sub: user.id, username: user.username, role: user.role, typ: 'access', iat: now, exp: now + ttl },
      { algorithm: 'HS256', jwtid: randomUUID() },
    );
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: ttl,
      refresh_token: refresh.token,
      refresh_expires_at: refresh.expiresAt.toISOString(),
    };
  }
}
