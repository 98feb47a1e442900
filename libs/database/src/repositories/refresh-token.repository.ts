import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';

export interface NewRefreshToken {
  user_id: string;
  /** SHA-256 of the token: the token itself is never stored. */
  token_hash: string;
  family_id: string;
  expires_at: Date;
  user_agent?: string | null;
  ip_address?: string | null;
}

/** What a presented refresh token turned out to be. */
export type RotationOutcome =
  | { outcome: 'rotated'; userId: string; familyId: string }
  | { outcome: 'unknown' }
  | { outcome: 'expired' }
  /** Presented after it was rotated or revoked: someone holds a copy, so its whole family is now revoked. */
  | { outcome: 'reused'; userId: string }
  /** Rotated moments ago by another request (two tabs, a retry): refused, but the login goes on. */
  | { outcome: 'raced' };

/** A second use this soon after a rotation is taken for a race between the client's own requests, not theft. */
export const ROTATION_GRACE_MS = 30_000;

/** Rotating refresh tokens: each use replaces the token, and reuse of a replaced one revokes its whole login. */
@Injectable()
export class RefreshTokenRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async issue(token: NewRefreshToken): Promise<string> {
    const row = await this.db.insertInto('refresh_tokens').values(token).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Replaces the token whose hash is `presentedHash` with `next` (same family), atomically: of two requests
   * presenting the same token, one rotates it and the other is treated as reuse.
   */
  async rotate(presentedHash: string, next: Omit<NewRefreshToken, 'user_id' | 'family_id'>, now: Date) {
    return this.db.transaction().execute(async (trx): Promise<RotationOutcome> => {
      const current = await trx
        .selectFrom('refresh_tokens')
        .select(['id', 'user_id', 'family_id', 'expires_at', 'revoked_at', 'replaced_by'])
        .where('token_hash', '=', presentedHash)
        .forUpdate()
        .executeTakeFirst();
      if (!current) return { outcome: 'unknown' };
      if (current.revoked_at !== null) {
        const justRotated =
          current.replaced_by !== null && now.getTime() - current.revoked_at.getTime() < ROTATION_GRACE_MS;
        if (justRotated) return { outcome: 'raced' };
        await trx
          .updateTable('refresh_tokens')
          .set({ revoked_at: now })
          .where('family_id', '=', current.family_id)
          .where('revoked_at', 'is', null)
          .execute();
        return { outcome: 'reused', userId: current.user_id };
      }
      if (current.expires_at <= now) return { outcome: 'expired' };
      const replacement = await trx
        .insertInto('refresh_tokens')
        .values({ ...next, user_id: current.user_id, family_id: current.family_id })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('refresh_tokens')
        .set({ revoked_at: now, replaced_by: replacement.id })
        .where('id', '=', current.id)
        .execute();
      return { outcome: 'rotated', userId: current.user_id, familyId: current.family_id };
    });
  }

  /** The user a token belongs to, if it is known. */
  async ownerOf(tokenHash: string): Promise<string | undefined> {
    const token = await this.db
      .selectFrom('refresh_tokens')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return token?.user_id;
  }

  /** Whether the login `familyId` still holds a token that is neither used, revoked nor expired. */
  async familyActive(familyId: string, now: Date): Promise<boolean> {
    const live = await this.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .limit(1)
      .executeTakeFirst();
    return live !== undefined;
  }

  /** Ends the login the token belongs to (every token of its family); returns its user, if the token was known. */
  async revokeFamilyOf(tokenHash: string, now: Date): Promise<string | undefined> {
    const token = await this.db
      .selectFrom('refresh_tokens')
      .select(['user_id', 'family_id'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!token) return undefined;
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', token.family_id)
      .where('revoked_at', 'is', null)
      .execute();
    return token.user_id;
  }

  /** Ends every login of a user (password changed, account disabled, "sign out everywhere"), but `keepFamilyId`. */
  async revokeAllOf(userId: string, now: Date, keepFamilyId?: string): Promise<number> {
    let revoking = this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepFamilyId !== undefined) revoking = revoking.where('family_id', '!=', keepFamilyId);
    const result = await revoking.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Tokens past their expiry are of no use to anyone (nor, for reuse detection, after a day). */
  async deleteExpired(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
