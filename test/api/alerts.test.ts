import { AlertEvents } from '../support/alert-events';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'alerts API');
} else {
  describe('alerts API', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let events: AlertEvents;
    let viewer: string;
    let operator: string;
    let admin: string;
    let operatorName: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      events = await AlertEvents.watch(api);
      [viewer, operator, admin] = await Promise.all([
        api.tokenFor('viewer'),
        api.tokenFor('operator'),
        api.tokenFor('admin'),
      ]);
      operatorName = `operator-${api.prefix}`.slice(0, 50);
    });
    afterAll(async () => {
      await events?.close();
      await api?.close();
      await factory.dispose();
    });

    const robotId = () =>
      uniqueName('bot')
        .replace(/[^A-Za-z0-9_.:-]/g, '_')
        .slice(0, 50);

    async function seedRobot(id = robotId()): Promise<string> {
      await api.db.insertInto('robots').values({ robot_id: id, name: id }).execute();
      return id;
    }

    let alertSeq = 0;
    async function seedAlert(robot: string, fields: Record<string, unknown> = {}): Promise<number> {
      alertSeq += 1;
      const row = await api.db
        .insertInto('alerts')
        .values({
          robot_id: robot,
          alert_type: 'battery',
          severity: 'warning',
          title: `alert ${alertSeq}`,
          message: 'battery low',
          // Unique per alert: one open alert per robot, type and source.
          source: `source_${alertSeq}`,
          value: 18,
          threshold: 20,
          ...fields,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }

    async function auditOf(action: string, entityId: string | null) {
      let q = api.db.selectFrom('audit_entries').selectAll().where('action', '=', action);
      q = entityId === null ? q.where('entity_id', 'is', null) : q.where('entity_id', '=', entityId);
      return q.orderBy('id').execute();
    }

    describe('reading alerts', () => {
      it('lists with filters and pagination, newest first, to any signed-in user', async () => {
        const robot = robotId();
        const other = robotId();
        const at = (minute: number) => new Date(Date.UTC(2026, 0, 24, 10, minute));
        const ids: number[] = [];
        for (const [minute, fields] of [
          [0, { severity: 'warning', alert_type: 'battery' }],
          [1, { severity: 'critical', alert_type: 'battery' }],
          [2, { severity: 'warning', alert_type: 'temperature', acknowledged: true, acknowledged_by: 'x' }],
          [3, { severity: 'info', alert_type: 'network', resolved: true, resolved_at: at(4) }],
          [4, { severity: 'critical', alert_type: 'performance' }],
        ] as const) {
          ids.push(await seedAlert(robot, { ...fields, created_at: at(minute) }));
        }
        await seedAlert(other, { created_at: at(5) });

        const page = await api.call('GET', `/api/v1/alerts?robot_id=${robot}&limit=2&offset=1`, { token: viewer });
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
        expect(page.body.items.map((a: { id: number }) => a.id)).toEqual([ids[3], ids[2]]);
        expect(page.body.items[0]).toMatchObject({
          robot_id: robot,
          alert_type: 'network',
          resolved: true,
          resolved_at: at(4).toISOString(),
          acknowledged: false,
        });

        const filtered = async (query: string) => {
          const response = await api.call('GET', `/api/v1/alerts?robot_id=${robot}&${query}`, { token: viewer });
          expect(response.status).toBe(200);
          return response.body.items.map((a: { id: number }) => a.id);
        };
        expect(await filtered('severity=critical')).toEqual([ids[4], ids[1]]);
        expect(await filtered('alert_type=temperature')).toEqual([ids[2]]);
        expect(await filtered('acknowledged=true')).toEqual([ids[2]]);
        expect(await filtered('resolved=false&acknowledged=false')).toEqual([ids[4], ids[1], ids[0]]);
        expect(await filtered(`from=${at(1).toISOString()}&to=${at(3).toISOString()}`)).toEqual([ids[2], ids[1]]);

        const backwards = await api.call(
          'GET',
          `/api/v1/alerts?from=${at(3).toISOString()}&to=${at(1).toISOString()}`,
          {
            token: viewer,
          },
        );
        expect(backwards.status).toBe(422);
        expect(backwards.body.details).toEqual([{ path: 'to', message: "'from' must be before 'to'" }]);
        const loud = await api.call('GET', '/api/v1/alerts?severity=loud', { token: viewer });
        expect(loud.status).toBe(422);
        expect(loud.body.details.map((d: { path: string }) => d.path)).toEqual(['severity']);
        expect((await api.call('GET', '/api/v1/alerts?limit=501', { token: viewer })).status).toBe(422);
        expect((await api.call('GET', '/api/v1/alerts')).status).toBe(401);
      });

      it('counts by severity and type, open and unacknowledged, for one robot and a range', async () => {
        const robot = robotId();
        await seedAlert(robot, { severity: 'critical', alert_type: 'battery' });
        await seedAlert(robot, { severity: 'warning', alert_type: 'battery', acknowledged: true });
        await seedAlert(robot, { severity: 'warning', alert_type: 'temperature' });
        await seedAlert(robot, { severity: 'info', alert_type: 'network', resolved: true });
        await seedAlert(robot, { created_at: new Date('2020-01-01T00:00:00Z') });

        const stats = await api.call('GET', `/api/v1/alerts/stats?robot_id=${robot}&from=2026-01-01T00:00:00Z`, {
          token: viewer,
        });
        expect(stats.status).toBe(200);
        expect(stats.body).toEqual({
          total: 4,
          open: 3,
          unacknowledged: 2,
          critical: 1,
          warning: 2,
          info: 0,
          by_type: { battery: 2, temperature: 1 },
          resolved: 1,
        });
        const allTime = await api.call('GET', `/api/v1/alerts/stats?robot_id=${robot}`, { token: viewer });
        expect(allTime.body.total).toBe(5);
      });

      it('gets one alert; an unknown id is 404 and a malformed one 422', async () => {
        const id = await seedAlert(robotId(), { details: { cell: 3 } });
        const one = await api.call('GET', `/api/v1/alerts/${id}`, { token: viewer });
        expect(one.status).toBe(200);
        expect(one.body).toMatchObject({ id, details: { cell: 3 }, acknowledged: false, resolved: false });
        const unknown = await api.call('GET', '/api/v1/alerts/999999', { token: viewer });
        expect(unknown.status).toBe(404);
        expect(unknown.body.message).toBe("alert '999999' not found");
        expect((await api.call('GET', '/api/v1/alerts/abc', { token: viewer })).status).toBe(422);
      });
    });

    describe('acting on alerts', () => {
      it('an operator acknowledges an alert: recorded, announced on the bus and to webhooks, audited', async () => {
        const hook = await api.db
          .insertInto('alert_webhooks')
          .values({ name: uniqueName('ack-hook'), url: 'https://203.0.113.10/hook', min_severity: 'info' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = await seedAlert(robotId(), { severity: 'critical' });

        const refused = await api.call('POST', `/api/v1/alerts/${id}/acknowledge`, { token: viewer });
        expect(refused.status).toBe(403);

        const acknowledged = await api.call('POST', `/api/v1/alerts/${id}/acknowledge`, { token: operator });
        expect(acknowledged.status).toBe(200);
        expect(acknowledged.body).toMatchObject({
          id,
          acknowledged: true,
          acknowledged_by: operatorName,
          acknowledged_at: expect.any(String),
        });

        const event = await events.next(id, 'acknowledged');
        expect(event).toMatchObject({ event: 'acknowledged', actor: operatorName, alert: acknowledged.body });

        const queued = await api.db
          .selectFrom('alert_notifications')
          .select(['event', 'payload', 'status'])
          .where('webhook_id', '=', hook.id)
          .where('alert_id', '=', id)
          .execute();
        expect(queued).toEqual([{ event: 'acknowledged', payload: event, status: 'pending' }]);

        const [audit] = await auditOf('alert.acknowledge', String(id));
        expect(audit).toMatchObject({
          actor: operatorName,
          entity_type: 'alert',
          before: { acknowledged: false, acknowledged_by: null },
          after: { acknowledged: true, acknowledged_by: operatorName },
        });

        // Again: nothing changes, nothing is announced (the resolution that follows arrives after one acknowledgement).
        const again = await api.call('POST', `/api/v1/alerts/${id}/acknowledge`, { token: operator });
        expect(again.status).toBe(200);
        expect(again.body.acknowledged_at).toBe(acknowledged.body.acknowledged_at);
        expect((await api.call('POST', `/api/v1/alerts/${id}/resolve`, { token: operator })).status).toBe(200);
        await events.next(id, 'resolved');
        expect(events.of(id).map((e) => e.event)).toEqual(['acknowledged', 'resolved']);
        expect(await auditOf('alert.acknowledge', String(id))).toHaveLength(1);

        await api.db.deleteFrom('alert_webhooks').where('id', '=', hook.id).execute();
      });

      it('acknowledging a resolved alert is a conflict, an unknown one 404', async () => {
        const id = await seedAlert(robotId(), {
          resolved: true,
          resolved_at: new Date('2026-01-24T10:00:00Z'),
          resolution: 'auto',
        });
        const conflict = await api.call('POST', `/api/v1/alerts/${id}/acknowledge`, { token: operator });
        expect(conflict.status).toBe(409);
        expect(conflict.body.message).toBe(
          `alert ${id} is already resolved at 2026-01-24T10:00:00.000Z by Fleet: there is nothing to acknowledge`,
        );
        expect((await api.call('POST', '/api/v1/alerts/999999/acknowledge', { token: operator })).status).toBe(404);
      });

      it("acknowledge-all takes one robot's open alerts seen so far, says how many, and announces each", async () => {
        const robot = robotId();
        const other = robotId();
        const seen = new Date('2026-01-24T10:10:00Z');
        const open = [
          await seedAlert(robot, { created_at: new Date('2026-01-24T10:00:00Z') }),
          await seedAlert(robot, { created_at: new Date('2026-01-24T10:05:00Z'), severity: 'critical' }),
        ];
        const resolved = await seedAlert(robot, { resolved: true, created_at: new Date('2026-01-24T10:01:00Z') });
        const later = await seedAlert(robot, { created_at: new Date('2026-01-24T10:20:00Z') });
        const elsewhere = await seedAlert(other, { created_at: new Date('2026-01-24T10:00:00Z') });

        expect(
          (await api.call('POST', '/api/v1/alerts/acknowledge-all', { token: viewer, body: { robot_id: robot } }))
            .status,
        ).toBe(403);
        const response = await api.call('POST', '/api/v1/alerts/acknowledge-all', {
          token: operator,
          body: { robot_id: robot, before: seen.toISOString() },
        });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ acknowledged: 2, remaining: 0, alert_ids: open });

        await Promise.all(open.map((id) => events.next(id, 'acknowledged')));
        const rows = await api.db
          .selectFrom('alerts')
          .select(['id', 'acknowledged', 'acknowledged_by'])
          .where('id', 'in', [...open, resolved, later, elsewhere])
          .orderBy('id')
          .execute();
        expect(rows).toEqual([
          { id: open[0], acknowledged: true, acknowledged_by: operatorName },
          { id: open[1], acknowledged: true, acknowledged_by: operatorName },
          { id: resolved, acknowledged: false, acknowledged_by: null },
          { id: later, acknowledged: false, acknowledged_by: null },
          { id: elsewhere, acknowledged: false, acknowledged_by: null },
        ]);
        const [audit] = await auditOf('alert.acknowledge_all', robot);
        expect(audit?.after).toMatchObject({ alert_ids: open, acknowledged: true });

        const rest = await api.call('POST', '/api/v1/alerts/acknowledge-all', {
          token: operator,
          body: { robot_id: robot },
        });
        expect(rest.body).toEqual({ acknowledged: 1, remaining: 0, alert_ids: [later] });
        const invalid = await api.call('POST', '/api/v1/alerts/acknowledge-all', {
          token: operator,
          body: { robot: robot },
        });
        expect(invalid.status).toBe(422);
      });

      it('an operator resolves an alert by hand with a note; resolving it again is a conflict', async () => {
        const robot = robotId();
        const id = await seedAlert(robot, { severity: 'critical' });
        await api.db
          .insertInto('alert_states')
          .values({
            robot_id: robot,
            metric: 'battery',
            source: 'battery',
            state: 'firing',
            severity: 'critical',
            since: new Date(),
            value: 8,
            event_at: new Date(),
            alert_id: id,
          })
          .execute();

        expect(
          (await api.call('POST', `/api/v1/alerts/${id}/resolve`, { token: viewer, body: { note: 'x' } })).status,
        ).toBe(403);
        const resolved = await api.call('POST', `/api/v1/alerts/${id}/resolve`, {
          token: operator,
          body: { note: 'battery swapped' },
        });
        expect(resolved.status).toBe(200);
        expect(resolved.body).toMatchObject({
          id,
          resolved: true,
          resolved_by: operatorName,
          resolution: 'manual',
          resolution_note: 'battery swapped',
        });
        const event = await events.next(id, 'resolved');
        expect(event).toMatchObject({ actor: operatorName, alert: { resolution: 'manual' } });
        // The condition is judged afresh by alerting.
        const state = await api.db
          .selectFrom('alert_states')
          .select(['state', 'alert_id'])
          .where('robot_id', '=', robot)
          .executeTakeFirstOrThrow();
        expect(state).toEqual({ state: 'normal', alert_id: null });

        const again = await api.call('POST', `/api/v1/alerts/${id}/resolve`, { token: operator, body: {} });
        expect(again.status).toBe(409);
        expect(again.body.message).toMatch(new RegExp(`^alert ${id} is already resolved at .* by ${operatorName}$`));
        const [audit] = await auditOf('alert.resolve', String(id));
        expect(audit).toMatchObject({ before: { resolved: false }, after: { resolved: true, resolution: 'manual' } });
        expect((await api.call('POST', '/api/v1/alerts/999999/resolve', { token: operator })).status).toBe(404);
      });

      it('an operator raises an alert by hand: announced, queued for webhooks, audited; a second open one is a conflict', async () => {
        const hook = await api.db
          .insertInto('alert_webhooks')
          .values({ name: uniqueName('raise-hook'), url: 'https://203.0.113.10/hook', min_severity: 'info' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const robot = await seedRobot();
        const body = {
          robot_id: robot,
          alert_type: 'system',
          severity: 'warning',
          title: 'Fan noise',
          message: 'The fan is loud',
          source: 'operator',
        };
        expect((await api.call('POST', '/api/v1/alerts', { token: viewer, body })).status).toBe(403);

        const raised = await api.call('POST', '/api/v1/alerts', { token: operator, body });
        expect(raised.status).toBe(201);
        expect(raised.body).toMatchObject({ ...body, acknowledged: false, resolved: false });
        const id = raised.body.id as number;
        const event = await events.next(id, 'opened');
        expect(event).toMatchObject({ event: 'opened', actor: operatorName, alert: raised.body });
        const queued = await api.db
          .selectFrom('alert_notifications')
          .select(['event'])
          .where('webhook_id', '=', hook.id)
          .where('alert_id', '=', id)
          .execute();
        expect(queued).toEqual([{ event: 'opened' }]);
        const [audit] = await auditOf('alert.create', String(id));
        expect(audit).toMatchObject({ actor: operatorName, before: null, after: { id, title: 'Fan noise' } });

        const twice = await api.call('POST', '/api/v1/alerts', { token: operator, body });
        expect(twice.status).toBe(409);
        const invalid = await api.call('POST', '/api/v1/alerts', {
          token: operator,
          body: { ...body, severity: 'urgent', extra: 1 },
        });
        expect(invalid.status).toBe(422);

        await api.db.deleteFrom('alert_webhooks').where('id', '=', hook.id).execute();
      });

      it('an admin deletes an alert: gone, announced as deleted, sent to webhooks that ask for it, audited', async () => {
        const hook = await api.db
          .insertInto('alert_webhooks')
          .values({
            name: uniqueName('delete-hook'),
            url: 'https://203.0.113.10/hook',
            min_severity: 'info',
            events: ['deleted'],
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = await seedAlert(robotId());

        expect((await api.call('DELETE', `/api/v1/alerts/${id}`, { token: operator })).status).toBe(403);
        const deleted = await api.call('DELETE', `/api/v1/alerts/${id}`, { token: admin });
        expect(deleted.status).toBe(204);
        expect((await api.call('GET', `/api/v1/alerts/${id}`, { token: viewer })).status).toBe(404);

        const event = await events.next(id, 'deleted');
        expect(event).toMatchObject({ event: 'deleted', actor: 'admin', alert: { id } });
        const queued = await api.db
          .selectFrom('alert_notifications')
          .select(['event', 'alert_id', 'payload'])
          .where('webhook_id', '=', hook.id)
          .execute();
        expect(queued).toEqual([{ event: 'deleted', alert_id: null, payload: event }]);
        const [audit] = await auditOf('alert.delete', String(id));
        expect(audit).toMatchObject({ actor: 'admin', before: { id, resolved: false }, after: null });

        expect((await api.call('DELETE', `/api/v1/alerts/${id}`, { token: admin })).status).toBe(404);
        await api.db.deleteFrom('alert_webhooks').where('id', '=', hook.id).execute();
      });
    });

    describe('snoozes', () => {
      it('an operator snoozes a robot, sees it among the active ones, and ends it', async () => {
        const robot = await seedRobot();
        const other = await seedRobot();
        const until = new Date(Date.now() + 3_600_000).toISOString();
        await api.db
          .insertInto('alert_snoozes')
          .values([
            { robot_id: other, until },
            { robot_id: robot, until: new Date(Date.now() - 60_000) },
          ])
          .execute();

        const body = { robot_id: robot, alert_type: 'battery', until, reason: 'battery swap' };
        expect((await api.call('POST', '/api/v1/alerts/snoozes', { token: viewer, body })).status).toBe(403);
        const created = await api.call('POST', '/api/v1/alerts/snoozes', { token: operator, body });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          id: expect.any(Number),
          robot_id: robot,
          alert_type: 'battery',
          until,
          reason: 'battery swap',
          created_by: operatorName,
        });

        const listed = await api.call('GET', `/api/v1/alerts/snoozes?robot_id=${robot}`, { token: viewer });
        expect(listed.status).toBe(200);
        expect(listed.body).toMatchObject({ total: 1, items: [{ id: created.body.id }] });
        const all = await api.call('GET', '/api/v1/alerts/snoozes?limit=500', { token: viewer });
        expect(all.body.items.map((s: { robot_id: string }) => s.robot_id)).toEqual(
          expect.arrayContaining([robot, other]),
        );

        const [audit] = await auditOf('snooze.create', String(created.body.id));
        expect(audit).toMatchObject({ before: null, after: { robot_id: robot, alert_type: 'battery' } });

        expect((await api.call('DELETE', `/api/v1/alerts/snoozes/${created.body.id}`, { token: viewer })).status).toBe(
          403,
        );
        const removed = await api.call('DELETE', `/api/v1/alerts/snoozes/${created.body.id}`, { token: operator });
        expect(removed.status).toBe(204);
        expect((await api.call('GET', `/api/v1/alerts/snoozes?robot_id=${robot}`, { token: viewer })).body.total).toBe(
          0,
        );
        expect(await auditOf('snooze.delete', String(created.body.id))).toEqual([
          expect.objectContaining({ before: expect.objectContaining({ robot_id: robot }), after: null }),
        ]);
        expect(
          (await api.call('DELETE', `/api/v1/alerts/snoozes/${created.body.id}`, { token: operator })).status,
        ).toBe(404);
      });

      it('refuses a snooze in the past, too long, of an unknown type or for an unknown robot', async () => {
        const robot = await seedRobot();
        const snooze = (body: Record<string, unknown>) =>
          api.call('POST', '/api/v1/alerts/snoozes', { token: operator, body: { robot_id: robot, ...body } });
        const past = await snooze({ until: new Date(Date.now() - 1000).toISOString() });
        expect(past.status).toBe(422);
        expect(past.body.details).toEqual([{ path: 'until', message: expect.stringMatching(/^must be after now/) }]);
        const long = await snooze({ until: new Date(Date.now() + 31 * 86_400_000).toISOString() });
        expect(long.status).toBe(422);
        expect(long.body.details).toEqual([{ path: 'until', message: expect.stringMatching(/within 30 days/) }]);
        expect((await snooze({ until: new Date(Date.now() + 60_000).toISOString(), alert_type: 'nap' })).status).toBe(
          422,
        );
        // Without a zone the instant would depend on the server's time zone.
        const inAnHour = new Date(Date.now() + 3_600_000);
        for (const until of [inAnHour.toISOString().replace('Z', ''), inAnHour.toISOString().slice(0, 10)]) {
          const zoneless = await snooze({ until });
          expect([until, zoneless.status]).toEqual([until, 422]);
          expect(zoneless.body.details).toEqual([{ path: 'until', message: expect.stringMatching(/with a zone/) }]);
        }
        const offset = new Date(inAnHour.getTime() + 8 * 3_600_000).toISOString().replace(/\.\d+Z$/, '+08:00');
        const withOffset = await snooze({ until: offset });
        expect(withOffset.status).toBe(201);
        expect(new Date(withOffset.body.until).getTime()).toBe(new Date(offset).getTime());
        const unknown = await api.call('POST', '/api/v1/alerts/snoozes', {
          token: operator,
          body: { robot_id: robotId(), until: new Date(Date.now() + 60_000).toISOString() },
        });
        expect(unknown.status).toBe(404);
      });
    });

    describe('thresholds', () => {
      it('shows the global defaults, and for a robot its own rows beside the defaults it inherits', async () => {
        const globals = await api.call('GET', '/api/v1/thresholds', { token: viewer });
        expect(globals.status).toBe(200);
        expect(globals.body.robot_id).toBeNull();
        const battery = globals.body.items.find((t: { metric_type: string }) => t.metric_type === 'battery');
        expect(battery).toMatchObject({
          robot_id: null,
          warning_threshold: 20,
          critical_threshold: 10,
          direction: 'below',
          pending_s: 30,
          scope: 'global',
          inherited: false,
        });

        const defaults = await api.call('GET', '/api/v1/thresholds/defaults', { token: viewer });
        expect(defaults.status).toBe(200);
        expect(defaults.body.map((d: { metric_type: string }) => d.metric_type)).toEqual([
          'battery',
          'cpu',
          'disk',
          'memory',
          'servo_temp',
          'servo_voltage',
          'temperature',
        ]);
        expect(defaults.body.find((d: { metric_type: string }) => d.metric_type === 'servo_voltage')).toMatchObject({
          warning_threshold: 5.5,
          critical_threshold: 5,
          direction: 'below',
          pending_s: 10,
          clear_margin: 0.2,
          changed: false,
          current: { metric_type: 'servo_voltage', scope: 'global' },
        });

        const robot = await seedRobot();
        const put = await api.call('PUT', '/api/v1/thresholds', {
          token: admin,
          body: { robot_id: robot, metric_type: 'battery', warning_threshold: 30, critical_threshold: 15 },
        });
        expect(put.status).toBe(200);
        // Direction and timing come from the metric and its global row.
        expect(put.body).toMatchObject({ robot_id: robot, direction: 'below', pending_s: 30, scope: 'robot' });

        const effective = await api.call('GET', `/api/v1/thresholds?robot_id=${robot}`, { token: viewer });
        expect(effective.status).toBe(200);
        const byMetric = new Map(effective.body.items.map((t: { metric_type: string }) => [t.metric_type, t] as const));
        expect(byMetric.get('battery')).toMatchObject({ id: put.body.id, scope: 'robot', inherited: false });
        expect(byMetric.get('cpu')).toMatchObject({ robot_id: null, scope: 'global', inherited: true });
        expect((await api.call('GET', `/api/v1/thresholds?robot_id=${robotId()}`, { token: viewer })).status).toBe(404);
      });

      it('an admin creates, replaces, patches and deletes a robot row, each audited', async () => {
        const robot = await seedRobot();
        const body = { robot_id: robot, metric_type: 'cpu', warning_threshold: 80, critical_threshold: 95 };
        expect((await api.call('PUT', '/api/v1/thresholds', { token: operator, body })).status).toBe(403);
        const created = await api.call('PUT', '/api/v1/thresholds', { token: admin, body });
        expect(created.status).toBe(200);
        const replaced = await api.call('PUT', '/api/v1/thresholds', {
          token: admin,
          body: { ...body, critical_threshold: 97, pending_s: 5 },
        });
        expect(replaced.body).toMatchObject({ id: created.body.id, critical_threshold: 97, pending_s: 5 });
        expect(await auditOf('threshold.create', String(created.body.id))).toEqual([
          expect.objectContaining({ before: null, after: expect.objectContaining({ critical_threshold: 95 }) }),
        ]);
        expect(await auditOf('threshold.update', String(created.body.id))).toEqual([
          expect.objectContaining({
            before: expect.objectContaining({ critical_threshold: 95 }),
            after: expect.objectContaining({ critical_threshold: 97 }),
          }),
        ]);

        const patched = await api.call('PATCH', `/api/v1/thresholds/${created.body.id}`, {
          token: admin,
          body: { enabled: false },
        });
        expect(patched.status).toBe(200);
        expect(patched.body).toMatchObject({ enabled: false, warning_threshold: 80, critical_threshold: 97 });
        const disordered = await api.call('PATCH', `/api/v1/thresholds/${created.body.id}`, {
          token: admin,
          body: { warning_threshold: 99 },
        });
        expect(disordered.status).toBe(422);
        expect(disordered.body.details).toEqual([
          { path: 'critical_threshold', message: 'must be at least warning_threshold when higher values are worse' },
        ]);
        const turned = await api.call('PATCH', `/api/v1/thresholds/${created.body.id}`, {
          token: admin,
          body: { direction: 'below' },
        });
        expect(turned.status).toBe(422);
        expect(turned.body.details).toEqual([
          { path: 'direction', message: expect.stringMatching(/^must be 'above'/) },
        ]);
        expect(
          (await api.call('PATCH', `/api/v1/thresholds/${created.body.id}`, { token: admin, body: {} })).status,
        ).toBe(422);

        const removed = await api.call('DELETE', `/api/v1/thresholds/${created.body.id}`, { token: admin });
        expect(removed.status).toBe(204);
        expect(await auditOf('threshold.delete', String(created.body.id))).toEqual([
          expect.objectContaining({ before: expect.objectContaining({ robot_id: robot }), after: null }),
        ]);
        expect((await api.call('DELETE', `/api/v1/thresholds/${created.body.id}`, { token: admin })).status).toBe(404);
      });

      it('refuses warning and critical out of order for the metric, a wrong direction, and deleting a global row', async () => {
        const robot = await seedRobot();
        const put = (body: Record<string, unknown>) =>
          api.call('PUT', '/api/v1/thresholds', { token: admin, body: { robot_id: robot, ...body } });

        const lowIsBad = await put({ metric_type: 'battery', warning_threshold: 10, critical_threshold: 20 });
        expect(lowIsBad.status).toBe(422);
        expect(lowIsBad.body.details).toEqual([
          { path: 'critical_threshold', message: 'must be at most warning_threshold when lower values are worse' },
        ]);
        const highIsBad = await put({ metric_type: 'temperature', warning_threshold: 80, critical_threshold: 70 });
        expect(highIsBad.status).toBe(422);
        const wrongWay = await put({
          metric_type: 'servo_voltage',
          warning_threshold: 6,
          critical_threshold: 7,
          direction: 'above',
        });
        expect(wrongWay.status).toBe(422);
        expect(wrongWay.body.details).toEqual(
          expect.arrayContaining([{ path: 'direction', message: expect.stringMatching(/^must be 'below'/) }]),
        );

        // A sensor metric's direction is the caller's; a robot row inherits it from the global row.
        const global = await api.call('PUT', '/api/v1/thresholds', {
          token: admin,
          body: { metric_type: 'humidity', warning_threshold: 30, critical_threshold: 20, direction: 'below' },
        });
        expect(global.status).toBe(200);
        const own = await put({ metric_type: 'humidity', warning_threshold: 25, critical_threshold: 15 });
        expect(own.status).toBe(200);
        expect(own.body.direction).toBe('below');
        expect((await put({ metric_type: 'humidity', warning_threshold: 15, critical_threshold: 25 })).status).toBe(
          422,
        );

        const globalDelete = await api.call('DELETE', `/api/v1/thresholds/${global.body.id}`, { token: admin });
        expect(globalDelete.status).toBe(409);
        expect(globalDelete.body.message).toMatch(/global default for humidity/);
        expect(
          (
            await api.call('PUT', '/api/v1/thresholds', {
              token: admin,
              body: { robot_id: robotId(), metric_type: 'cpu', warning_threshold: 1, critical_threshold: 2 },
            })
          ).status,
        ).toBe(404);
      });
    });

    describe('webhooks', () => {
      it('an admin adds a webhook whose secret is never shown, lists it and removes it', async () => {
        const name = uniqueName('ops').slice(0, 100);
        const body = {
          name,
          url: 'https://203.0.113.10/fleet',
          secret: 'a-secret-of-sixteen-or-more',
          events: ['opened', 'resolved'],
        };
        expect((await api.call('POST', '/api/v1/alerts/webhooks', { token: operator, body })).status).toBe(403);
        const created = await api.call('POST', '/api/v1/alerts/webhooks', { token: admin, body });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          name,
          url: body.url,
          has_secret: true,
          min_severity: 'warning',
          events: ['opened', 'resolved'],
          pending: 0,
        });
        expect(JSON.stringify(created.body)).not.toContain(body.secret);

        const listed = await api.call('GET', '/api/v1/alerts/webhooks', { token: admin });
        expect(listed.status).toBe(200);
        const mine = listed.body.items.find((h: { id: number }) => h.id === created.body.id);
        expect(mine).toMatchObject({ name, has_secret: true });
        expect(JSON.stringify(listed.body)).not.toContain(body.secret);
        const [audit] = await auditOf('webhook.create', String(created.body.id));
        expect(JSON.stringify(audit)).not.toContain(body.secret);

        const duplicate = await api.call('POST', '/api/v1/alerts/webhooks', { token: admin, body });
        expect(duplicate.status).toBe(409);

        const removed = await api.call('DELETE', `/api/v1/alerts/webhooks/${created.body.id}`, { token: admin });
        expect(removed.status).toBe(204);
        expect(await auditOf('webhook.delete', String(created.body.id))).toHaveLength(1);
        expect((await api.call('DELETE', `/api/v1/alerts/webhooks/${created.body.id}`, { token: admin })).status).toBe(
          404,
        );
      });

      it('refuses URLs on loopback, private and link-local addresses, when added and when tested', async () => {
        for (const url of ['http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest']) {
          const response = await api.call('POST', '/api/v1/alerts/webhooks', {
            token: admin,
            body: { name: uniqueName('internal').slice(0, 100), url },
          });
          expect(response.status).toBe(422);
          expect(response.body.details).toEqual([
            { path: 'url', message: expect.stringMatching(/loopback, private or link-local address/) },
          ]);
        }
        // A webhook that got in some other way is not posted to either.
        const hook = await api.db
          .insertInto('alert_webhooks')
          .values({ name: uniqueName('planted'), url: 'http://10.0.0.5/hook' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const test = await api.call('POST', `/api/v1/alerts/webhooks/${hook.id}/test`, { token: admin });
        expect(test.status).toBe(422);
        expect(test.body.message).toMatch(/'10\.0\.0\.5' is a loopback, private or link-local address/);
        expect((await api.call('POST', '/api/v1/alerts/webhooks/999999/test', { token: admin })).status).toBe(404);
      });
    });
  });
}
