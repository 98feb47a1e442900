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

  it('counts active admins, so the last one can be protected', async () => {
    const { id } = await users.create(alice);
    await users.create({ ...alice, username: 'root2', email: 'root2@example.com' });
    expect(await users.countActiveAdmins()).toBe(2);
    await users.update(id, { is_active: false });
    expect(await users.countActiveAdmins()).toBe(1);
  });
});
