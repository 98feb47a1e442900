import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'reports API');
} else {
  describe('the reports API (no reports service running: reports stay queued)', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let viewer: string;
    let operator: string;
    let admin: string;
    let robot: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory, { ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.allowed.test' });
      [viewer, operator, admin] = await Promise.all([
        api.tokenFor('viewer'),
        api.tokenFor('operator'),
        api.tokenFor('admin'),
      ]);
      robot = uniqueName('robot')
        .replace(/[^A-Za-z0-9_]/g, '_')
        .slice(0, 40);
      const created = await api.call('POST', '/api/v1/robots', { token: admin, body: { robot_id: robot } });
      if (created.status !== 201) throw new Error(`cannot register ${robot}: ${JSON.stringify(created.body)}`);
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    const generate = (body: Record<string, unknown>, token = operator) =>
      api.call('POST', '/api/v1/reports', { token, body });

    it('queues a report with its period on whole minutes, audited, and lists it with its filters', async () => {
      const queued = await generate({
        type: 'maintenance',
        robot_id: robot,
        from: '2026-01-24T10:00:30Z',
        to: '2026-01-25T10:00:59Z',
        formats: ['pdf', 'csv'],
      });
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({
        status: 'queued',
        report_type: 'maintenance',
        robot_id: robot,
        robot_ids: [robot],
        period_from: '2026-01-24T10:00:00.000Z',
        period_to: '2026-01-25T10:00:00.000Z',
        formats: ['pdf', 'csv'],
        files: [],
        timezone: 'UTC',
        title: `Servo maintenance report: ${robot}`,
        attempts: 0,
      });
      const audit = await api.db
        .selectFrom('audit_entries')
        .select(['action', 'actor'])
        .where('entity_type', '=', 'report')
        .where('entity_id', '=', String(queued.body.id))
        .execute();
      expect(audit).toEqual([{ action: 'report.generate', actor: `operator-${api.prefix}`.slice(0, 50) }]);

      const listed = await api.call('GET', `/api/v1/reports?type=maintenance,battery&status=queued&robot_id=${robot}`, {
        token: viewer,
      });
      expect(listed.body.items.map((r: { id: number }) => r.id)).toContain(queued.body.id);
      const none = await api.call('GET', '/api/v1/reports?type=job', { token: viewer });
      expect(none.body.items.map((r: { id: number }) => r.id)).not.toContain(queued.body.id);
      const detail = await api.call('GET', `/api/v1/reports/${queued.body.id}`, { token: viewer });
      expect(detail.body).toMatchObject({ id: queued.body.id, status: 'queued', data: null });
    });

    it('refuses what cannot be a report, saying why', async () => {
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ type: 'maintenance', robot_id: 'no_such_robot' }, 404, /robot 'no_such_robot' not found/],
        [{ type: 'custom' }, 422, /type/],
        [{ type: 'job', robot_id: robot, robot_ids: [robot] }, 422, /robot_id or robot_ids/],
        [
          { type: 'job', time_range: '7d', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
          422,
          /time_range or from/,
        ],
        [{ type: 'job', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 422, /before/],
        [{ type: 'job', from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 422, /at most 366 days/],
        [{ type: 'job', time_range: '2w' }, 422, /time_range/],
        [{ type: 'job', timezone: 'Mars/Olympus' }, 422, /time zone/],
        [{ type: 'job', formats: ['pdf', 'pdf'] }, 422, /repeat/],
        [{ type: 'job', summary: true }, 422, /no language model is configured/],
        [{ type: 'job', robot: robot }, 422, /robot/],
      ];
      for (const [body, status, message] of cases) {
        const answer = await generate(body);
        expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), status]);
        expect(JSON.stringify(answer.body)).toMatch(message);
      }
    });

    it('a file is served once the report is done; before, 409 says where it stands; a bad reference is 422', async () => {
      const queued = await generate({ type: 'system', time_range: '1h' });
      const early = await api.call('GET', `/api/v1/reports/${queued.body.id}.pdf`, { token: viewer });
      expect([early.status, early.body.message]).toEqual([
        409,
        `report ${queued.body.id} is queued: its files are made once it is done`,
      ]);
      for (const ref of ['12.docx', 'abc', '0', '99999999999']) {
        expect((await api.call('GET', `/api/v1/reports/${ref}`, { token: viewer })).status).toBe(422);
      }
      expect((await api.call('GET', '/api/v1/reports/2147480000', { token: viewer })).status).toBe(404);
    });

    it('an admin deletes a report, audited; it is gone', async () => {
      const queued = await generate({ type: 'job' });
      expect((await api.call('DELETE', `/api/v1/reports/${queued.body.id}`, { token: operator })).status).toBe(403);
      expect((await api.call('DELETE', `/api/v1/reports/${queued.body.id}`, { token: admin })).status).toBe(204);
      expect((await api.call('GET', `/api/v1/reports/${queued.body.id}`, { token: viewer })).status).toBe(404);
      const audit = await api.db
        .selectFrom('audit_entries')
        .select('action')
        .where('entity_id', '=', String(queued.body.id))
        .where('entity_type', '=', 'report')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['report.generate', 'report.delete']);
    });

    it('schedules: created with their next run, checked, changed, never showing their secret, audited', async () => {
      const name = uniqueName('daily');
      const created = await api.call('POST', '/api/v1/report-schedules', {
        token: admin,
        body: {
          name,
          type: 'maintenance',
          robot_ids: [robot],
          period: 'day',
          cron: '0 6 * * *',
          timezone: 'Europe/Paris',
          webhook_url: 'https://hooks.allowed.test/fleet',
          webhook_secret: 'a-secret-of-sixteen-or-more',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name,
        type: 'maintenance',
        formats: ['pdf', 'json'],
        enabled: true,
        missed: 'run_once',
        has_webhook_secret: true,
      });
      expect(created.body).not.toHaveProperty('webhook_secret');
      const next = new Date(created.body.next_due_at);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(next),
      ).toBe('06:00');

      const refused: [Record<string, unknown>, number, RegExp][] = [
        [{ cron: '* * * * * *' }, 422, /five fields/],
        [{ cron: '61 * * * *' }, 422, /minute/],
        [{ timezone: 'Nowhere/Else' }, 422, /time zone/],
        [{ robot_ids: ['nobody_here'] }, 404, /nobody_here/],
        [{ webhook_url: 'http://127.0.0.1:9/x' }, 422, /url/],
        [{ name }, 409, /exists already/],
        [{ period: 'year' }, 422, /period/],
      ];
      for (const [changes, status, message] of refused) {
        const answer = await api.call('POST', '/api/v1/report-schedules', {
          token: admin,
          body: { name: uniqueName('s'), type: 'job', period: 'day', cron: '0 6 * * *', ...changes },
        });
        expect([JSON.stringify(changes), answer.status]).toEqual([JSON.stringify(changes), status]);
        expect(JSON.stringify(answer.body)).toMatch(message);
      }
      expect(
        (
          await api.call('POST', '/api/v1/report-schedules', {
            token: operator,
            body: { name: uniqueName('s'), type: 'job', period: 'day', cron: '0 6 * * *' },
          })
        ).status,
      ).toBe(403);

      const disabled = await api.call('PATCH', `/api/v1/report-schedules/${created.body.id}`, {
        token: admin,
        body: { enabled: false },
      });
      expect(disabled.body).toMatchObject({ enabled: false, next_due_at: null });
      const weekly = await api.call('PATCH', `/api/v1/report-schedules/${created.body.id}`, {
        token: admin,
        body: { enabled: true, cron: '0 7 * * 1', period: 'week' },
      });
      expect(new Date(weekly.body.next_due_at).getUTCDay()).toBe(1);
      const listed = await api.call('GET', '/api/v1/report-schedules', { token: operator });
      expect(listed.body.items.map((s: { name: string }) => s.name)).toContain(name);
      expect(JSON.stringify(listed.body)).not.toContain('a-secret-of-sixteen');

      expect((await api.call('DELETE', `/api/v1/report-schedules/${created.body.id}`, { token: admin })).status).toBe(
        204,
      );
      const audit = await api.db
        .selectFrom('audit_entries')
        .select(['action', 'before', 'after'])
        .where('entity_type', '=', 'report_schedule')
        .where('entity_id', '=', created.body.id)
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'report_schedule.create',
        'report_schedule.update',
        'report_schedule.update',
        'report_schedule.delete',
      ]);
      expect(JSON.stringify(audit)).not.toContain('a-secret-of-sixteen');
    });

    it('TonyPi: stores a report as given, says no model is configured, and answers TonyPi’s 404', async () => {
      const stored = await api.call('POST', '/tonypi/api/v1/reports', {
        token: operator,
        body: {
          title: 'Shift notes',
          description: 'by hand',
          robot_id: robot,
          report_type: 'custom',
          data: { note: 'ok' },
        },
      });
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ title: 'Shift notes', report_type: 'custom', data: { note: 'ok' } });
      const got = await api.call('GET', `/tonypi/api/v1/reports/${stored.body.id}`, { token: viewer });
      expect(got.body).toEqual(stored.body);
      const status = await api.call('GET', '/tonypi/api/v1/reports/ai-status', { token: viewer });
      expect(status.body).toMatchObject({ gemini_available: false, pdf_available: true });
      expect(status.body.message).toMatch(/REPORTS_AI_URL/);
      const deleted = await api.call('DELETE', `/tonypi/api/v1/reports/${stored.body.id}`, { token: admin });
      expect(deleted.body).toEqual({ message: `Report ${stored.body.id} deleted successfully` });
      const gone = await api.call('DELETE', `/tonypi/api/v1/reports/${stored.body.id}`, { token: admin });
      expect([gone.status, gone.body.detail]).toEqual([404, `Report ${stored.body.id} not found`]);
    });
  });
}
