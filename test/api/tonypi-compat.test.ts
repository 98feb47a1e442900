import type { MqttClient } from 'mqtt';
import { tonypiUserSchema, type UserRole } from '@fleet/contracts';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { TELEMETRY_STORE, type TelemetryPoint, type TelemetryStore } from '@fleet/telemetry';
import { SENSOR_READINGS_MAX, SENSOR_SERIES_MAX } from '@apps/api/src/tonypi-compat/tonypi-robot-data.mapper';
import { ADMIN_PASSWORD, API_SERVERS, startApi, type TestApi, USER_PASSWORD } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { nextMessage, robotClient } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));
const V1 = '/tonypi/api/v1';

type Rule = 'public' | UserRole;

/** Every route of the TonyPi module, as the dashboard calls it, with who may call it. */
const ROUTES: [method: string, path: string, rule: Rule][] = [
  ['GET', '/health', 'public'],
  ['POST', '/auth/login', 'public'],
  ['GET', '/auth/me', 'viewer'],
  ['GET', '/users', 'admin'],
  ['POST', '/users', 'admin'],
  ['GET', '/users/00000000-0000-4000-8000-000000000000', 'admin'],
  ['PUT', '/users/00000000-0000-4000-8000-000000000000', 'admin'],
  ['DELETE', '/users/00000000-0000-4000-8000-000000000000', 'admin'],
  ['GET', '/robot-data/sensors?measurement=sensors&time_range=1m', 'viewer'],
  ['GET', '/robot-data/status', 'viewer'],
  ['GET', '/robot-data/latest/tonypi_01', 'viewer'],
  ['GET', '/robot-data/servos/tonypi_01?time_range=5m', 'viewer'],
  ['GET', '/robot-data/job-summary/tonypi_01', 'viewer'],
  ['POST', '/robot-data/command', 'operator'],
  ['POST', '/robot-data/trigger-scan', 'operator'],
  ['GET', '/robots-db/jobs/history?limit=100', 'viewer'],
  ['GET', '/robots-db/jobs/cumulative-stats', 'viewer'],
  ['GET', '/robots-db/jobs/overall-stats', 'viewer'],
  ['GET', '/robots-db/stats', 'viewer'],
  ['GET', '/management/robots', 'viewer'],
  ['GET', '/management/robots/tonypi_01/config', 'viewer'],
  ['PUT', '/management/robots/tonypi_01/config', 'admin'],
  ['GET', '/management/system/status', 'viewer'],
  ['POST', '/management/command', 'operator'],
  ['POST', '/management/robots/tonypi_01/emergency-stop', 'operator'],
  ['POST', '/management/robots/tonypi_01/resume', 'operator'],
  ['POST', '/management/emergency-stop/broadcast', 'operator'],
  ['GET', '/pi/perf/tonypi_01?time_range=10m', 'viewer'],
  ['GET', '/reports/ai-status', 'viewer'],
  ['GET', '/reports', 'viewer'],
  ['POST', '/reports', 'operator'],
  ['POST', '/reports/generate?report_type=performance&time_range=24h', 'operator'],
  ['GET', '/reports/export/csv', 'viewer'],
  ['GET', '/reports/export/json', 'viewer'],
  ['GET', '/reports/1', 'viewer'],
  ['DELETE', '/reports/1', 'admin'],
  ['GET', '/reports/1/pdf?include_ai=true', 'viewer'],
];

/** A body for the methods that take one, so each route gets past JSON parsing to its guard. */
const bodyFor = (method: string) => (method === 'POST' || method === 'PUT' ? {} : undefined);

const ago = (ms: number, now = Date.now()) => new Date(Math.floor((now - ms) / 1000) * 1000);

if (missing.length > 0) {
  reportMissingServer(missing[0], 'TonyPi dashboard routes');
} else {
  describe('the TonyPi dashboard routes under /tonypi', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let store: TelemetryStore;
    let live: LiveState;
    let admin: string;
    let operator: string;
    let viewer: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      store = api.app.app.get(TELEMETRY_STORE);
      live = api.app.app.get(LIVE_STATE);
      [admin, operator, viewer] = await Promise.all([
        api.tokenFor('admin'),
        api.tokenFor('operator'),
        api.tokenFor('viewer'),
      ]);
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    describe('access', () => {
      /** Calls every route as `token` (anonymous without one): the status and the type of `detail` of each. */
      const callAll = async (token?: string) => {
        const answers: { route: string; rule: Rule; status: number; detail: unknown }[] = [];
        for (const [method, path, rule] of ROUTES) {
          const response = await api.call(method, `${V1}${path}`, { token, body: bodyFor(method) });
          answers.push({ route: `${method} ${path}`, rule, status: response.status, detail: response.body?.detail });
        }
        return answers;
      };
      const refusedWith = (status: number, detail: unknown) => (answer: { route: string; rule: Rule }) => ({
        ...answer,
        status,
        detail,
      });

      it('anonymous callers get 401 with a detail everywhere but login and health', async () => {
        const answers = await callAll();
        const guarded = answers.filter((a) => a.rule !== 'public');
        expect(guarded).toEqual(guarded.map(refusedWith(401, expect.any(String))));
        const open = answers.filter((a) => a.rule === 'public');
        expect(open.filter((a) => a.status === 401)).toEqual([]);
      });

      it('a viewer gets 403, never 401, on operator and admin routes; an operator gets 403 on admin routes', async () => {
        const asViewer = await callAll(viewer);
        const beyond = asViewer.filter((a) => a.rule === 'operator' || a.rule === 'admin');
        expect(beyond).toEqual(beyond.map(refusedWith(403, expect.stringMatching(/needs the (operator|admin) role/))));
        const within = asViewer.filter((a) => a.rule === 'viewer' || a.rule === 'public');
        expect(within.filter((a) => a.status === 401 || a.status === 403)).toEqual([]);

        const adminOnly = (await callAll(operator)).filter((a) => a.rule === 'admin');
        expect(adminOnly).toEqual(adminOnly.map(refusedWith(403, expect.stringMatching(/needs the admin role/))));
      });
    });

    describe('health and sign-in', () => {
      it('health reports each dependency of the process, checked', async () => {
        const response = await api.call('GET', `${V1}/health`);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          status: 'healthy',
          message: 'Fleet is running',
          timestamp: expect.any(String),
          services: expect.objectContaining({ api: 'healthy', database: 'healthy', mqtt: 'healthy' }),
        });
        expect(Number.isNaN(new Date(response.body.timestamp).getTime())).toBe(false);
      });

      it('login takes JSON and answers access_token, token_type and user; /auth/me answers the user', async () => {
        const response = await api.call('POST', `${V1}/auth/login`, {
          body: { username: 'admin', password: ADMIN_PASSWORD },
        });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          access_token: expect.any(String),
          token_type: 'bearer',
          // The dashboard cannot refresh: a TonyPi login is one 8-hour token, without a refresh token.
          expires_in: 28_800,
          user: { username: 'admin', role: 'admin', is_active: true },
        });
        expect(response.body.refresh_token).toBeUndefined();
        expect(tonypiUserSchema.strict().parse(response.body.user)).toEqual(response.body.user);
        const me = await api.call('GET', `${V1}/auth/me`, { token: response.body.access_token });
        expect(me.status).toBe(200);
        expect(me.body).toEqual(response.body.user);
      });

      it('a wrong password is 401 with a detail; a missing field is 422', async () => {
        const wrong = await api.call('POST', `${V1}/auth/login`, { body: { username: 'admin', password: 'nope' } });
        expect(wrong.status).toBe(401);
        expect(wrong.body.detail).toBe('invalid username or password');
        const incomplete = await api.call('POST', `${V1}/auth/login`, { body: { username: 'admin' } });
        expect(incomplete.status).toBe(422);
        expect(typeof incomplete.body.detail).toBe('string');
      });
    });

    describe('users', () => {
      it('are managed by admins in TonyPi shapes: bare list newest first, 201, PUT with password, 204', async () => {
        const username = uniqueName('tp').slice(0, 40);
        const created = await api.call('POST', `${V1}/users`, {
          token: admin,
          body: { username, email: `${username}@example.test`, password: 'a-first-password-1', role: 'operator' },
        });
        expect(created.status).toBe(201);
        expect(tonypiUserSchema.strict().parse(created.body)).toMatchObject({ username, role: 'operator' });
        const id = created.body.id as string;

        const list = await api.call('GET', `${V1}/users`, { token: admin });
        expect(list.status).toBe(200);
        expect(Array.isArray(list.body)).toBe(true);
        expect(list.body[0].id).toBe(id);
        for (const user of list.body) tonypiUserSchema.strict().parse(user);

        const again = await api.call('POST', `${V1}/users`, {
          token: admin,
          body: { username, email: `other-${username}@example.test`, password: 'a-first-password-1' },
        });
        expect(again.status).toBe(409);
        expect(typeof again.body.detail).toBe('string');

        const updated = await api.call('PUT', `${V1}/users/${id}`, {
          token: admin,
          body: { email: `new-${username}@example.test`, role: 'viewer', password: 'a-second-password-2' },
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({ id, email: `new-${username}@example.test`, role: 'viewer' });
        expect(updated.body.updated_at).toEqual(expect.any(String));
        await expect(api.login(username, 'a-second-password-2')).resolves.toEqual(expect.any(String));

        const nothing = await api.call('PUT', `${V1}/users/${id}`, { token: admin, body: {} });
        expect(nothing.status).toBe(422);
        expect(nothing.body.detail).toMatch(/No fields to update/);

        const fetched = await api.call('GET', `${V1}/users/${id}`, { token: admin });
        expect(fetched.body).toEqual(updated.body);

        const removed = await api.call('DELETE', `${V1}/users/${id}`, { token: admin });
        expect(removed.status).toBe(204);
        expect(removed.body).toBe('');
        expect((await api.call('GET', `${V1}/users/${id}`, { token: admin })).status).toBe(404);

        const audit = await api.db
          .selectFrom('audit_entries')
          .select('action')
          .where('entity_id', '=', id)
          .orderBy('id')
          .execute();
        expect(audit.map((a) => a.action)).toEqual(['user.create', 'user.update', 'user.password_set', 'user.delete']);
      });

      it('an admin cannot delete their own account', async () => {
        const me = await api.call('GET', `${V1}/auth/me`, { token: admin });
        const response = await api.call('DELETE', `${V1}/users/${me.body.id}`, { token: admin });
        expect(response.status).toBe(403);
        expect(response.body.detail).toMatch(/your own account/);
      });
    });

    describe('robot data', () => {
      let now: number;
      const sensor = (
        robotId: string,
        type: string,
        unit: string,
        secondsAgo: number,
        value: number,
      ): TelemetryPoint => ({
        measurement: 'sensor_data',
        robotId,
        tags: { sensor_type: type },
        fields: { value, unit },
        time: ago(secondsAgo * 1000, now),
      });
      const system = (secondsAgo: number, cpu: number): TelemetryPoint => ({
        measurement: 'robot_status',
        robotId: 'tonypi_01',
        fields: {
          status: 'online',
          system_cpu_percent: cpu,
          system_memory_percent: 41.5,
          system_disk_usage: 35,
          system_temperature: 52.3,
          system_uptime: 3600 + secondsAgo,
        },
        time: ago(secondsAgo * 1000, now),
      });

      beforeAll(async () => {
        now = Date.now();
        await store.write([
          sensor('tonypi_01', 'temperature', 'C', 3, 21.5),
          sensor('tonypi_01', 'temperature', 'C', 2, 21.75),
          sensor('tonypi_01', 'light_level', 'lux', 3, 400),
          sensor('tonypi_01', 'light_level', 'lux', 2, 410),
          sensor('tonypi_02', 'temperature', 'C', 4, 19),
          sensor('tonypi_old', 'temperature', 'C', 600, 18),
          system(30, 10),
          system(20, 20),
          system(10, 30),
        ]);
        const at = new Date(now);
        await live.apply([
          {
            robotId: 'tonypi_01',
            measurement: 'battery_status',
            fields: { percentage: 85.5, voltage: 7.4, charging: false },
            time: at,
          },
          { robotId: 'tonypi_01', measurement: 'robot_location', fields: { x: 1.5, y: 2, z: 0 }, time: at },
          {
            robotId: 'tonypi_01',
            measurement: 'servo_data',
            tags: { servo_id: '1', servo_name: 'left_hip' },
            fields: { position: 480, temperature: 41.5, voltage: 7.3, torque_enabled: true, alert_level: 'normal' },
            time: at,
          },
          {
            robotId: 'tonypi_01',
            measurement: 'robot_status',
            fields: { status: 'online', system_cpu_percent: 30 },
            time: at,
          },
        ]);
        await live.setStatus('tonypi_01', 'online', at);
        await live.touch([{ robotId: 'tonypi_01', at }]);
        await api.db
          .insertInto('robots')
          .values([
            { robot_id: 'tonypi_01', name: 'TonyPi 01', status: 'online', ip_address: '192.168.1.103', last_seen: at },
            { robot_id: 'tonypi_02', name: 'TonyPi 02', status: 'offline' },
          ])
          .execute();
      });

      it('sensors: readings newest first, numeric values, every robot or one', async () => {
        const all = await api.call('GET', `${V1}/robot-data/sensors?measurement=sensors&time_range=1m`, {
          token: viewer,
        });
        expect(all.status).toBe(200);
        const mine = all.body.filter((r: { robot_id: string }) => r.robot_id === 'tonypi_01');
        expect(mine).toHaveLength(4);
        expect(all.body.map((r: { robot_id: string }) => r.robot_id)).toContain('tonypi_02');
        expect(all.body.map((r: { robot_id: string }) => r.robot_id)).not.toContain('tonypi_old');
        const times = all.body.map((r: { timestamp: string }) => new Date(r.timestamp).getTime());
        expect(times).toEqual([...times].sort((a, b) => b - a));
        expect(mine[0]).toEqual({
          timestamp: ago(2000, now).toISOString(),
          measurement: 'sensor_data',
          field: 'value',
          value: expect.any(Number),
          robot_id: 'tonypi_01',
          sensor_type: expect.stringMatching(/^(temperature|light_level)$/),
          unit: expect.stringMatching(/^(C|lux)$/),
        });
        expect(mine.find((r: { sensor_type: string }) => r.sensor_type === 'temperature').value).toBe(21.75);

        const one = await api.call(
          'GET',
          `${V1}/robot-data/sensors?measurement=sensor_data&time_range=5m&robot_id=tonypi_02`,
          {
            token: viewer,
          },
        );
        expect(one.body).toEqual([expect.objectContaining({ robot_id: 'tonypi_02', value: 19, unit: 'C' })]);

        const battery = await api.call('GET', `${V1}/robot-data/sensors?measurement=battery&time_range=5m`, {
          token: viewer,
        });
        expect(battery.body).toEqual([]);
      });

      it('sensors: a time_range that is not a duration, or no measurement, is 422 with a detail', async () => {
        for (const query of [
          'measurement=sensors&time_range=forever',
          'time_range=5m',
          'measurement=sensors&time_range=90d',
        ]) {
          const response = await api.call('GET', `${V1}/robot-data/sensors?${query}`, { token: viewer });
          expect([query, response.status]).toEqual([query, 422]);
          expect(typeof response.body.detail).toBe('string');
        }
      });

      it('sensors: bounded whatever the range and the number of series, the freshest series read first', async () => {
        // Older than five minutes, so the robots are not among those heard from "now".
        const types = Array.from({ length: 20 }, (_, i) => `probe_${String(i).padStart(2, '0')}`);
        const points: TelemetryPoint[] = [];
        for (const robot of ['bulk_a', 'bulk_b', 'bulk_c'])
          for (const type of types) for (let s = 390; s <= 570; s += 5) points.push(sensor(robot, type, 'V', s, s));
        await store.write(points);
        const read = async (query: string) => {
          const response = await api.call('GET', `${V1}/robot-data/sensors?measurement=sensors&${query}`, {
            token: viewer,
          });
          expect(response.status).toBe(200);
          const readings = response.body as { robot_id: string; sensor_type: string; timestamp: string }[];
          const times = readings.map((r) => new Date(r.timestamp).getTime());
          expect(times).toEqual([...times].sort((a, b) => b - a));
          return { readings, series: new Set(readings.map((r) => `${r.robot_id}/${r.sensor_type}`)) };
        };

        // 63 series over ten minutes, in 1-second buckets, would be over 2,000 readings.
        const all = await read('time_range=10m');
        expect(all.readings.length).toBeGreaterThan(0);
        expect(all.readings.length).toBeLessThanOrEqual(SENSOR_READINGS_MAX);
        expect(all.series.size).toBeLessThanOrEqual(SENSOR_SERIES_MAX);
        expect(all.series).toContain('tonypi_01/temperature');
        expect(all.series).toContain('tonypi_02/temperature');

        const month = await read('time_range=31d&robot_id=bulk_a');
        expect(month.readings.length).toBeLessThanOrEqual(SENSOR_READINGS_MAX);
        expect([...month.series].sort()).toEqual(types.map((t) => `bulk_a/${t}`));

        expect((await read('time_range=1m&robot_id=bulk_a')).readings).toEqual([]);
      });

      it('status: robots heard from in the last five minutes, with live battery and location', async () => {
        const response = await api.call('GET', `${V1}/robot-data/status`, { token: viewer });
        expect(response.status).toBe(200);
        const ids = response.body.map((r: { robot_id: string }) => r.robot_id).sort();
        expect(ids).toEqual(['tonypi_01', 'tonypi_02']);
        const robot = response.body.find((r: { robot_id: string }) => r.robot_id === 'tonypi_01');
        expect(robot).toEqual({
          robot_id: 'tonypi_01',
          name: 'TonyPi 01',
          status: 'online',
          last_seen: new Date(now).toISOString(),
          battery_percentage: 85.5,
          location: { x: 1.5, y: 2, z: 0 },
          ip_address: '192.168.1.103',
          camera_url: null,
        });
        expect(response.body.find((r: { robot_id: string }) => r.robot_id === 'tonypi_02')).toMatchObject({
          status: 'offline',
          battery_percentage: null,
          location: null,
          ip_address: null,
        });
      });

      it('latest: newest values by measurement', async () => {
        const response = await api.call('GET', `${V1}/robot-data/latest/tonypi_01`, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          robot_id: 'tonypi_01',
          sensors: {},
          battery: { percentage: 85.5, voltage: 7.4, is_charging: false },
          location: { x: 1.5, y: 2, z: 0 },
          status: { status: 'online', system_cpu_percent: 30, ip_address: '192.168.1.103', camera_url: null },
        });
      });

      it('servos: keyed by name with numbers, and an empty map (still 200) for a robot without servo data', async () => {
        const response = await api.call('GET', `${V1}/robot-data/servos/tonypi_01?time_range=5m`, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          robot_id: 'tonypi_01',
          servos: {
            left_hip: {
              id: 1,
              name: 'left_hip',
              robot_id: 'tonypi_01',
              alert_level: 'normal',
              torque_enabled: true,
              position: 480,
              temperature: 41.5,
              voltage: 7.3,
            },
          },
          servo_count: 1,
          timestamp: expect.any(String),
        });
        const none = await api.call('GET', `${V1}/robot-data/servos/tonypi_02`, { token: viewer });
        expect(none.status).toBe(200);
        expect(none.body).toMatchObject({ servos: {}, servo_count: 0, message: 'No servo data found' });
      });

      it('pi/perf: system values of the range, oldest first, as numbers', async () => {
        const response = await api.call('GET', `${V1}/pi/perf/tonypi_01?time_range=10m`, { token: viewer });
        expect(response.status).toBe(200);
        const cpu = response.body.filter((r: { field: string }) => r.field === 'system_cpu_percent');
        expect(cpu.map((r: { value: number }) => r.value)).toEqual([10, 20, 30]);
        expect(cpu[0]).toEqual({
          time: ago(30_000, now).toISOString(),
          measurement: 'robot_status',
          field: 'system_cpu_percent',
          value: 10,
          robot_id: 'tonypi_01',
          status_type: 'tonypi_01',
        });
        const fields = new Set(response.body.map((r: { field: string }) => r.field));
        expect(fields).toEqual(
          new Set([
            'system_cpu_percent',
            'system_memory_percent',
            'system_disk_usage',
            'system_temperature',
            'system_uptime',
          ]),
        );
        for (const record of response.body) expect(typeof record.value).toBe('number');
        expect((await api.call('GET', `${V1}/pi/perf/nobody`, { token: viewer })).body).toEqual([]);
      });
    });

    describe('jobs', () => {
      beforeAll(async () => {
        const t = (iso: string) => new Date(iso);
        const today = new Date();
        await api.db
          .insertInto('jobs')
          .values([
            {
              robot_id: 'job_bot',
              start_time: t('2026-01-20T10:00:00Z'),
              end_time: t('2026-01-20T10:01:00Z'),
              items_total: 5,
              items_done: 5,
              percent_complete: 100,
              status: 'completed',
              created_at: t('2026-01-20T10:00:00Z'),
            },
            {
              robot_id: 'job_bot',
              start_time: t('2026-01-21T10:00:00Z'),
              end_time: t('2026-01-21T10:03:00Z'),
              items_total: 5,
              items_done: 2,
              percent_complete: 40,
              status: 'failed',
              created_at: t('2026-01-21T10:00:00Z'),
            },
            {
              robot_id: 'job_bot',
              start_time: t('2026-01-22T10:00:00Z'),
              items_total: 10,
              items_done: 3,
              percent_complete: 30,
              last_item: JSON.stringify({ qr: 'BOX-3' }),
              status: 'active',
              created_at: t('2026-01-22T10:00:00Z'),
              updated_at: t('2026-01-22T10:05:00Z'),
            },
            {
              robot_id: 'other_bot',
              start_time: today,
              end_time: today,
              items_total: 1,
              items_done: 1,
              percent_complete: 100,
              status: 'completed',
            },
          ])
          .execute();
      });

      it('job summary: the active job with its last item; idle with nulls for a robot without jobs', async () => {
        const response = await api.call('GET', `${V1}/robot-data/job-summary/job_bot`, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          robot_id: 'job_bot',
          start_time: '2026-01-22T10:00:00.000Z',
          end_time: null,
          items_total: 10,
          items_done: 3,
          percent_complete: 30,
          last_item: { qr: 'BOX-3' },
          status: 'active',
          success: null,
          history: [{ time: '2026-01-22T10:05:00.000Z', item: { qr: 'BOX-3' } }],
        });
        const idle = await api.call('GET', `${V1}/robot-data/job-summary/nobody`, { token: viewer });
        expect(idle.body).toMatchObject({ start_time: null, end_time: null, percent_complete: 0, status: 'idle' });
      });

      it('history: a bare array newest first, by robot and page', async () => {
        const all = await api.call('GET', `${V1}/robots-db/jobs/history?limit=100`, { token: viewer });
        expect(all.status).toBe(200);
        expect(all.body).toHaveLength(4);
        expect(all.body[0].robot_id).toBe('other_bot');
        const page = await api.call('GET', `${V1}/robots-db/jobs/history?limit=1&offset=1&robot_id=job_bot`, {
          token: viewer,
        });
        expect(page.body).toEqual([
          expect.objectContaining({
            robot_id: 'job_bot',
            status: 'failed',
            start_time: '2026-01-21T10:00:00.000Z',
            end_time: '2026-01-21T10:03:00.000Z',
            items_total: 5,
            items_done: 2,
            percent_complete: 40,
            last_item: null,
            task_name: null,
            id: expect.any(Number),
          }),
        ]);
        expect((await api.call('GET', `${V1}/robots-db/jobs/history?limit=501`, { token: viewer })).status).toBe(422);
      });

      it('cumulative stats: one robot with its current job, or the fleet', async () => {
        const one = await api.call('GET', `${V1}/robots-db/jobs/cumulative-stats?robot_id=job_bot`, { token: viewer });
        expect(one.body).toEqual({
          robot_id: 'job_bot',
          cumulative: {
            total_jobs: 3,
            completed_jobs: 1,
            cancelled_jobs: 0,
            failed_jobs: 1,
            active_jobs: 1,
            total_items_done: 10,
            total_items_target: 20,
            total_duration_seconds: 240,
            average_duration_seconds: 120,
            success_rate_percent: 50,
          },
          current_job: expect.objectContaining({ robot_id: 'job_bot', status: 'active', items_done: 3 }),
        });
        const fleet = await api.call('GET', `${V1}/robots-db/jobs/cumulative-stats`, { token: viewer });
        expect(fleet.body).toMatchObject({ robot_id: null, cumulative: { total_jobs: 4 }, current_job: null });
      });

      it('overall stats and database stats count the whole fleet', async () => {
        const overall = await api.call('GET', `${V1}/robots-db/jobs/overall-stats`, { token: viewer });
        expect(overall.body).toEqual({
          total_robots_with_jobs: 2,
          total_jobs: 4,
          active_jobs: 1,
          completed_jobs: 2,
          total_items_done: 11,
          total_items_target: 21,
          total_duration_seconds: 240,
          average_completion_percent: 67.5,
        });
        const stats = await api.call('GET', `${V1}/robots-db/stats`, { token: viewer });
        expect(stats.body).toEqual({
          total_robots: expect.any(Number),
          online_robots: expect.any(Number),
          offline_robots: expect.any(Number),
          total_jobs: 4,
          active_jobs: 1,
          completed_jobs_today: 1,
          open_alerts: 0,
          unacknowledged_alerts: 0,
        });
        expect(stats.body.total_robots).toBe(stats.body.online_robots + stats.body.offline_robots);
      });
    });

    describe('management', () => {
      let client: MqttClient;

      beforeAll(async () => {
        await api.db
          .insertInto('robots')
          .values({
            robot_id: 'config_bot',
            name: 'Config Bot',
            status: 'online',
            settings: JSON.stringify({ capabilities: ['navigation'], behavior: { patrol_mode: false } }),
          })
          .execute();
        client = await robotClient(serverUrl('MQTT_URL') as string, uniqueName('tp-config'));
      });
      afterAll(async () => {
        await client?.endAsync();
      });

      it('robots: registered robots with live status and battery', async () => {
        const response = await api.call('GET', `${V1}/management/robots`, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body.find((r: { robot_id: string }) => r.robot_id === 'config_bot')).toEqual({
          robot_id: 'config_bot',
          name: 'Config Bot',
          type: 'tonypi',
          status: 'online',
          last_seen: null,
          capabilities: ['navigation'],
          battery_level: null,
        });
      });

      it('config: read from the settings, updated by admins, audited and sent to the robot', async () => {
        const before = await api.call('GET', `${V1}/management/robots/config_bot/config`, { token: viewer });
        expect(before.body).toEqual({
          robot_id: 'config_bot',
          capabilities: ['navigation'],
          behavior: { patrol_mode: false },
        });

        const { promise } = await nextMessage(client, `${api.prefix}/tonypi/config/config_bot`);
        const response = await api.call('PUT', `${V1}/management/robots/config_bot/config`, {
          token: admin,
          body: { config_type: 'navigation', config_data: { max_speed: 1.2, obstacle_avoidance: true } },
        });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ message: 'Configuration updated successfully' });
        const message = await promise;
        expect(message.qos).toBe(1);
        expect(JSON.parse(message.payload)).toEqual({
          config_type: 'navigation',
          config_data: { max_speed: 1.2, obstacle_avoidance: true },
          timestamp: expect.any(String),
        });

        const after = await api.call('GET', `${V1}/management/robots/config_bot/config`, { token: viewer });
        expect(after.body).toEqual({
          robot_id: 'config_bot',
          capabilities: ['navigation'],
          behavior: { patrol_mode: false },
          navigation: { max_speed: 1.2, obstacle_avoidance: true },
        });
        const audit = await api.db
          .selectFrom('audit_entries')
          .select(['action', 'actor'])
          .where('entity_id', '=', 'config_bot')
          .execute();
        expect(audit).toEqual([{ action: 'robot.config_update', actor: 'admin' }]);
      });

      it('config of an unknown robot is 404; a body without config_data is 422', async () => {
        const unknown = await api.call('GET', `${V1}/management/robots/nobody/config`, { token: viewer });
        expect(unknown.status).toBe(404);
        expect(typeof unknown.body.detail).toBe('string');
        const bad = await api.call('PUT', `${V1}/management/robots/config_bot/config`, {
          token: admin,
          body: { config_type: 'navigation' },
        });
        expect(bad.status).toBe(422);
      });

      it("commands, emergency stops and scans, once 501, are accepted and counted in today's commands", async () => {
        const today = async () =>
          (await api.call('GET', `${V1}/management/system/status`, { token: viewer })).body.total_commands_today;
        const before = await today();
        const sent = [
          await api.call('POST', `${V1}/management/command`, {
            token: operator,
            body: { command: 'status_request', robot_id: 'config_bot' },
          }),
          await api.call('POST', `${V1}/robot-data/command`, {
            token: operator,
            body: { robot_id: 'config_bot', type: 'head_nod' },
          }),
          await api.call('POST', `${V1}/management/robots/config_bot/emergency-stop`, { token: operator }),
          await api.call('POST', `${V1}/management/robots/config_bot/resume`, { token: operator }),
          await api.call('POST', `${V1}/management/emergency-stop/broadcast`, { token: operator }),
        ];
        expect(sent.map((r) => [r.status, r.body.success])).toEqual(sent.map(() => [200, true]));
        const ids = sent.map((r) => r.body.command_id ?? r.body.command.command_id);
        const stored = await api.db.selectFrom('commands').select('id').where('id', 'in', ids).execute();
        expect(stored).toHaveLength(5);
        expect(await today()).toBe(before + 5);

        const { promise } = await nextMessage(client, `${api.prefix}/tonypi/scan/config_bot`);
        const scan = await api.call('POST', `${V1}/robot-data/trigger-scan`, {
          token: operator,
          body: { robot_id: 'config_bot', qr: 'STATION_B' },
        });
        expect(scan.status).toBe(200);
        expect(JSON.parse((await promise).payload)).toEqual(scan.body.payload);
        expect(await today()).toBe(before + 5);
      });

      it('system status: every service "running" when its check passes, and numbers for resource use', async () => {
        const response = await api.call('GET', `${V1}/management/system/status`, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          system_uptime: expect.any(String),
          active_robots: expect.any(Number),
          total_commands_today: expect.any(Number),
          system_health: 'healthy',
          services: expect.objectContaining({ postgres: 'running', mqtt_broker: 'running', redis: 'running' }),
          resource_usage: {
            cpu_percent: expect.any(Number),
            memory_percent: expect.any(Number),
            disk_usage_percent: expect.any(Number),
          },
        });
        expect(Object.values(response.body.services)).toEqual(
          Object.values(response.body.services).map(() => 'running'),
        );
      });
    });

    it('reports: AI status says no language model is configured, and PDFs are served', async () => {
      const response = await api.call('GET', `${V1}/reports/ai-status`, { token: viewer });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ gemini_available: false, pdf_available: true, message: expect.any(String) });
    });

    it('an unknown user signing in is refused with 401', async () => {
      const response = await api.call('POST', `${V1}/auth/login`, {
        body: { username: 'nobody', password: USER_PASSWORD },
      });
      expect(response.status).toBe(401);
    });
  });
}
