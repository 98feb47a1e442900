import { sql } from 'kysely';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

interface AuditView {
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip_address: string | null;
  request_id: string | null;
}

if (missing.length > 0) {
  reportMissingServer(missing[0], 'users and audit API');
} else {
  describe('accounts and the audit trail through /api/v1', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let admin: string;
    let adminId: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      admin = await api.tokenFor('admin');
      adminId = (await api.call('GET', '/api/v1/auth/me', { token: admin })).body.id;
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    async function auditPage(query: string): Promise<{ items: AuditView[]; total: number }> {
      const response = await api.call('GET', `/api/v1/audit?${query}`, { token: admin });
      expect(response.status).toBe(200);
      return response.body;
    }

    it('an admin creates, lists, promotes, resets, disables and deletes an account, each change audited', async () => {
      const created = await api.call('POST', '/api/v1/users', {
        token: admin,
        body: { username: 'dana', email: 'dana@example.test', password: 'first-long-secret-1', role: 'viewer' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: 'dana', email: 'dana@example.test', role: 'viewer' });
      expect(created.body.password_hash).toBeUndefined();
      const id = created.body.id as string;

      const listed = await api.call('GET', '/api/v1/users?role=viewer&search=dan', { token: admin });
      expect(listed.body).toMatchObject({ total: 1, items: [{ id, username: 'dana', is_active: true }] });
      const duplicate = await api.call('POST', '/api/v1/users', {
        token: admin,
        body: { username: 'dana', email: 'other@example.test', password: 'another-long-password' },
      });
      expect(duplicate.status).toBe(409);

      const promoted = await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body: { role: 'operator' } });
      expect(promoted.status).toBe(200);
      expect(promoted.body.role).toBe('operator');
      const dana = await api.login('dana', 'first-long-secret-1');
      expect((await api.call('GET', '/api/v1/commands', { token: dana })).status).toBe(200);

      const reset = await api.call('PUT', `/api/v1/users/${id}/password`, {
        token: admin,
        body: { password: 'second-long-secret-2' },
      });
      expect(reset.status).toBe(204);
      expect((await api.call('GET', '/api/v1/auth/me', { token: dana })).status).toBe(401);
      const weak = await api.call('PUT', `/api/v1/users/${id}/password`, { token: admin, body: { password: 'short' } });
      expect(weak.status).toBe(422);
      const danaAgain = await api.login('dana', 'second-long-secret-2');

      const disabled = await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body: { is_active: false } });
      expect(disabled.body.is_active).toBe(false);
      expect((await api.call('GET', '/api/v1/auth/me', { token: danaAgain })).status).toBe(401);
      const refused = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'dana', password: 'second-long-secret-2' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('this account is disabled');
      expect(
        (await api.call('GET', '/api/v1/users?is_active=false', { token: admin })).body.items.map(
          (u: { id: string }) => u.id,
        ),
      ).toEqual([id]);

      expect((await api.call('DELETE', `/api/v1/users/${id}`, { token: admin })).status).toBe(204);
      expect((await api.call('GET', `/api/v1/users/${id}`, { token: admin })).status).toBe(404);
      expect((await api.call('DELETE', `/api/v1/users/${id}`, { token: admin })).status).toBe(404);

      // What the audit trail says about it, newest first: who, what, before and after, from where.
      const trail = await auditPage(`entity_type=user&entity_id=${id}`);
      expect(trail.items.map((e) => e.action)).toEqual([
        'user.delete',
        'user.update',
        'user.password_set',
        'user.update',
        'user.create',
      ]);
      for (const entry of trail.items) {
        expect(entry).toMatchObject({ actor: 'admin', ip_address: expect.any(String), request_id: expect.any(String) });
      }
      const [deleted, disabledEntry, passwordEntry, promotedEntry, createdEntry] = trail.items;
      expect(createdEntry).toMatchObject({ before: null, after: { username: 'dana', role: 'viewer' } });
      expect(promotedEntry).toMatchObject({ before: { role: 'viewer' }, after: { role: 'operator' } });
      expect(passwordEntry).toMatchObject({ before: null, after: null });
      expect(disabledEntry).toMatchObject({ before: { is_active: true }, after: { is_active: false } });
      expect(deleted).toMatchObject({ before: { username: 'dana', is_active: false }, after: null });
      // No entry holds a password or its hash.
      expect(JSON.stringify(trail.items)).not.toMatch(/password_hash|(first|second)-long-secret/);
    });

    it('an admin cannot demote, disable or delete themselves, and nothing is recorded for trying', async () => {
      const before = (await auditPage(`entity_id=${adminId}`)).total;
      const demote = await api.call('PATCH', `/api/v1/users/${adminId}`, { token: admin, body: { role: 'viewer' } });
      expect(demote.status).toBe(403);
      expect(demote.body.message).toBe('you cannot change your own role');
      const disable = await api.call('PATCH', `/api/v1/users/${adminId}`, {
        token: admin,
        body: { is_active: false },
      });
      expect(disable.status).toBe(403);
      expect(disable.body.message).toBe('you cannot disable your own account');
      const remove = await api.call('DELETE', `/api/v1/users/${adminId}`, { token: admin });
      expect(remove.status).toBe(403);
      expect(remove.body.message).toBe('you cannot delete your own account');

      const me = await api.call('GET', '/api/v1/auth/me', { token: admin });
      expect(me.body).toMatchObject({ role: 'admin', is_active: true });
      // Changing one's own e-mail is fine, and setting one's role to what it is changes nothing.
      const email = await api.call('PATCH', `/api/v1/users/${adminId}`, {
        token: admin,
        body: { email: 'root@example.test', role: 'admin' },
      });
      expect(email.status).toBe(200);
      expect((await auditPage(`entity_id=${adminId}`)).total).toBe(before + 1);
    });

    it('an admin demoted by another admin loses the admin routes at once, and gets them back', async () => {
      const second = await api.call('POST', '/api/v1/users', {
        token: admin,
        body: { username: 'erin', email: 'erin@example.test', password: 'third-long-secret-3', role: 'admin' },
      });
      expect(second.status).toBe(201);
      const erin = await api.login('erin', 'third-long-secret-3');
      const demoted = await api.call('PATCH', `/api/v1/users/${adminId}`, { token: erin, body: { role: 'operator' } });
      expect(demoted.status).toBe(200);
      const refused = await api.call('GET', '/api/v1/users', { token: admin });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('this needs the admin role or higher; you are operator');
      // Erin, the only active admin left, cannot demote herself either.
      const self = await api.call('PATCH', `/api/v1/users/${second.body.id}`, {
        token: erin,
        body: { role: 'viewer' },
      });
      expect(self.status).toBe(403);

      const restored = await api.call('PATCH', `/api/v1/users/${adminId}`, { token: erin, body: { role: 'admin' } });
      expect(restored.status).toBe(200);
      expect((await api.call('GET', '/api/v1/users', { token: admin })).status).toBe(200);
    });

    it('a change whose audit entry cannot be written does not happen', async () => {
      const created = await api.call('POST', '/api/v1/users', {
        token: admin,
        body: { username: 'fay', email: 'fay@example.test', password: 'fourth-long-secret-4', role: 'viewer' },
      });
      const id = created.body.id as string;
      await sql`
        CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit full'; END $$;
        CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit();
      `.execute(api.db);
      try {
        const promote = await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body: { role: 'admin' } });
        expect(promote.status).toBe(500);
        const reset = await api.call('PUT', `/api/v1/users/${id}/password`, {
          token: admin,
          body: { password: 'fifth-long-secret-5' },
        });
        expect(reset.status).toBe(500);
        expect((await api.call('DELETE', `/api/v1/users/${id}`, { token: admin })).status).toBe(500);
        const another = await api.call('POST', '/api/v1/users', {
          token: admin,
          body: { username: 'gus', email: 'gus@example.test', password: 'sixth-long-secret-6' },
        });
        expect(another.status).toBe(500);
      } finally {
        await sql`DROP TRIGGER refuse_audit ON audit_entries; DROP FUNCTION refuse_audit();`.execute(api.db);
      }
      expect((await api.call('GET', `/api/v1/users/${id}`, { token: admin })).body).toMatchObject({ role: 'viewer' });
      expect((await api.call('GET', '/api/v1/users?search=gus', { token: admin })).body.total).toBe(0);
      await api.login('fay', 'fourth-long-secret-4');
    });

    it('the audit trail filters by actor, action, entity and time, a page at a time', async () => {
      const all = await auditPage('limit=500');
      expect(all.total).toBeGreaterThanOrEqual(8);
      const times = all.items.map((e) => Date.parse((e as unknown as { occurred_at: string }).occurred_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const byErin = await auditPage('actor=erin');
      expect(byErin.items.map((e) => e.action)).toEqual(['user.update', 'user.update']);
      expect(byErin.items.every((e) => e.actor === 'erin')).toBe(true);

      const creations = await auditPage('action=user.create');
      expect(creations.items.map((e) => e.after?.username).sort()).toEqual(['dana', 'erin', 'fay']);

      const paged = await auditPage('action=user.create&limit=1&offset=1');
      expect(paged).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(paged.items).toHaveLength(1);

      const newest = all.items[0] as unknown as { occurred_at: string };
      const future = new Date(Date.parse(newest.occurred_at) + 1000).toISOString();
      expect((await auditPage(`from=${encodeURIComponent(future)}`)).total).toBe(0);
      expect((await auditPage(`to=${encodeURIComponent(future)}`)).total).toBe(all.total);
      expect((await api.call('GET', '/api/v1/audit?from=yesterday', { token: admin })).status).toBe(422);

      const operator = await api.tokenFor('operator');
      expect((await api.call('GET', '/api/v1/audit', { token: operator })).status).toBe(403);
    });
  });
}
