import { ConflictError, NotFoundError } from '@fleet/contracts';
import { UserRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('UserRepository', (factory) => {
  let users: UserRepository;

  beforeEach(async () => {
    users = new UserRepository((await factory().create()).db);
  });

  const alice = {
    username: 'alice',
    email: 'alice@example.com',
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$x',
    role: 'admin' as const,
  };

  it('creates a user with a generated id and never returns the hash with it', async () => {
    const created = await users.create(alice);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({ username: 'alice', email: 'alice@example.com', role: 'admin', is_active: true });
    expect(created).not.toHaveProperty('password_hash');
    expect(await users.get(created.id)).not.toHaveProperty('password_hash');
  });

  it('gives login the hash and the account state', async () => {
    await users.create(alice);
    expect(await users.findCredentials('alice')).toMatchObject({
      username: 'alice',
      role: 'admin',
      is_active: true,
      password_hash: alice.password_hash,
    });
    expect(await users.findCredentials('nobody')).toBeUndefined();
  });

  it('refuses a taken username or email, naming which', async () => {
    await users.create(alice);
    const sameName = users.create({ ...alice, email: 'other@example.com' });
    await expect(sameName).rejects.toThrow(ConflictError);
    await expect(sameName).rejects.toThrow("username 'alice' is taken");
    await expect(users.create({ ...alice, username: 'alice2' })).rejects.toThrow(
      "email 'alice@example.com' is already used",
    );
  });

  it('updates role and state, changes the hash, records logins', async () => {
    const { id } = await users.create(alice);
    expect(await users.update(id, { role: 'viewer', is_active: false })).toMatchObject({
      role: 'viewer',
      is_active: false,
    });
    await users.setPasswordHash(id, 'new-hash');
    expect((await users.findCredentials('alice'))?.password_hash).toBe('new-hash');
    const at = new Date('2026-11-22T08:00:00Z');
    await users.recordLogin(id, at);
    expect((await users.get(id)).last_login_at).toEqual(at);
  });

  it('reports a missing user', async () => {
    await expect(users.get('00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
    await expect(users.setPasswordHash('00000000-0000-4000-8000-000000000000', 'h')).rejects.toThrow(NotFoundError);
  });

  it('lists by role, state and search with a total', async () => {
    await users.create(alice);
    await users.create({ ...alice, username: 'bob', email: 'bob@ops.example.com', role: 'operator' });
    await users.create({ ...alice, username: 'carol', email: 'carol@example.com', role: 'viewer' });
    expect((await users.list()).items.map((u) => u.username)).toEqual(['alice', 'bob', 'carol']);
    expect((await users.list({ role: 'operator' })).items.map((u) => u.username)).toEqual(['bob']);
    expect((await users.list({ search: 'OPS.example' })).items.map((u) => u.username)).toEqual(['bob']);
    expect(await users.list({ limit: 1, offset: 1 })).toMatchObject({ total: 3, items: [{ username: 'bob' }] });
  });

  it('keeps an active admin: the last one cannot be demoted, disabled or deleted', async () => {
    const { id } = await users.create(alice);
    const root2 = await users.create({ ...alice, username: 'root2', email: 'root2@example.com' });
    await users.update(id, { is_active: false }, { keepAnAdmin: true });
    await expect(users.update(root2.id, { role: 'viewer' }, { keepAnAdmin: true })).rejects.toThrow(ConflictError);
    await expect(users.update(root2.id, { is_active: false }, { keepAnAdmin: true })).rejects.toThrow(
      /last active admin/,
    );
    await expect(users.remove(root2.id)).rejects.toThrow(ConflictError);
    await users.update(root2.id, { email: 'root2@ops.example.com' }, { keepAnAdmin: true });
  });

  it('lets only one of two admins demoting each other at the same moment succeed', async () => {
    const a = await users.create(alice);
    const b = await users.create({ ...alice, username: 'root2', email: 'root2@example.com' });
    const outcomes = await Promise.allSettled([
      users.update(a.id, { role: 'operator' }, { keepAnAdmin: true }),
      users.update(b.id, { role: 'operator' }, { keepAnAdmin: true }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const admins = await users.list({ role: 'admin' });
    expect(admins.total).toBe(1);
  });
});
