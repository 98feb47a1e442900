import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'alert webhooks API');
} else {
  describe('alert webhooks API: changing a webhook', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let operator: string;
    let admin: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      [operator, admin] = await Promise.all([api.tokenFor('operator'), api.tokenFor('admin')]);
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    async function addWebhook(): Promise<{ id: number; name: string }> {
      const name = uniqueName('ops').slice(0, 100);
      const created = await api.call('POST', '/api/v1/alerts/webhooks', {
        token: admin,
        body: { name, url: 'https://203.0.113.10/fleet', secret: 'the-first-secret-of-16', events: ['opened'] },
      });
      expect(created.status).toBe(201);
      return { id: created.body.id as number, name };
    }

    it('an admin changes the URL, secret, severity, events and enabled flag; the change is audited', async () => {
      const { id, name } = await addWebhook();
      const path = `/api/v1/alerts/webhooks/${id}`;
      const changes = {
        url: 'https://203.0.113.20/fleet/v2',
        secret: 'a-new-secret-of-sixteen',
        min_severity: 'critical',
        events: ['opened', 'escalated'],
        enabled: false,
      };
      expect((await api.call('PATCH', path, { token: operator, body: changes })).status).toBe(403);

      const changed = await api.call('PATCH', path, { token: admin, body: changes });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        id,
        name,
        url: changes.url,
        has_secret: true,
        min_severity: 'critical',
        events: ['opened', 'escalated'],
        enabled: false,
        pending: 0,
        failed: 0,
      });
      expect(JSON.stringify(changed.body)).not.toContain(changes.secret);
      const stored = await api.db
        .selectFrom('alert_webhooks')
        .select(['secret', 'enabled'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ secret: changes.secret, enabled: false });

      const audits = await api.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('action', '=', 'webhook.update')
        .where('entity_id', '=', String(id))
        .execute();
      expect(audits).toHaveLength(1);
      expect(JSON.stringify(audits[0])).toContain('203.0.113.20');
      expect(JSON.stringify(audits[0])).not.toContain(changes.secret);
      expect(JSON.stringify(audits[0])).not.toContain('the-first-secret-of-16');

      // Only what is given changes; a null secret removes it.
      const enabled = await api.call('PATCH', path, { token: admin, body: { enabled: true, secret: null } });
      expect(enabled.status).toBe(200);
      expect(enabled.body).toMatchObject({
        url: changes.url,
        min_severity: 'critical',
        enabled: true,
        has_secret: false,
      });
    });

    it('refuses an internal URL, bad fields and an empty change, and says when the webhook does not exist', async () => {
      const { id } = await addWebhook();
      const path = `/api/v1/alerts/webhooks/${id}`;
      for (const url of ['http://127.0.0.1:6379/', 'http://169.254.169.254/latest', 'http://[::1]/hook']) {
        const refused = await api.call('PATCH', path, { token: admin, body: { url } });
        expect(refused.status).toBe(422);
        expect(refused.body.details).toEqual([
          { path: 'url', message: expect.stringMatching(/loopback, private or link-local address/) },
        ]);
      }
      expect((await api.call('PATCH', path, { token: admin, body: {} })).status).toBe(422);
      expect((await api.call('PATCH', path, { token: admin, body: { secret: 'short' } })).status).toBe(422);
      expect((await api.call('PATCH', path, { token: admin, body: { min_severity: 'loud' } })).status).toBe(422);
      expect((await api.call('PATCH', path, { token: admin, body: { created_by: 'mallory' } })).status).toBe(422);
      const unchanged = await api.db
        .selectFrom('alert_webhooks')
        .select(['url', 'min_severity'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(unchanged).toEqual({ url: 'https://203.0.113.10/fleet', min_severity: 'warning' });

      const other = await addWebhook();
      const taken = await api.call('PATCH', path, { token: admin, body: { name: other.name } });
      expect(taken.status).toBe(409);
      expect(
        (await api.call('PATCH', '/api/v1/alerts/webhooks/999999', { token: admin, body: { enabled: false } })).status,
      ).toBe(404);
    });
  });
}
