import bcrypt from 'bcryptjs';
import { sql } from 'kysely';
import { refreshTokenHash } from '@apps/api/src/auth/token.service';
import { API_SERVERS, ADMIN_PASSWORD, startApi, type TestApi, USER_PASSWORD } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'API sign-in');
} else {
  describe('signing in to the API', () => {
    let factory: DatabaseFactory;
    let api: TestApi;

    beforeAll(() => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
    });
    afterAll(async () => {
      await factory.dispose();
    });
    beforeEach(async () => {
      api = await startApi(factory, { LOGIN_MAX_FAILURES_PER_USER: '3', TRUST_PROXY: 'true' });
    });
    afterEach(async () => {
      await api.close();
    });

    it('the first admin signs in with FLEET_ADMIN_PASSWORD and gets tokens and its user', async () => {
      const response = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        token_type: 'bearer',
        expires_in: 900,
        user: { username: 'admin', role: 'admin', is_active: true },
      });
      expect(response.body.user.password_hash).toBeUndefined();
      const me = await api.call('GET', '/api/v1/auth/me', { token: response.body.access_token });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('admin');
    });

    it('a wrong password and an unknown user get the same 401 in the one error shape', async () => {
      const wrong = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'nope' } });
      const unknown = await api.call('POST', '/api/v1/auth/login', { body: { username: 'ghost', password: 'nope' } });
      for (const response of [wrong, unknown]) {
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'invalid username or password',
          requestId: expect.any(String),
        });
      }
      const logged = await api.db
        .selectFrom('system_logs')
        .select(['level', 'message'])
        .where('category', '=', 'auth')
        .execute();
      expect(logged).toEqual(expect.arrayContaining([{ level: 'WARNING', message: "failed login for 'admin'" }]));
    });

    it('failed logins past the limit are refused with 429 and Retry-After, even with the right password', async () => {
      for (let i = 0; i < 3; i++) {
        expect(
          (await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'bad' } })).status,
        ).toBe(401);
      }
      const blocked = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.body.message).toMatch(/too many failed logins/);
    });

    it('failed logins block that account from that address only, and parallel guesses get no more tries', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      const guesses = await Promise.all(
        Array.from({ length: 12 }, () =>
          api.call('POST', '/api/v1/auth/login', {
            body: { username: 'admin', password: 'guess' },
            headers: from('203.0.113.7'),
          }),
        ),
      );
      const statuses = guesses.map((g) => g.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(9);
      // The real admin, elsewhere, is not locked out by a stranger's guesses.
      const elsewhere = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
        headers: from('198.51.100.20'),
      });
      expect(elsewhere.status).toBe(200);
    });

    it('guesses at one account spread over many addresses meet the per-account limit', async () => {
      const spread = await startApi(factory, { LOGIN_MAX_FAILURES_ACCOUNT: '4', TRUST_PROXY: 'true' });
      try {
        const from = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });
        for (let i = 1; i <= 4; i++) {
          const guess = await spread.call('POST', '/api/v1/auth/login', {
            body: { username: 'admin', password: 'guess' },
            headers: from(i),
          });
          expect(guess.status).toBe(401);
        }
        // A fifth address, even with the right password, waits: the account has had its share of guesses.
        const blocked = await spread.call('POST', '/api/v1/auth/login', {
          body: { username: 'ADMIN', password: ADMIN_PASSWORD },
          headers: from(5),
        });
        expect(blocked.status).toBe(429);
        expect(blocked.body.message).toMatch(/^too many failed logins for this account: try again in \d+ s$/);
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        // Other accounts, from the same addresses, are not affected.
        await spread.tokenFor('viewer');
        const other = await spread.call('POST', '/api/v1/auth/login', {
          body: { username: `viewer-${spread.prefix}`.slice(0, 50), password: USER_PASSWORD },
          headers: from(5),
        });
        expect(other.status).toBe(200);
      } finally {
        await spread.close();
      }
    });

    it('what was typed as an unknown username is not written to the log (it may be a password)', async () => {
      await api.call('POST', '/api/v1/auth/login', { body: { username: 'MySecretPassw0rd!', password: 'x' } });
      const logged = await api.db
        .selectFrom('system_logs')
        .select(['message', 'details'])
        .where('category', '=', 'auth')
        .execute();
      expect(JSON.stringify(logged)).not.toContain('MySecretPassw0rd');
      expect(logged.map((l) => l.message)).toContain('failed login for an unknown username');
    });

    it('signing out ends the access tokens of that login at once, not when they expire', async () => {
      const login = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const token = login.body.access_token;
      expect((await api.call('GET', '/api/v1/auth/me', { token })).status).toBe(200);
      expect((await api.call('POST', '/api/v1/auth/logout', { token, body: {} })).body).toEqual({ revoked: 'all' });
      const after = await api.call('GET', '/api/v1/auth/me', { token });
      expect(after.status).toBe(401);
      expect(after.body.message).toMatch(/login has ended/);
    });

    it("changing one's password keeps this login and ends the others", async () => {
      const here = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const there = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const changed = await api.call('POST', '/api/v1/auth/password', {
        token: here.body.access_token,
        body: { current_password: ADMIN_PASSWORD, new_password: 'a brand new passphrase' },
      });
      expect(changed.status).toBe(204);
      expect((await api.call('GET', '/api/v1/auth/me', { token: here.body.access_token })).status).toBe(200);
      expect((await api.call('GET', '/api/v1/auth/me', { token: there.body.access_token })).status).toBe(401);
      const refresh = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: there.body.refresh_token },
      });
      expect(refresh.status).toBe(401);
      expect(
        (await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: here.body.refresh_token } })).status,
      ).toBe(200);
    });

    it('two requests refreshing with the same token at once: one wins, the login goes on', async () => {
      const login = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const [a, b] = await Promise.all(
        [1, 2].map(() =>
          api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: login.body.refresh_token } }),
        ),
      );
      expect([a.status, b.status].sort()).toEqual([200, 401]);
      const winner = a.status === 200 ? a : b;
      const loser = a.status === 200 ? b : a;
      expect(loser.body.message).toMatch(/just used by another request/);
      const next = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: winner.body.refresh_token },
      });
      expect(next.status).toBe(200);
      expect((await api.call('GET', '/api/v1/auth/me', { token: next.body.access_token })).status).toBe(200);
    });

    it('a refresh token rotates, and presenting a used one ends that login', async () => {
      const first = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const second = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: first.body.refresh_token },
      });
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect(second.body.user.username).toBe('admin');

      // A minute later, past the grace for a client's own racing requests, the old token shows up again.
      await api.db
        .updateTable('refresh_tokens')
        .set({ revoked_at: sql<Date>`revoked_at - interval '1 minute'` })
        .where('token_hash', '=', refreshTokenHash(first.body.refresh_token))
        .execute();
      const replay = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: first.body.refresh_token },
      });
      expect(replay.status).toBe(401);
      expect(replay.body.message).toMatch(/already used/);
      // The thief's replay also ended the legitimate holder's newer token.
      const after = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: second.body.refresh_token },
      });
      expect(after.status).toBe(401);
      const stored = await api.db.selectFrom('refresh_tokens').select('token_hash').execute();
      expect(stored.map((t) => t.token_hash)).not.toContain(first.body.refresh_token);
    });

    it('logout ends the login: its refresh token no longer works', async () => {
      const login = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const out = await api.call('POST', '/api/v1/auth/logout', {
        token: login.body.access_token,
        body: { refresh_token: login.body.refresh_token },
      });
      expect(out.status).toBe(200);
      const refresh = await api.call('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: login.body.refresh_token },
      });
      expect(refresh.status).toBe(401);
    });

    it('a TonyPi bcrypt hash still signs in and is replaced by argon2id', async () => {
      await api.db
        .insertInto('users')
        .values({
          username: 'legacy',
          email: 'legacy@example.test',
          role: 'viewer',
          password_hash: await bcrypt.hash(USER_PASSWORD, 4),
        })
        .execute();
      await api.login('legacy');
      const row = await api.db
        .selectFrom('users')
        .select('password_hash')
        .where('username', '=', 'legacy')
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      await api.login('legacy');
    });

    it('a token that is missing, malformed or signed with another key is 401; too little role is 403', async () => {
      expect((await api.call('GET', '/api/v1/auth/me')).status).toBe(401);
      expect((await api.call('GET', '/api/v1/auth/me', { token: 'not-a-jwt' })).status).toBe(401);
      const forged =
        'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwidXNlcm5hbWUiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiIsInR5cCI6ImFjY2VzcyJ9.' +
        'c2lnbmF0dXJlLW1hZGUtd2l0aC1hbm90aGVyLWtleQ';
      expect((await api.call('GET', '/api/v1/users', { token: forged })).status).toBe(401);
      const viewer = await api.tokenFor('viewer');
      const denied = await api.call('GET', '/api/v1/users', { token: viewer });
      expect(denied.status).toBe(403);
      expect(denied.body.message).toMatch(/admin role/);
    });

    it('a disabled user is locked out at once, even holding a valid token', async () => {
      const admin = await api.tokenFor('admin');
      const viewer = await api.tokenFor('viewer');
      const me = await api.call('GET', '/api/v1/auth/me', { token: viewer });
      const disabled = await api.call('PATCH', `/api/v1/users/${me.body.id}`, {
        token: admin,
        body: { is_active: false },
      });
      expect(disabled.status).toBe(200);
      expect((await api.call('GET', '/api/v1/auth/me', { token: viewer })).status).toBe(401);
    });
  });
}
