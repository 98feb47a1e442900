import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';

/** Everything but the secret's hash, which only {@link RobotCredentialRepository.findActive} returns. */
const COLUMNS = ['id', 'robot_id', 'username', 'created_at', 'created_by', 'last_used_at', 'revoked_at'] as const;

/** Who changed a credential, for `created_by` and the audit trail. */
export interface CredentialActor {
  /** `cli`, `api`, ... */
  actor: string;
  /** The user's id when a user did it. */
  actorId?: string | null;
  /** Where the change came from, when it came over the API. */
  ipAddress?: string | null;
  requestId?: string | null;
}

/**
 * The `robot_credentials` table: each robot's MQTT login for the embedded broker. The username is the robot id and
 * is unique, so a robot has one row: issuing a new secret replaces the old one in place (the old secret stops
 * working), and the audit trail keeps the history. This repository never sees a secret, only its hash.
 */
@Injectable()
export class RobotCredentialRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /**
   * Gives `robotId` a credential with `secretHash`, replacing (and so revoking) any it had, and records it in the
   * audit trail. `replaced` says whether an active credential stopped working.
   */
  async issue(robotId: string, secretHash: string, by: CredentialActor) {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('robot_credentials')
        .select(COLUMNS)
        .where('username', '=', robotId)
        .forUpdate()
        .executeTakeFirst();
      const now = new Date();
      const fields = {
        robot_id: robotId,
        secret_hash: secretHash,
        created_at: now,
        created_by: by.actor,
        last_used_at: null,
        revoked_at: null,
      };
      const credential = before
        ? await trx
            .updateTable('robot_credentials')
            .set(fields)
            .where('id', '=', before.id)
            .returning(COLUMNS)
            .executeTakeFirstOrThrow()
        : await trx
            .insertInto('robot_credentials')
            .values({ ...fields, username: robotId })
            .returning(COLUMNS)
            .executeTakeFirstOrThrow();
      const replaced = before !== undefined && before.revoked_at === null;
      await trx
        .insertInto('audit_entries')
        .values({
          actor: by.actor,
          actor_id: by.actorId ?? null,
          ip_address: by.ipAddress ?? null,
          request_id: by.requestId ?? null,
          action: replaced ? 'robot_credential.rotate' : 'robot_credential.issue',
          entity_type: 'robot_credential',
          entity_id: robotId,
          before: before ? JSON.stringify(auditView(before)) : null,
          after: JSON.stringify(auditView(credential)),
        })
        .execute();
      return { credential, replaced };
    });
  }

  /** Revokes the robot's active credential, if it has one, and records it in the audit trail. */
  async revoke(robotId: string, by: CredentialActor) {
    return this.db.transaction().execute(async (trx) => {
      const revoked = await trx
        .updateTable('robot_credentials')
        .set({ revoked_at: new Date() })
        .where('username', '=', robotId)
        .where('revoked_at', 'is', null)
        .returning(COLUMNS)
        .executeTakeFirst();
      if (revoked) {
        await trx
          .insertInto('audit_entries')
          .values({
            actor: by.actor,
            actor_id: by.actorId ?? null,
            ip_address: by.ipAddress ?? null,
            request_id: by.requestId ?? null,
            action: 'robot_credential.revoke',
            entity_type: 'robot_credential',
            entity_id: robotId,
            before: JSON.stringify(auditView({ ...revoked, revoked_at: null })),
            after: JSON.stringify(auditView(revoked)),
          })
          .execute();
      }
      return revoked;
    });
  }

  /**
   * What the broker checks a login against: the robot's unrevoked credential, provided the robot is registered and
   * active (a deactivated robot cannot log in).
   */
  async findActive(robotId: string) {
    return this.db
      .selectFrom('robot_credentials as c')
      .innerJoin('robots as r', 'r.robot_id', 'c.robot_id')
      .select(['c.id', 'c.secret_hash'])
      .where('c.username', '=', robotId)
      .where('c.revoked_at', 'is', null)
      .where('r.is_active', '=', true)
      .executeTakeFirst();
  }

  /** Records a login; `last_used_at` never moves backwards. */
  async markUsed(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('robot_credentials')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }

  /** The robot's credential (active or revoked), or every robot's when `robotId` is omitted, by robot id. */
  async list(robotId?: string) {
    let query = this.db.selectFrom('robot_credentials').select(COLUMNS).orderBy('robot_id');
    if (robotId !== undefined) query = query.where('username', '=', robotId);
    return query.execute();
  }
}

export type RobotCredential = Awaited<ReturnType<RobotCredentialRepository['list']>>[number];

function auditView(credential: RobotCredential) {
  const { id, robot_id, username, created_at, created_by, revoked_at } = credential;
  return { id, robot_id, username, created_at, created_by, revoked_at };
}
