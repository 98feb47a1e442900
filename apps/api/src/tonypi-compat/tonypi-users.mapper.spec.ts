import { tonypiUserSchema } from '@fleet/contracts';
import type { User } from '@fleet/database';
import { newestUsersFirst, tonypiUser } from './tonypi-users.mapper';

const user = (id: string, created: string, fields: Partial<User> = {}): User => ({
  id,
  username: `user-${id}`,
  email: `${id}@example.test`,
  role: 'viewer',
  is_active: true,
  created_at: new Date(created),
  updated_at: null,
  last_login_at: new Date('2026-01-24T10:00:00Z'),
  ...fields,
});

describe('users in TonyPi shape', () => {
  it('leave out the last login and keep the rest', () => {
    const view = tonypiUser(user('a', '2026-01-01T00:00:00Z', { role: 'admin' }));
    expect(view).toEqual({
      id: 'a',
      username: 'user-a',
      email: 'a@example.test',
      role: 'admin',
      is_active: true,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: null,
    });
    expect(() => tonypiUserSchema.parse(view)).not.toThrow();
  });

  it('are listed newest first', () => {
    const list = newestUsersFirst([
      user('a', '2026-01-01T00:00:00Z'),
      user('b', '2026-01-03T00:00:00Z'),
      user('c', '2026-01-02T00:00:00Z'),
    ]);
    expect(list.map((u) => u.id)).toEqual(['b', 'c', 'a']);
  });
});
