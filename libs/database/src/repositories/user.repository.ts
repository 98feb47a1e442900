import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import { ConflictError, NotFoundError, type Page, type UserRole } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { appendAuditEntry, type AuditedBy } from './audit.repository';
import { conflictOnDuplicate, containsPattern, fetchPage, pageBounds, TOTAL } from './sql-helpers';

/** Everything but the password hash, which only {@link UserRepository.findCredentials} returns. */
const COLUMNS = ['id', 'username', 'email', 'role', 'is_active', 'created_at', 'updated_at', 'last_login_at'] as const;

export interface NewUser {
  username: string;
  email: string;
  /** An argon2id (or, from TonyPi, bcrypt) hash: this repository never sees a password. */
  password_hash: string;
  role: UserRole;
}

export interface UserChanges {
  email?: string;
  role?: UserRole;
  is_active?: boolean;
}

export interface UserListQuery {
  role?: UserRole;
  isActive?: boolean;
  /** Matches username or email, case-insensitively. */
  search?: string;
  limit?: number;
  offset?: number;
}

/** The `users` table (TonyPi's accounts: username, email, role, active flag). */
@Injectable()
export class UserRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Creates the account; with `by`, its `user.create` audit entry is written in the same transaction. */
  async create(user: NewUser, by?: AuditedBy) {
    return this.db.transaction().execute(async (trx) => {
      const created = await conflictOnDuplicate(
        () => trx.insertInto('users').values(user).returning(COLUMNS).executeTakeFirstOrThrow(),
        (constraint) =>
          constraint.includes('email')
            ? `email '${user.email}' is already used`
            : `username '${user.username}' is taken`,
      );
      if (by) await audit(trx, by, 'user.create', created.id, null, created);
      return created;
    });
  }

  async get(id: string) {
    const user = await this.db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  async findByUsername(username: string) {
    return this.db.selectFrom('users').select(COLUMNS).where('username', '=', username).executeTakeFirst();
  }

  /** What login needs: the hash to verify and whether the account may log in. */
  async findCredentials(username: string) {
    return this.db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'is_active', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();
  }

  async list(query: UserListQuery = {}): Promise<Page<User>> {
    const bounds = pageBounds(query);
    let filtered = this.db.selectFrom('users');
    if (query.role) filtered = filtered.where('role', '=', query.role);
    if (query.isActive !== undefined) filtered = filtered.where('is_active', '=', query.isActive);
    if (query.search) {
      const pattern = containsPattern(query.search);
      filtered = filtered.where((eb) => eb.or([eb('username', 'ilike', pattern), eb('email', 'ilike', pattern)]));
    }
    return fetchPage(
      bounds,
      filtered.select(COLUMNS).orderBy('username').limit(bounds.limit).offset(bounds.offset).execute(),
      filtered.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /**
   * Changes an account. With `keepAnAdmin`, a change that would leave no active admin (demoting or disabling the
   * last one) is a conflict; the active admins are locked meanwhile, so two admins demoting each other at the same
   * moment cannot both succeed. With `by`, the `user.update` audit entry (before and after) is written in the same
   * transaction.
   */
  async update(id: string, changes: UserChanges, options: { keepAnAdmin?: boolean; by?: AuditedBy } = {}) {
    return this.db.transaction().execute(async (trx) => {
      if (options.keepAnAdmin) {
        const losesAdmin = (changes.role !== undefined && changes.role !== 'admin') || changes.is_active === false;
        if (losesAdmin) await keepAnAdmin(trx, id);
      }
      const before = options.by ? await lockedUser(trx, id) : undefined;
      const user = await conflictOnDuplicate(
        () =>
          trx
            .updateTable('users')
            .set({ ...changes, updated_at: new Date() })
            .where('id', '=', id)
            .returning(COLUMNS)
            .executeTakeFirst(),
        () => `email '${changes.email ?? ''}' is already used`,
      );
      if (!user) throw new NotFoundError('user', id);
      if (options.by) await audit(trx, options.by, 'user.update', id, before, user);
      return user;
    });
  }

  /** Replaces the hash; with `audited`, its entry (`action`, no before or after) is written in the same transaction. */
  async setPasswordHash(
    id: string,
    passwordHash: string,
    audited?: { by: AuditedBy; action: 'user.password_set' | 'user.password_change' },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError('user', id);
      if (audited) await audit(trx, audited.by, audited.action, id, null, null);
    });
  }

  async recordLogin(id: string, at: Date): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
  }

  /**
   * Deletes the account and its refresh tokens (never the last active admin); the audit trail keeps its name. With
   * `by`, the `user.delete` entry (what it was) is written in the same transaction.
   */
  async remove(id: string, by?: AuditedBy): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await keepAnAdmin(trx, id);
      const before = by ? await lockedUser(trx, id) : undefined;
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      if (result.numDeletedRows === 0n) throw new NotFoundError('user', id);
      if (by) await audit(trx, by, 'user.delete', id, before, null);
    });
  }

  /** Whether any account exists yet (the first start creates the first admin). */
  async any(): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  }
}

export type User = Awaited<ReturnType<UserRepository['get']>>;

/** The account as it is, locked until the transaction ends. */
async function lockedUser(trx: Transaction<DB>, id: string) {
  const user = await trx.selectFrom('users').select(COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!user) throw new NotFoundError('user', id);
  return user;
}

function audit(
  trx: Transaction<DB>,
  by: AuditedBy,
  action: string,
  id: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  return appendAuditEntry(trx, { ...by, action, entity_type: 'user', entity_id: id, before, after });
}

/** Refuses to let `id` stop being an active admin when it is the last one; locks the active admins until commit. */
async function keepAnAdmin(trx: Transaction<DB>, id: string): Promise<void> {
  const admins = await trx
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('is_active', '=', true)
    .forUpdate()
    .execute();
  if (admins.length <= 1 && admins.some((a) => a.id === id)) {
    throw new ConflictError('this is the last active admin: make another admin first');
  }
}
