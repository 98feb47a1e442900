import {
  tonypiAlertSchema,
  tonypiLogEntrySchema,
  tonypiRobotRecordSchema,
  tonypiThresholdSchema,
  type UserRole,
} from '@fleet/contracts';
import { AlertEvents } from '../support/alert-events';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));
const V1 = '/tonypi/api/v1';
const HOUR = 3_600_000;

type Rule = UserRole;

/** Every route of the TonyPi records, as the dashboard calls it, with who may call it. */
const ROUTES: [method: string, path: string, rule: Rule][] = [
  ['GET', '/alerts?time_range=24h&resolved=false', 'viewer'],
  ['GET', '/alerts/stats?time_range=24h', 'viewer'],
  ['POST', '/alerts', 'operator'],
  ['POST', '/alerts/1/acknowledge?acknowledged_by=user', 'operator'],
  ['POST', '/alerts/1/resolve', 'operator'],
  ['POST', '/alerts/acknowledge-all?acknowledged_by=user', 'operator'],
  ['DELETE', '/alerts/1', 'admin'],
  ['GET', '/alerts/thresholds', 'viewer'],
  ['GET', '/alerts/thresholds/defaults', 'viewer'],
  ['POST', '/alerts/thresholds', 'admin'],
  ['PUT', '/alerts/thresholds/1', 'admin'],
  ['DELETE', '/alerts/thresholds/1', 'admin'],
  ['POST', '/alerts/thresholds/init-defaults', 'admin'],
  ['GET', '/logs?time_range=24h', 'viewer'],
  ['GET', '/logs/stats?time_range=24h', 'viewer'],
  ['POST', '/logs', 'operator'],
  ['GET', '/logs/categories', 'viewer'],
  ['GET', '/logs/levels', 'viewer'],
  ['GET', '/logs/commands?time_range=24h', 'viewer'],
  ['GET', '/logs/errors?time_range=24h', 'viewer'],
  ['GET', '/logs/export/json?time_range=24h', 'viewer'],
  ['GET', '/logs/export/csv?time_range=24h', 'viewer'],
  ['DELETE', '/logs/clear?days=30', 'admin'],
  ['GET', '/robots-db/robots', 'viewer'],
  ['GET', '/robots-db/robots/tonypi_01', 'viewer'],
  ['POST', '/robots-db/robots', 'admin'],
  ['PUT', '/robots-db/robots/tonypi_01', 'admin'],
  ['DELETE', '/robots-db/robots/tonypi_01', 'admin'],
  ['GET', '/robots-db/logs?limit=100', 'viewer'],
];

const RANK: Record<Rule, number> = { viewer: 1, operator: 2, admin: 3 };

/** A body for the methods that take one, so each route gets past JSON parsing to its guard. */
const bodyFor = (method: string) => (method === 'POST' || method === 'PUT' ? {} : undefined);

if (missing.length > 0) {
  reportMissingServer(missing[0], 'TonyPi dashboard records');
} else {
  describe('the TonyPi dashboard records under /tonypi', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let events: AlertEvents;
    let admin: string;
    let operator: string;
    let viewer: string;
    let operatorName: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      events = await AlertEvents.watch(api);
      [admin, operator, viewer] = await Promise.all([
        api.tokenFor('admin'),
        api.tokenFor('operator'),
        api.tokenFor('viewer'),
      ]);
      operatorName = `operator-${api.prefix}`.slice(0, 50);
    }, 60_000);
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

    const ago = (ms: number) => new Date(Date.now() - ms);

    async function seedAlert(
      fields: {
        robot_id: string | null;
        alert_type?: string;
        severity?: string;
        source?: string;
        value?: number | null;
        threshold?: number | null;
        resolved?: boolean;
        acknowledged?: boolean;
        created_at?: Date;
      },
      n = 0,
    ): Promise<number> {
      const row = await api.db
        .insertInto('alerts')
        .values({
          alert_type: 'battery',
          severity: 'warning',
          title: `alert ${n}`,
          message: `alert ${n} of ${fields.robot_id ?? 'the fleet'}`,
          source: `source-${n}`,
          value: null,
          threshold: null,
          created_at: new Date(),
          ...fields,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }

    describe('access', () => {
      const callAll = async (token?: string) => {
        const answers: { route: string; rule: Rule; status: number; detail: unknown }[] = [];
        for (const [method, path, rule] of ROUTES) {
          const response = await api.call(method, `${V1}${path}`, { token, body: bodyFor(method) });
          answers.push({ route: `${method} ${path}`, rule, status: response.status, detail: response.body?.detail });
        }
        return answers;
      };

      it('anonymous callers get 401 with a detail on every route', async () => {
        const answers = await callAll();
        expect(answers).toEqual(answers.map((a) => ({ ...a, status: 401, detail: expect.any(String) })));
      });

      it('a viewer gets 403, never 401, on changes; an operator gets 403 on admin routes', async () => {
        for (const [caller, token] of [
          ['viewer', viewer],
          ['operator', operator],
        ] as const) {
          const answers = await callAll(token);
          const beyond = answers.filter((a) => RANK[a.rule] > RANK[caller]);
          expect(beyond.length).toBeGreaterThan(0);
          expect(beyond).toEqual(
            beyond.map((a) => ({
              ...a,
              status: 403,
              detail: expect.stringMatching(/needs the (operator|admin) role/),
            })),
          );
          const within = answers.filter((a) => RANK[a.rule] <= RANK[caller]);
          expect(within.filter((a) => a.status === 401 || a.status === 403)).toEqual([]);
        }
      });
    });

    describe('alerts', () => {
      it('are listed as a bare array, newest first, within time_range, with explicit nulls', async () => {
        const robot = await seedRobot();
        const recent = await seedAlert(
          { robot_id: robot, value: 18.5, threshold: 20, created_at: ago(10 * 60_000) },
          1,
        );
        const newest = await seedAlert({ robot_id: robot, severity: 'critical', created_at: ago(60_000) }, 2);
        const older = await seedAlert({ robot_id: robot, created_at: ago(3 * HOUR) }, 3);
        const resolved = await seedAlert({ robot_id: robot, resolved: true, created_at: ago(2 * 60_000) }, 4);
        await seedAlert({ robot_id: robot, created_at: ago(8 * 24 * HOUR) }, 5);

        const hour = await api.call('GET', `${V1}/alerts?time_range=1h&robot_id=${robot}`, { token: viewer });
        expect(hour.status).toBe(200);
        expect(Array.isArray(hour.body)).toBe(true);
        expect(hour.body.map((a: { id: number }) => a.id)).toEqual([newest, resolved, recent]);
        for (const alert of hour.body) expect(tonypiAlertSchema.strict().parse(alert)).toEqual(alert);
        const withValue = hour.body.find((a: { id: number }) => a.id === recent);
        expect(withValue).toMatchObject({ value: 18.5, threshold: 20, acknowledged: false, resolved: false });
        const withoutValue = hour.body.find((a: { id: number }) => a.id === newest);
        expect(withoutValue).toHaveProperty('value', null);
        expect(withoutValue).toHaveProperty('threshold', null);
        expect(withoutValue).toHaveProperty('acknowledged_at', null);

        // What the alert page asks for when resolved alerts are hidden.
        const open = await api.call('GET', `${V1}/alerts?time_range=24h&resolved=false&robot_id=${robot}`, {
          token: viewer,
        });
        expect(open.body.map((a: { id: number }) => a.id)).toEqual([newest, recent, older]);
        const critical = await api.call('GET', `${V1}/alerts?severity=critical&time_range=7d&robot_id=${robot}`, {
          token: viewer,
        });
        expect(critical.body.map((a: { id: number }) => a.id)).toEqual([newest]);
        // Any other range means 24 hours, as in TonyPi.
        const odd = await api.call('GET', `${V1}/alerts?time_range=2w&robot_id=${robot}`, { token: viewer });
        expect(odd.body).toHaveLength(4);
        const limited = await api.call('GET', `${V1}/alerts?time_range=30d&limit=2&robot_id=${robot}`, {
          token: viewer,
        });
        expect(limited.body).toHaveLength(2);
        const tooMany = await api.call('GET', `${V1}/alerts?limit=501`, { token: viewer });
        expect(tooMany.status).toBe(422);
        expect(typeof tooMany.body.detail).toBe('string');
      });

      it('stats are the six counts the header bell and the alert page read, as integers', async () => {
        const robot = await seedRobot();
        await seedAlert({ robot_id: robot, severity: 'critical' }, 1);
        await seedAlert({ robot_id: robot, severity: 'warning', acknowledged: true }, 2);
        await seedAlert({ robot_id: robot, severity: 'info', resolved: true }, 3);
        await seedAlert({ robot_id: robot, severity: 'critical', created_at: ago(2 * HOUR) }, 4);

        const stats = await api.call('GET', `${V1}/alerts/stats?time_range=24h&robot_id=${robot}`, { token: viewer });
        expect(stats.status).toBe(200);
        expect(stats.body).toEqual({ total: 4, critical: 2, warning: 1, info: 0, unacknowledged: 2, unresolved: 3 });
        const hour = await api.call('GET', `${V1}/alerts/stats?time_range=1h&robot_id=${robot}`, { token: viewer });
        expect(hour.body).toEqual({ total: 3, critical: 1, warning: 1, info: 0, unacknowledged: 1, unresolved: 2 });
        const fleet = await api.call('GET', `${V1}/alerts/stats?time_range=24h`, { token: viewer });
        for (const value of Object.values(fleet.body)) expect(Number.isInteger(value)).toBe(true);
      });

      it('an operator raises one, announced as opened and recorded; the same one open again is a 409', async () => {
        const robot = await seedRobot();
        const body = {
          robot_id: robot,
          alert_type: 'system',
          severity: 'warning',
          title: 'Fan noisy',
          message: 'The fan sounds wrong',
          source: 'inspection',
        };
        const created = await api.call('POST', `${V1}/alerts`, { token: operator, body });
        expect(created.status).toBe(200);
        expect(tonypiAlertSchema.strict().parse(created.body)).toMatchObject({
          ...body,
          value: null,
          threshold: null,
          details: null,
          acknowledged: false,
          resolved: false,
        });
        const id = created.body.id as number;
        const opened = await events.next(id, 'opened');
        expect(opened).toMatchObject({ actor: operatorName, alert: { id, robot_id: robot, severity: 'warning' } });
        const audit = await api.db
          .selectFrom('audit_entries')
          .select(['action', 'actor'])
          .where('entity_type', '=', 'alert')
          .where('entity_id', '=', String(id))
          .execute();
        expect(audit).toEqual([{ action: 'alert.create', actor: operatorName }]);

        const again = await api.call('POST', `${V1}/alerts`, { token: operator, body });
        expect(again.status).toBe(409);
        expect(again.body.detail).toMatch(new RegExp(`alert ${id} is already open`));

        const other = await api.call('POST', `${V1}/alerts`, {
          token: operator,
          body: { ...body, source: 'second look', value: 3.5, threshold: 3, details: { rpm: 3500 } },
        });
        expect(other.status).toBe(200);
        expect(other.body).toMatchObject({ value: 3.5, threshold: 3, details: { rpm: 3500 } });

        const bad = await api.call('POST', `${V1}/alerts`, { token: operator, body: { ...body, severity: 'fatal' } });
        expect(bad.status).toBe(422);
        expect(bad.body.detail).toMatch(/severity/);
      });

      it('acknowledge records the signed-in user, whatever acknowledged_by says; resolve and delete answer messages', async () => {
        const robot = await seedRobot();
        const id = await seedAlert({ robot_id: robot }, 1);

        const acknowledged = await api.call('POST', `${V1}/alerts/${id}/acknowledge?acknowledged_by=user`, {
          token: operator,
        });
        expect(acknowledged.status).toBe(200);
        expect(acknowledged.body).toEqual({ message: `Alert ${id} acknowledged`, acknowledged_by: operatorName });
        expect(await events.next(id, 'acknowledged')).toMatchObject({ actor: operatorName });

        const resolved = await api.call('POST', `${V1}/alerts/${id}/resolve`, { token: operator });
        expect(resolved.status).toBe(200);
        expect(resolved.body).toEqual({ message: `Alert ${id} resolved` });
        expect(await events.next(id, 'resolved')).toMatchObject({ actor: operatorName });

        const [listed] = (await api.call('GET', `${V1}/alerts?robot_id=${robot}`, { token: viewer })).body;
        expect(listed).toMatchObject({ id, acknowledged: true, acknowledged_by: operatorName, resolved: true });
        expect(new Date(listed.resolved_at).getTime()).not.toBeNaN();

        const twice = await api.call('POST', `${V1}/alerts/${id}/resolve`, { token: operator });
        expect(twice.status).toBe(409);
        expect(typeof twice.body.detail).toBe('string');

        const deleted = await api.call('DELETE', `${V1}/alerts/${id}`, { token: admin });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ message: `Alert ${id} deleted` });
        expect(await events.next(id, 'deleted')).toMatchObject({ actor: 'admin', alert: { id, resolved: true } });
        const gone = await api.call('POST', `${V1}/alerts/${id}/acknowledge?acknowledged_by=user`, { token: operator });
        expect(gone.status).toBe(404);
        expect(typeof gone.body.detail).toBe('string');
        expect((await api.call('DELETE', `${V1}/alerts/${id}`, { token: admin })).status).toBe(404);
        const audit = await api.db
          .selectFrom('audit_entries')
          .select('action')
          .where('entity_type', '=', 'alert')
          .where('entity_id', '=', String(id))
          .orderBy('id')
          .execute();
        expect(audit.map((a) => a.action)).toEqual(['alert.acknowledge', 'alert.resolve', 'alert.delete']);
      });

      it("acknowledge-all takes robot_id from the query and acknowledges that robot's open alerts", async () => {
        const robot = await seedRobot();
        const other = await seedRobot();
        const mine = [await seedAlert({ robot_id: robot }, 1), await seedAlert({ robot_id: robot }, 2)];
        const theirs = await seedAlert({ robot_id: other }, 3);

        const response = await api.call('POST', `${V1}/alerts/acknowledge-all?robot_id=${robot}&acknowledged_by=user`, {
          token: operator,
        });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ message: 'Acknowledged 2 alerts', acknowledged: 2, remaining: 0 });
        const rows = await api.db
          .selectFrom('alerts')
          .select(['id', 'acknowledged', 'acknowledged_by'])
          .where('id', 'in', [...mine, theirs])
          .orderBy('id')
          .execute();
        expect(rows).toEqual([
          { id: mine[0], acknowledged: true, acknowledged_by: operatorName },
          { id: mine[1], acknowledged: true, acknowledged_by: operatorName },
          { id: theirs, acknowledged: false, acknowledged_by: null },
        ]);
      });
    });

    describe('thresholds', () => {
      const METRICS = ['cpu', 'memory', 'temperature', 'battery', 'servo_temp', 'servo_voltage'];

      it('defaults are {metric: {warning, critical}} numbers for every metric the dialog shows', async () => {
        const response = await api.call('GET', `${V1}/alerts/thresholds/defaults`, { token: viewer });
        expect(response.status).toBe(200);
        for (const metric of METRICS) {
          expect(response.body[metric]).toEqual({ warning: expect.any(Number), critical: expect.any(Number) });
        }
      });

      it("the dialog's six parallel saves for a robot land, and its list holds the global rows and its own", async () => {
        const robot = await seedRobot();
        const defaults = (await api.call('GET', `${V1}/alerts/thresholds/defaults`, { token: viewer })).body as Record<
          string,
          { warning: number; critical: number }
        >;
        const saves = await Promise.all(
          METRICS.map((metric) =>
            api.call('POST', `${V1}/alerts/thresholds`, {
              token: admin,
              body: {
                robot_id: robot,
                metric_type: metric,
                warning_threshold: defaults[metric].warning,
                critical_threshold: defaults[metric].critical,
              },
            }),
          ),
        );
        expect(saves.map((s) => s.status)).toEqual(METRICS.map(() => 200));
        for (const save of saves) {
          expect(tonypiThresholdSchema.strict().parse(save.body)).toMatchObject({ robot_id: robot, enabled: true });
        }

        const list = await api.call('GET', `${V1}/alerts/thresholds?robot_id=${robot}`, { token: viewer });
        expect(list.status).toBe(200);
        for (const row of list.body) tonypiThresholdSchema.strict().parse(row);
        const own = list.body.filter((t: { robot_id: string | null }) => t.robot_id === robot);
        const globals = list.body.filter((t: { robot_id: string | null }) => t.robot_id === null);
        expect(own.map((t: { metric_type: string }) => t.metric_type).sort()).toEqual([...METRICS].sort());
        expect(globals.map((t: { metric_type: string }) => t.metric_type)).toEqual(expect.arrayContaining(METRICS));
        expect(list.body.indexOf(own[0])).toBeGreaterThan(list.body.indexOf(globals[globals.length - 1]));

        // Saving again replaces each row instead of adding one.
        const again = await Promise.all(
          METRICS.map((metric) =>
            api.call('POST', `${V1}/alerts/thresholds`, {
              token: admin,
              body: {
                robot_id: robot,
                metric_type: metric,
                warning_threshold: defaults[metric].warning,
                critical_threshold: defaults[metric].critical,
                enabled: false,
              },
            }),
          ),
        );
        expect(again.map((s) => s.body.id).sort()).toEqual(saves.map((s) => s.body.id).sort());
        const rows = await api.db
          .selectFrom('alert_thresholds')
          .select('enabled')
          .where('robot_id', '=', robot)
          .execute();
        expect(rows).toEqual(METRICS.map(() => ({ enabled: false })));

        // "All Robots": the same six saves without a robot_id change the global rows.
        const globalSaves = await Promise.all(
          METRICS.map((metric) =>
            api.call('POST', `${V1}/alerts/thresholds`, {
              token: admin,
              body: {
                metric_type: metric,
                warning_threshold: defaults[metric].warning,
                critical_threshold: defaults[metric].critical,
              },
            }),
          ),
        );
        expect(globalSaves.map((s) => [s.status, s.body.robot_id])).toEqual(METRICS.map(() => [200, null]));
        const global = await api.call('GET', `${V1}/alerts/thresholds`, { token: viewer });
        expect(global.body.every((t: { robot_id: string | null }) => t.robot_id === null)).toBe(true);
      });

      it('PUT changes a row; DELETE removes a robot row, refuses a global one, and init-defaults puts it back', async () => {
        const robot = await seedRobot();
        const created = await api.call('POST', `${V1}/alerts/thresholds`, {
          token: admin,
          body: { robot_id: robot, metric_type: 'cpu', warning_threshold: 60, critical_threshold: 85 },
        });
        const id = created.body.id as number;
        const updated = await api.call('PUT', `${V1}/alerts/thresholds/${id}`, {
          token: admin,
          body: { critical_threshold: 95 },
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({ id, warning_threshold: 60, critical_threshold: 95, enabled: true });
        const disorder = await api.call('PUT', `${V1}/alerts/thresholds/${id}`, {
          token: admin,
          body: { warning_threshold: 99 },
        });
        expect(disorder.status).toBe(422);
        expect(typeof disorder.body.detail).toBe('string');

        const deleted = await api.call('DELETE', `${V1}/alerts/thresholds/${id}`, { token: admin });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ message: `Threshold ${id} deleted` });
        expect(
          (await api.call('PUT', `${V1}/alerts/thresholds/${id}`, { token: admin, body: { enabled: false } })).status,
        ).toBe(404);

        const globalServoTemp = await api.db
          .selectFrom('alert_thresholds')
          .select('id')
          .where('robot_id', 'is', null)
          .where('metric_type', '=', 'servo_temp')
          .executeTakeFirstOrThrow();
        const refused = await api.call('DELETE', `${V1}/alerts/thresholds/${globalServoTemp.id}`, { token: admin });
        expect(refused.status).toBe(409);
        expect(refused.body.detail).toMatch(/global default/);

        const none = await api.call('POST', `${V1}/alerts/thresholds/init-defaults`, { token: admin });
        expect(none.body).toEqual({ message: 'Initialized 0 default thresholds' });
        await api.db.deleteFrom('alert_thresholds').where('id', '=', globalServoTemp.id).execute();
        const one = await api.call('POST', `${V1}/alerts/thresholds/init-defaults`, { token: admin });
        expect(one.status).toBe(200);
        expect(one.body).toEqual({ message: 'Initialized 1 default thresholds' });
        const back = await api.call('GET', `${V1}/alerts/thresholds`, { token: viewer });
        expect(back.body.map((t: { metric_type: string }) => t.metric_type)).toContain('servo_temp');
      });
    });

    describe('logs', () => {
      async function seedLogs(robot: string) {
        const rows = await api.db
          .insertInto('system_logs')
          .values([
            { level: 'INFO', category: 'robot', message: 'came online', robot_id: robot, timestamp: ago(5 * 60_000) },
            {
              level: 'ERROR',
              category: 'servo',
              message: 'servo 3 stalled',
              robot_id: robot,
              timestamp: ago(4 * 60_000),
            },
            {
              level: 'INFO',
              category: 'command',
              message: 'stop sent',
              robot_id: robot,
              details: JSON.stringify({ id: 'stop_1' }),
              timestamp: ago(3 * 60_000),
            },
            {
              level: 'CRITICAL',
              category: 'battery',
              message: 'battery empty',
              robot_id: robot,
              timestamp: ago(2 * 60_000),
            },
            { level: 'WARNING', category: 'robot', message: 'slow reply', robot_id: robot, timestamp: ago(3 * HOUR) },
            { level: 'INFO', category: 'robot', message: 'old news', robot_id: robot, timestamp: ago(40 * 24 * HOUR) },
          ])
          .returning('id')
          .execute();
        return rows.map((r) => r.id);
      }

      it("are listed as a bare array newest first, with TonyPi's filters, and as commands and errors", async () => {
        const robot = robotId();
        const [online, stalled, stop, empty, slow] = await seedLogs(robot);

        const hour = await api.call('GET', `${V1}/logs?time_range=1h&robot_id=${robot}`, { token: viewer });
        expect(hour.status).toBe(200);
        expect(hour.body.map((e: { id: number }) => e.id)).toEqual([empty, stop, stalled, online]);
        for (const entry of hour.body) expect(tonypiLogEntrySchema.strict().parse(entry)).toEqual(entry);
        expect(hour.body[1]).toMatchObject({ category: 'command', details: { id: 'stop_1' } });
        expect(hour.body[0]).toHaveProperty('details', null);

        const day = await api.call('GET', `${V1}/logs?robot_id=${robot}`, { token: viewer });
        expect(day.body.map((e: { id: number }) => e.id)).toEqual([empty, stop, stalled, online, slow]);
        const errorLevel = await api.call('GET', `${V1}/logs?level=error&robot_id=${robot}`, { token: viewer });
        expect(errorLevel.body.map((e: { id: number }) => e.id)).toEqual([stalled]);
        const robotCategory = await api.call('GET', `${V1}/logs?category=ROBOT&time_range=7d&robot_id=${robot}`, {
          token: viewer,
        });
        expect(robotCategory.body.map((e: { id: number }) => e.id)).toEqual([online, slow]);
        const search = await api.call('GET', `${V1}/logs?search=STALLED&robot_id=${robot}`, { token: viewer });
        expect(search.body.map((e: { id: number }) => e.id)).toEqual([stalled]);
        const page = await api.call('GET', `${V1}/logs?robot_id=${robot}&limit=2&offset=1`, { token: viewer });
        expect(page.body.map((e: { id: number }) => e.id)).toEqual([stop, stalled]);

        const commands = await api.call('GET', `${V1}/logs/commands?time_range=24h&robot_id=${robot}`, {
          token: viewer,
        });
        expect(commands.body.map((e: { id: number }) => e.id)).toEqual([stop]);
        const errors = await api.call('GET', `${V1}/logs/errors?time_range=24h&robot_id=${robot}`, { token: viewer });
        expect(errors.body.map((e: { id: number }) => e.id)).toEqual([empty, stalled]);

        const everything = await api.call('GET', `${V1}/robots-db/logs?limit=100&robot_id=${robot}`, {
          token: viewer,
        });
        expect(everything.status).toBe(200);
        expect(everything.body).toHaveLength(6);
        const infos = await api.call('GET', `${V1}/robots-db/logs?level=info&robot_id=${robot}`, { token: viewer });
        expect(infos.body.map((e: { level: string }) => e.level)).toEqual(['INFO', 'INFO', 'INFO']);
      });

      it("stats count one robot's entries by level and by every category", async () => {
        const robot = robotId();
        await seedLogs(robot);
        const stats = await api.call('GET', `${V1}/logs/stats?time_range=24h&robot_id=${robot}`, { token: viewer });
        expect(stats.status).toBe(200);
        expect(stats.body).toMatchObject({ total: 5, info: 2, warning: 1, error: 1, critical: 1 });
        expect(stats.body.by_category).toMatchObject({
          robot: 2,
          servo: 1,
          command: 1,
          battery: 1,
          mqtt: 0,
          movement: 0,
        });
        const fleet = await api.call('GET', `${V1}/logs/stats?time_range=30d`, { token: viewer });
        expect(fleet.body.total).toBeGreaterThanOrEqual(5);
      });

      it('categories, levels, and a new entry written by an operator', async () => {
        const categories = await api.call('GET', `${V1}/logs/categories`, { token: viewer });
        expect(categories.body.slice(0, 14)).toEqual([
          'mqtt',
          'api',
          'database',
          'system',
          'command',
          'robot',
          'alert',
          'report',
          'servo',
          'vision',
          'battery',
          'sensor',
          'job',
          'movement',
        ]);
        const levels = await api.call('GET', `${V1}/logs/levels`, { token: viewer });
        expect(levels.body).toMatchObject({
          INFO: { color: 'blue', priority: 1 },
          WARNING: { color: 'yellow', priority: 2 },
          ERROR: { color: 'red', priority: 3 },
          CRITICAL: { color: 'purple', priority: 4 },
        });

        const robot = robotId();
        const created = await api.call('POST', `${V1}/logs`, {
          token: operator,
          body: { level: 'warning', category: 'Movement', message: 'tripped', robot_id: robot, details: { step: 4 } },
        });
        expect(created.status).toBe(200);
        expect(tonypiLogEntrySchema.strict().parse(created.body)).toMatchObject({
          level: 'WARNING',
          category: 'movement',
          robot_id: robot,
          details: { step: 4 },
        });
        const listed = await api.call('GET', `${V1}/logs?robot_id=${robot}`, { token: viewer });
        expect(listed.body).toEqual([created.body]);
      });

      it('export as JSON and CSV files; CSV of nothing is a 404, JSON of nothing is []', async () => {
        const robot = robotId();
        await seedLogs(robot);
        const json = await api.call('GET', `${V1}/logs/export/json?time_range=24h&robot_id=${robot}`, {
          token: viewer,
        });
        expect(json.status).toBe(200);
        expect(json.headers.get('content-type')).toMatch(/application\/json/);
        expect(json.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.json"$/);
        expect(json.body).toHaveLength(5);
        for (const entry of json.body) tonypiLogEntrySchema.strict().parse(entry);

        const csv = await api.call('GET', `${V1}/logs/export/csv?time_range=1h&level=ERROR&robot_id=${robot}`, {
          token: viewer,
        });
        expect(csv.status).toBe(200);
        expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
        expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
        const lines = (csv.body as string).trimEnd().split('\r\n');
        expect(lines[0]).toBe('ID,Timestamp,Level,Category,Robot ID,Message,Details');
        expect(lines.slice(1)).toEqual([expect.stringContaining(',ERROR,servo,')]);

        const nobody = robotId();
        const emptyCsv = await api.call('GET', `${V1}/logs/export/csv?robot_id=${nobody}`, { token: viewer });
        expect(emptyCsv.status).toBe(404);
        expect(emptyCsv.body.detail).toBe('No logs found');
        const emptyJson = await api.call('GET', `${V1}/logs/export/json?robot_id=${nobody}`, { token: viewer });
        expect(emptyJson.status).toBe(200);
        expect(emptyJson.body).toEqual([]);
        expect((await api.call('GET', `${V1}/logs/export/xml`, { token: viewer })).status).toBe(422);
      });

      it('clear?days= deletes older entries for an admin and says how many', async () => {
        const robot = robotId();
        await seedLogs(robot);
        const tooFar = await api.call('DELETE', `${V1}/logs/clear?days=400`, { token: admin });
        expect(tooFar.status).toBe(422);
        const cleared = await api.call('DELETE', `${V1}/logs/clear?days=30`, { token: admin });
        expect(cleared.status).toBe(200);
        expect(cleared.body.message).toMatch(/^Deleted \d+ logs older than 30 days$/);
        expect(cleared.body.deleted).toBeGreaterThanOrEqual(1);
        const left = await api.call('GET', `${V1}/robots-db/logs?robot_id=${robot}`, { token: viewer });
        expect(left.body).toHaveLength(5);
      });
    });

    describe('robots registry', () => {
      it('an admin registers, changes and deletes robots in TonyPi shapes', async () => {
        const robot = robotId();
        const created = await api.call('POST', `${V1}/robots-db/robots`, {
          token: admin,
          body: { robot_id: robot, description: 'lab robot', location: { x: 1, y: 2, z: 0 } },
        });
        expect(created.status).toBe(200);
        expect(tonypiRobotRecordSchema.strict().parse(created.body)).toMatchObject({
          robot_id: robot,
          name: robot,
          description: 'lab robot',
          location: { x: 1, y: 2, z: 0 },
          status: 'offline',
          battery_threshold_low: 20,
          battery_threshold_critical: 10,
          temp_threshold_warning: 70,
          temp_threshold_critical: 80,
          last_seen: null,
          is_active: true,
        });
        const duplicate = await api.call('POST', `${V1}/robots-db/robots`, { token: admin, body: { robot_id: robot } });
        expect(duplicate.status).toBe(409);
        expect(duplicate.body.detail).toMatch(/already exists/);

        const list = await api.call('GET', `${V1}/robots-db/robots`, { token: viewer });
        expect(list.status).toBe(200);
        expect(Array.isArray(list.body)).toBe(true);
        for (const r of list.body) tonypiRobotRecordSchema.strict().parse(r);
        expect(list.body.map((r: { robot_id: string }) => r.robot_id)).toContain(robot);

        const updated = await api.call('PUT', `${V1}/robots-db/robots/${robot}`, {
          token: admin,
          body: { name: 'Tony', status: 'maintenance', battery_threshold_low: 25 },
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({ name: 'Tony', status: 'maintenance', battery_threshold_low: 25 });
        const disorder = await api.call('PUT', `${V1}/robots-db/robots/${robot}`, {
          token: admin,
          body: { battery_threshold_critical: 50 },
        });
        expect(disorder.status).toBe(422);
        expect(typeof disorder.body.detail).toBe('string');

        const deleted = await api.call('DELETE', `${V1}/robots-db/robots/${robot}`, { token: admin });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ message: 'Robot deleted successfully' });
        const after = await api.call('GET', `${V1}/robots-db/robots`, { token: viewer });
        expect(after.body.map((r: { robot_id: string }) => r.robot_id)).not.toContain(robot);
        const still = await api.call('GET', `${V1}/robots-db/robots/${robot}`, { token: viewer });
        expect(still.status).toBe(200);
        expect(still.body).toMatchObject({ robot_id: robot, is_active: false });

        const unknown = await api.call('GET', `${V1}/robots-db/robots/${robotId()}`, { token: viewer });
        expect(unknown.status).toBe(404);
        expect(typeof unknown.body.detail).toBe('string');

        const audit = await api.db
          .selectFrom('audit_entries')
          .select('action')
          .where('entity_type', '=', 'robot')
          .where('entity_id', '=', robot)
          .orderBy('id')
          .execute();
        expect(audit.map((a) => a.action)).toEqual(['robot.create', 'robot.update', 'robot.delete']);
      });

      it('a camera URL stored with another scheme than http or https reaches the dashboard as null', async () => {
        const [good, bad] = [robotId(), robotId()];
        await api.db
          .insertInto('robots')
          .values([
            { robot_id: good, name: good, camera_url: 'http://192.168.149.10:8080/?action=stream' },
            { robot_id: bad, name: bad, camera_url: 'javascript:alert(document.cookie)' },
          ])
          .execute();
        const camera = async (robot: string) =>
          (await api.call('GET', `${V1}/robots-db/robots/${robot}`, { token: viewer })).body.camera_url;
        expect(await camera(good)).toBe('http://192.168.149.10:8080/?action=stream');
        expect(await camera(bad)).toBeNull();
      });
    });
  });
}
