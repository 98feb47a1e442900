import { sql } from 'kysely';
import { hashRobotSecret, LIVE_STATE, robotSecretMatches, type LiveState } from '@fleet/messaging';
import { TELEMETRY_STORE, type TelemetryPoint, type TelemetryStore } from '@fleet/telemetry';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));
const MINUTE = 60_000;

/**
 * A time `n` minutes before the last whole ten minutes: buckets of 1, 2 and 5 minutes (aligned to the epoch) start
 * there, so where each point falls is known.
 */
function minutesAgo(n: number): Date {
  const tenMinutes = 10 * MINUTE;
  return new Date(Math.floor(Date.now() / tenMinutes) * tenMinutes - n * MINUTE);
}

if (missing.length > 0) {
  reportMissingServer(missing[0], 'robots API');
} else {
  let factory: DatabaseFactory;

  beforeAll(() => {
    factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
  });
  afterAll(async () => {
    await factory.dispose();
  });

  describe('the robots API', () => {
    let api: TestApi;
    let admin: string;
    let viewer: string;

    beforeAll(async () => {
      api = await startApi(factory);
      [admin, viewer] = await Promise.all([api.tokenFor('admin'), api.tokenFor('viewer')]);
    });
    afterAll(async () => {
      await api?.close();
    });

    const create = (robotId: string, fields: Record<string, unknown> = {}) =>
      api.call('POST', '/api/v1/robots', { token: admin, body: { robot_id: robotId, ...fields } });

    async function auditOf(entityId: string) {
      return api.db
        .selectFrom('audit_entries')
        .select(['actor', 'action', 'entity_type', 'before', 'after', 'ip_address', 'request_id'])
        .where('entity_id', '=', entityId)
        .orderBy('id')
        .execute();
    }

    it('an admin registers, reads and changes a robot, and each change is audited with before and after', async () => {
      const created = await create('crud-1', {
        name: 'Crud One',
        location: { x: 1, y: 2 },
        device_type: 'esp32',
        battery_threshold_low: 30,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        robot_id: 'crud-1',
        name: 'Crud One',
        status: 'offline',
        device_type: 'esp32',
        battery_threshold_low: 30,
        battery_threshold_critical: 10,
        location: { x: 1, y: 2 },
        is_active: true,
        offline_timeout_s: null,
      });

      const read = await api.call('GET', '/api/v1/robots/crud-1', { token: viewer });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);

      const changed = await api.call('PATCH', '/api/v1/robots/crud-1', {
        token: admin,
        body: {
          status: 'maintenance',
          description: 'left knee replaced',
          temp_threshold_warning: 60,
          offline_timeout_s: 120,
          settings: { camera: { fps: 15 } },
        },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        name: 'Crud One',
        status: 'maintenance',
        description: 'left knee replaced',
        temp_threshold_warning: 60,
        offline_timeout_s: 120,
        settings: { camera: { fps: 15 } },
      });

      const audit = await auditOf('crud-1');
      expect(audit).toEqual([
        expect.objectContaining({
          actor: 'admin',
          action: 'robot.create',
          entity_type: 'robot',
          before: null,
          after: expect.objectContaining({ robot_id: 'crud-1', name: 'Crud One' }),
          ip_address: expect.any(String),
          request_id: expect.any(String),
        }),
        expect.objectContaining({
          action: 'robot.update',
          before: expect.objectContaining({ status: 'offline', description: null }),
          after: expect.objectContaining({ status: 'maintenance', description: 'left knee replaced' }),
        }),
      ]);
    });

    it('answers 404 for an unknown robot, 409 for a robot id taken, 422 naming each bad field', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/robots/ghost'],
        ['PATCH', '/api/v1/robots/ghost'],
        ['DELETE', '/api/v1/robots/ghost'],
        ['GET', '/api/v1/robots/ghost/state'],
        ['GET', '/api/v1/robots/ghost/telemetry?measurement=battery_status'],
        // Read while the robot is looked up: an unknown robot is a 404 before what else is wrong with the query.
        ['GET', '/api/v1/robots/ghost/telemetry?measurement=robot_logs'],
        ['GET', '/api/v1/robots/ghost/snapshots'],
        ['GET', '/api/v1/robots/ghost/connections'],
        ['GET', '/api/v1/robots/ghost/credentials'],
        ['POST', '/api/v1/robots/ghost/credentials'],
      ] as const) {
        const response = await api.call(method, path, {
          token: admin,
          body: method === 'PATCH' ? { name: 'x' } : undefined,
        });
        expect({ method, path, status: response.status, message: response.body.message }).toEqual({
          method,
          path,
          status: 404,
          message: "robot 'ghost' not found",
        });
      }

      expect((await create('dup-1')).status).toBe(201);
      const again = await create('dup-1', { name: 'other' });
      expect(again.status).toBe(409);
      expect(again.body.message).toBe("robot 'dup-1' already exists");

      const bad = await create('bad/id', { battery_threshold_low: 150, camera_url: 'not a url', extra: 1 });
      expect(bad.status).toBe(422);
      expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(
        ['(root)', 'battery_threshold_low', 'camera_url', 'robot_id'].sort(),
      );

      // Dashboards show the camera in an <img>: only http and https, never javascript: or data:.
      for (const camera_url of ['javascript:alert(document.cookie)', 'data:text/html,<b>x</b>', 'rtsp://cam/1']) {
        const refused = await create('cam-1', { camera_url });
        expect([camera_url, refused.status, refused.body.details]).toEqual([
          camera_url,
          422,
          [{ path: 'camera_url', message: 'must be an http or https URL' }],
        ]);
      }
      const camera = await create('cam-1', { camera_url: 'http://192.168.149.10:8080/?action=stream' });
      expect(camera.status).toBe(201);
      expect(camera.body.camera_url).toBe('http://192.168.149.10:8080/?action=stream');
      const badUpdate = await api.call('PATCH', '/api/v1/robots/cam-1', {
        token: admin,
        body: { camera_url: 'javascript:alert(1)' },
      });
      expect(badUpdate.status).toBe(422);
      expect(badUpdate.body.details).toEqual([{ path: 'camera_url', message: 'must be an http or https URL' }]);
      const cleared = await api.call('PATCH', '/api/v1/robots/cam-1', { token: admin, body: { camera_url: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.camera_url).toBeNull();

      const reserved = await create('broadcast');
      expect(reserved.status).toBe(422);
      expect(reserved.body.details).toEqual([{ path: 'robot_id', message: expect.stringMatching(/reserved/) }]);

      const empty = await api.call('PATCH', '/api/v1/robots/dup-1', { token: admin, body: {} });
      expect(empty.status).toBe(422);

      const inverted = await api.call('PATCH', '/api/v1/robots/dup-1', {
        token: admin,
        body: { battery_threshold_critical: 25 },
      });
      expect(inverted.status).toBe(422);
      expect(inverted.body.details).toEqual([
        { path: 'battery_threshold_critical', message: 'must not be above battery_threshold_low (20)' },
      ]);
    });

    it('lists with filters, search and pagination; a deleted robot leaves the list and can come back', async () => {
      for (const [id, name, status, device] of [
        ['list-alpha', 'Alpha', 'online', 'tonypi'],
        ['list-bravo', 'Bravo', 'offline', 'tonypi'],
        ['list-charlie', 'Charlie', 'online', 'rover'],
      ] as const) {
        expect((await create(id, { name, status, device_type: device })).status).toBe(201);
      }
      const ids = (body: { items: { robot_id: string }[] }) => body.items.map((r) => r.robot_id);

      const page = await api.call('GET', '/api/v1/robots?search=list-&limit=2', { token: viewer });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(ids(page.body)).toEqual(['list-alpha', 'list-bravo']);
      const next = await api.call('GET', '/api/v1/robots?search=list-&limit=2&offset=2', { token: viewer });
      expect(ids(next.body)).toEqual(['list-charlie']);

      const online = await api.call('GET', '/api/v1/robots?search=list-&status=online', { token: viewer });
      expect(ids(online.body)).toEqual(['list-alpha', 'list-charlie']);
      const rovers = await api.call('GET', '/api/v1/robots?device_type=rover', { token: viewer });
      expect(ids(rovers.body)).toEqual(['list-charlie']);
      const byName = await api.call('GET', '/api/v1/robots?search=BRAV', { token: viewer });
      expect(ids(byName.body)).toEqual(['list-bravo']);

      const removed = await api.call('DELETE', '/api/v1/robots/list-bravo', { token: admin });
      expect(removed.status).toBe(204);
      const after = await api.call('GET', '/api/v1/robots?search=list-', { token: viewer });
      expect(ids(after.body)).toEqual(['list-alpha', 'list-charlie']);
      const all = await api.call('GET', '/api/v1/robots?search=list-&include_inactive=true', { token: viewer });
      expect(ids(all.body)).toEqual(['list-alpha', 'list-bravo', 'list-charlie']);
      const gone = await api.call('GET', '/api/v1/robots/list-bravo', { token: viewer });
      expect(gone.body).toMatchObject({ is_active: false, status: 'offline' });
      expect((await api.call('DELETE', '/api/v1/robots/list-bravo', { token: admin })).status).toBe(204);

      const audit = await auditOf('list-bravo');
      expect(audit.map((e) => e.action)).toEqual(['robot.create', 'robot.delete']);
      expect(audit[1]).toMatchObject({ before: { is_active: true }, after: { is_active: false } });

      const back = await api.call('PATCH', '/api/v1/robots/list-bravo', { token: admin, body: { is_active: true } });
      expect(back.body.is_active).toBe(true);
      expect(ids((await api.call('GET', '/api/v1/robots?search=list-', { token: viewer })).body)).toHaveLength(3);

      const tooMany = await api.call('GET', '/api/v1/robots?limit=501', { token: viewer });
      expect(tooMany.status).toBe(422);
    });

    it('a viewer reads but cannot create, change, delete or manage credentials', async () => {
      expect((await create('viewer-owned')).status).toBe(201);
      expect((await api.call('GET', '/api/v1/robots', { token: viewer })).status).toBe(200);
      for (const [method, path, body] of [
        ['POST', '/api/v1/robots', { robot_id: 'by-viewer' }],
        ['PATCH', '/api/v1/robots/viewer-owned', { name: 'mine' }],
        ['DELETE', '/api/v1/robots/viewer-owned', undefined],
        ['GET', '/api/v1/robots/viewer-owned/credentials', undefined],
        ['POST', '/api/v1/robots/viewer-owned/credentials', undefined],
        ['DELETE', '/api/v1/robots/viewer-owned/credentials', undefined],
      ] as const) {
        const response = await api.call(method, path, { token: viewer, body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
      }
      expect((await api.call('GET', '/api/v1/robots/by-viewer', { token: admin })).status).toBe(404);
      expect((await api.call('GET', '/api/v1/robots')).status).toBe(401);
    });

    it('shows the live state ingest keeps: status, battery, system info, servos, sensors, location', async () => {
      expect((await create('live-1', { name: 'Live' })).status).toBe(201);
      const quiet = await api.call('GET', '/api/v1/robots/live-1/state', { token: viewer });
      expect(quiet.status).toBe(200);
      expect(quiet.body).toMatchObject({
        robot_id: 'live-1',
        live: false,
        status: 'offline',
        battery: null,
        servos: [],
        sensors: [],
      });

      const live = api.app.app.get<LiveState>(LIVE_STATE);
      const time = new Date('2026-01-24T10:30:45.123Z');
      await live.apply([
        { robotId: 'live-1', measurement: 'battery_status', fields: { percentage: 82, voltage: 7.9 }, time },
        {
          robotId: 'live-1',
          measurement: 'robot_status',
          fields: { system_cpu_percent: 41.5, system_temperature: 55, status: 'online', emergency_stopped: false },
          time,
        },
        {
          robotId: 'live-1',
          measurement: 'servo_data',
          tags: { servo_id: '10', servo_name: 'right_knee' },
          fields: { position: 400, temperature: 39, voltage: 7.4, torque_enabled: true },
          time,
        },
        {
          robotId: 'live-1',
          measurement: 'servo_data',
          tags: { servo_id: '2', servo_name: 'left_hip' },
          fields: { position: 512, temperature: 41, voltage: 7.5 },
          time,
        },
        {
          robotId: 'live-1',
          measurement: 'sensor_data',
          tags: { sensor_type: 'ultrasonic' },
          fields: { value: 31.2, unit: 'cm' },
          time,
        },
        { robotId: 'live-1', measurement: 'robot_location', fields: { x: 1.5, y: -0.5, z: 0 }, time },
      ]);
      await live.setStatus('live-1', 'online', time);
      await live.touch([{ robotId: 'live-1', at: time }]);

      const state = await api.call('GET', '/api/v1/robots/live-1/state', { token: viewer });
      expect(state.status).toBe(200);
      expect(state.body).toEqual({
        robot_id: 'live-1',
        name: 'Live',
        is_active: true,
        live: true,
        status: 'online',
        status_at: time.toISOString(),
        last_seen: time.toISOString(),
        emergency_stopped: false,
        battery: { time: time.toISOString(), percentage: 82, voltage: 7.9, charging: null },
        system: { time: time.toISOString(), cpu_percent: 41.5, temperature: 55 },
        location: { time: time.toISOString(), x: 1.5, y: -0.5, z: 0 },
        servos: [
          {
            time: time.toISOString(),
            id: '2',
            name: 'left_hip',
            position: 512,
            temperature: 41,
            voltage: 7.5,
          },
          {
            time: time.toISOString(),
            id: '10',
            name: 'right_knee',
            position: 400,
            temperature: 39,
            voltage: 7.4,
            torque_enabled: true,
          },
        ],
        sensors: [{ time: time.toISOString(), sensor_type: 'ultrasonic', value: 31.2, unit: 'cm' }],
        job: null,
        vision: null,
      });
    });

    it('answers telemetry history from the store, bucketed and aggregated, within a checked range', async () => {
      expect((await create('tele-1')).status).toBe(201);
      const store = api.app.app.get<TelemetryStore>(TELEMETRY_STORE);
      const start = minutesAgo(10);
      const at = (minute: number, second: number) => new Date(start.getTime() + minute * MINUTE + second * 1000);
      const battery = (time: Date, percentage: number): TelemetryPoint => ({
        measurement: 'battery_status',
        robotId: 'tele-1',
        fields: { percentage, voltage: 7 + percentage / 100 },
        time,
      });
      await store.write([
        battery(at(0, 5), 90),
        battery(at(0, 35), 88),
        battery(at(1, 10), 86),
        {
          measurement: 'sensor_data',
          robotId: 'tele-1',
          tags: { sensor_type: 'cpu_temperature' },
          fields: { value: 50, unit: 'C' },
          time: at(0, 5),
        },
        {
          measurement: 'sensor_data',
          robotId: 'tele-1',
          tags: { sensor_type: 'ultrasonic' },
          fields: { value: 20, unit: 'cm' },
          time: at(0, 6),
        },
      ]);
      const from = start.toISOString();
      const to = new Date(start.getTime() + 5 * MINUTE).toISOString();

      const max = await api.call(
        'GET',
        `/api/v1/robots/tele-1/telemetry?measurement=battery_status&fields=percentage&from=${from}&to=${to}&every=1m&fn=max`,
        { token: viewer },
      );
      expect(max.status).toBe(200);
      expect(max.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(max.body).toEqual({
        robot_id: 'tele-1',
        measurement: 'battery_status',
        fields: ['percentage'],
        fn: 'max',
        every_ms: MINUTE,
        from,
        to,
        time: [Date.parse(from), at(1, 0).getTime()],
        values: { percentage: [90, 86] },
      });

      const counted = await api.call(
        'GET',
        `/api/v1/robots/tele-1/telemetry?measurement=battery_status&from=${from}&to=${to}&every=5m&fn=count`,
        { token: viewer },
      );
      expect(counted.body.fields).toEqual(['percentage', 'voltage']);
      expect(counted.body).toMatchObject({ time: [Date.parse(from)], values: { percentage: [3], voltage: [3] } });

      const sensor = await api.call(
        'GET',
        `/api/v1/robots/tele-1/telemetry?measurement=sensor_data&sensor_type=ultrasonic&from=${from}&to=${to}`,
        { token: viewer },
      );
      expect(sensor.body.values).toEqual({ value: [20] });

      // The default range is the last hour, which holds these points.
      const recent = await api.call('GET', '/api/v1/robots/tele-1/telemetry?measurement=battery_status&fn=min', {
        token: viewer,
      });
      expect(recent.status).toBe(200);
      expect(Date.parse(recent.body.to) - Date.parse(recent.body.from)).toBe(60 * MINUTE);
      expect(Math.min(...(recent.body.values.percentage as number[]))).toBe(86);

      const long = new Date(Date.parse(to) - 32 * 24 * 60 * MINUTE).toISOString();
      for (const [query, path] of [
        [`measurement=battery_status&from=${to}&to=${from}`, 'from'],
        [`measurement=battery_status&from=${long}&to=${to}`, 'from'],
        ['measurement=battery_stats', 'measurement'],
        ['measurement=battery_status&every=5x', 'every'],
        ['measurement=battery_status&every=1s&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z', 'every'],
        ['measurement=battery_status&fn=median', 'fn'],
        ['measurement=battery_status&fields=bad%20name', 'fields.0'],
        ['measurement=battery_status&from=yesterday', 'from'],
        ['measurement=robot_logs', 'fields'],
      ] as const) {
        const response = await api.call('GET', `/api/v1/robots/tele-1/telemetry?${query}`, { token: viewer });
        expect({
          query,
          status: response.status,
          paths: response.body.details?.map((d: { path: string }) => d.path),
        }).toEqual({ query, status: 422, paths: [path] });
      }
    });

    it('answers state snapshots: the robot_status history of its system information', async () => {
      expect((await create('snap-1')).status).toBe(201);
      const store = api.app.app.get<TelemetryStore>(TELEMETRY_STORE);
      const start = minutesAgo(20);
      const status = (minute: number, cpu: number, memory: number): TelemetryPoint => ({
        measurement: 'robot_status',
        robotId: 'snap-1',
        fields: { system_cpu_percent: cpu, system_memory_percent: memory, status: 'online', emergency_stopped: false },
        time: new Date(start.getTime() + minute * MINUTE + 1000),
      });
      await store.write([status(0, 10, 40), status(0.5, 20, 41), status(1, 30, 42)]);
      const from = start.toISOString();
      const to = new Date(start.getTime() + 2 * MINUTE).toISOString();

      const snapshots = await api.call('GET', `/api/v1/robots/snap-1/snapshots?from=${from}&to=${to}&every=1m`, {
        token: viewer,
      });
      expect(snapshots.status).toBe(200);
      expect(snapshots.body).toMatchObject({
        robot_id: 'snap-1',
        measurement: 'robot_status',
        fields: ['system_cpu_percent', 'system_memory_percent'],
        fn: 'last',
        every_ms: MINUTE,
        time: [Date.parse(from), start.getTime() + MINUTE],
        values: { system_cpu_percent: [20, 30], system_memory_percent: [41, 42] },
      });

      const mean = await api.call(
        'GET',
        `/api/v1/robots/snap-1/snapshots?from=${from}&to=${to}&every=2m&fn=mean&fields=system_cpu_percent`,
        { token: viewer },
      );
      expect(mean.body).toMatchObject({ time: [Date.parse(from)], values: { system_cpu_percent: [20] } });
    });

    it('answers the connection history, newest first, by range and page', async () => {
      expect((await create('conn-1')).status).toBe(201);
      const base = new Date('2026-02-01T08:00:00Z').getTime();
      await api.db
        .insertInto('robot_connection_logs')
        .values(
          (['connected', 'timeout', 'connected', 'disconnected'] as const).map((event, i) => ({
            robot_id: 'conn-1',
            event,
            timestamp: new Date(base + i * MINUTE),
            details: JSON.stringify({ n: i }),
          })),
        )
        .execute();
      await api.db
        .insertInto('robot_connection_logs')
        .values({ robot_id: 'other', event: 'connected', timestamp: new Date(base) })
        .execute();

      const page = await api.call('GET', '/api/v1/robots/conn-1/connections?limit=3', { token: viewer });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ total: 4, limit: 3, offset: 0 });
      expect(page.body.items.map((e: { event: string }) => e.event)).toEqual(['disconnected', 'connected', 'timeout']);
      expect(page.body.items[0]).toMatchObject({
        robot_id: 'conn-1',
        timestamp: new Date(base + 3 * MINUTE).toISOString(),
        details: { n: 3 },
      });

      const from = new Date(base + MINUTE).toISOString();
      const to = new Date(base + 3 * MINUTE).toISOString();
      const ranged = await api.call('GET', `/api/v1/robots/conn-1/connections?from=${from}&to=${to}`, {
        token: viewer,
      });
      expect(ranged.body.items.map((e: { details: { n: number } }) => e.details.n)).toEqual([2, 1]);

      const inverted = await api.call('GET', `/api/v1/robots/conn-1/connections?from=${to}&to=${from}`, {
        token: viewer,
      });
      expect(inverted.status).toBe(422);
    });

    it('issues an MQTT password once, keeps only its hash, rotates and revokes it, audited without the secret', async () => {
      expect((await create('cred-1')).status).toBe(201);
      const empty = await api.call('GET', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(empty.body).toEqual({ items: [] });

      const issued = await api.call('POST', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(issued.status).toBe(201);
      expect(issued.headers.get('cache-control')).toBe('no-store');
      expect(issued.body).toMatchObject({
        robot_id: 'cred-1',
        username: 'cred-1',
        active: true,
        created_by: 'admin',
        replaced: false,
        password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const password = issued.body.password as string;
      const stored = await api.db
        .selectFrom('robot_credentials')
        .select('secret_hash')
        .where('username', '=', 'cred-1')
        .executeTakeFirstOrThrow();
      expect(stored.secret_hash).toBe(hashRobotSecret(password));
      expect(stored.secret_hash).not.toContain(password);

      const listed = await api.call('GET', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(listed.body.items).toEqual([
        expect.objectContaining({ username: 'cred-1', active: true, revoked_at: null, last_used_at: null }),
      ]);
      expect(JSON.stringify(listed.body)).not.toMatch(/password|secret|sha256/);

      const rotated = await api.call('POST', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(rotated.body).toMatchObject({ replaced: true, active: true });
      expect(rotated.body.password).not.toBe(password);
      const replacedHash = await api.db
        .selectFrom('robot_credentials')
        .select('secret_hash')
        .where('username', '=', 'cred-1')
        .executeTakeFirstOrThrow();
      expect(robotSecretMatches(password, replacedHash.secret_hash)).toBe(false);
      expect(robotSecretMatches(rotated.body.password as string, replacedHash.secret_hash)).toBe(true);

      expect((await api.call('DELETE', '/api/v1/robots/cred-1/credentials', { token: admin })).status).toBe(204);
      const revoked = await api.call('GET', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(revoked.body.items).toEqual([expect.objectContaining({ active: false, revoked_at: expect.any(String) })]);
      const again = await api.call('DELETE', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(again.status).toBe(404);

      const audit = await auditOf('cred-1');
      expect(audit.filter((e) => e.entity_type === 'robot_credential').map((e) => [e.actor, e.action])).toEqual([
        ['admin', 'robot_credential.issue'],
        ['admin', 'robot_credential.rotate'],
        ['admin', 'robot_credential.revoke'],
      ]);
      // Where each change came from, as for every change made over the API.
      for (const entry of audit)
        expect(entry).toMatchObject({ ip_address: '127.0.0.1', request_id: expect.any(String) });
      const trail = JSON.stringify(audit);
      expect(trail).not.toContain(password);
      expect(trail).not.toContain(rotated.body.password as string);
      expect(trail).not.toContain('sha256');

      expect((await api.call('DELETE', '/api/v1/robots/cred-1', { token: admin })).status).toBe(204);
      const deleted = await api.call('POST', '/api/v1/robots/cred-1/credentials', { token: admin });
      expect(deleted.status).toBe(409);
    });
    it('documents its routes, inputs and answers in the OpenAPI document', async () => {
      const { body: doc } = await api.call('GET', '/api/docs/openapi.json');
      const telemetry = doc.paths['/api/v1/robots/{robotId}/telemetry'].get;
      expect(telemetry.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['robotId', 'measurement', 'fields', 'from', 'to', 'every', 'fn']),
      );
      expect(telemetry.responses['200'].content['application/json'].schema.properties.values).toBeDefined();
      expect(doc.paths['/api/v1/robots/{robotId}/state'].get.responses['200']).toBeDefined();
      expect(doc.paths['/api/v1/robots/{robotId}/credentials'].post.responses['201']).toBeDefined();
      expect(doc.paths['/api/v1/fleet/summary'].get.responses['200']).toBeDefined();
      expect(doc.paths['/api/v1/robots'].post.requestBody).toBeDefined();
    });
  });

  describe('the fleet summary', () => {
    let api: TestApi;
    let viewer: string;

    beforeAll(async () => {
      api = await startApi(factory);
      viewer = await api.tokenFor('viewer');
    });
    afterAll(async () => {
      await api?.close();
    });

    it('counts robots, active jobs, open alerts by severity and the battery average', async () => {
      const admin = await api.tokenFor('admin');
      for (const [robotId, status] of [
        ['sum-1', 'online'],
        ['sum-2', 'offline'],
        ['sum-3', 'maintenance'],
        ['sum-4', 'online'],
      ] as const) {
        const created = await api.call('POST', '/api/v1/robots', { token: admin, body: { robot_id: robotId, status } });
        expect(created.status).toBe(201);
      }
      expect((await api.call('DELETE', '/api/v1/robots/sum-4', { token: admin })).status).toBe(204);
      const now = new Date();
      await api.db
        .insertInto('jobs')
        .values([
          { robot_id: 'sum-1', start_time: now, status: 'active' },
          { robot_id: 'sum-2', start_time: now, status: 'active' },
          { robot_id: 'sum-2', start_time: now, status: 'completed' },
        ])
        .execute();
      // TonyPi left `resolved` nullable: NULL is open too.
      const alert = (severity: string, resolved: boolean | null) => ({
        robot_id: 'sum-1',
        alert_type: `t-${severity}-${String(resolved)}`,
        severity,
        title: 'x',
        message: 'x',
        resolved: resolved ?? sql<boolean>`NULL`,
      });
      await api.db
        .insertInto('alerts')
        .values([
          alert('critical', false),
          alert('warning', null),
          alert('warning', false),
          alert('info', true),
          alert('critical', true),
        ])
        .execute();

      // Nothing live yet: the registry's statuses, without the deleted robot.
      const registry = await api.call('GET', '/api/v1/fleet/summary', { token: viewer });
      expect(registry.status).toBe(200);
      expect(registry.body).toEqual({
        robots: { total: 3, online: 1, offline: 1, other: { maintenance: 1 }, source: 'registry' },
        active_jobs: 2,
        open_alerts: { total: 3, critical: 1, warning: 2, info: 0 },
        battery: { average: null, reporting: 0 },
        generated_at: expect.any(String),
      });

      const live = api.app.app.get<LiveState>(LIVE_STATE);
      await live.setStatus('sum-1', 'online', now);
      await live.setStatus('sum-2', 'emergency_stopped', now);
      await live.apply([
        { robotId: 'sum-1', measurement: 'battery_status', fields: { percentage: 80 }, time: now },
        { robotId: 'sum-2', measurement: 'battery_status', fields: { percentage: 60 }, time: now },
      ]);
      const fromLive = await api.call('GET', '/api/v1/fleet/summary', { token: viewer });
      expect(fromLive.body).toMatchObject({
        robots: { total: 2, online: 1, offline: 0, other: { emergency_stopped: 1 }, source: 'live' },
        battery: { average: 70, reporting: 2 },
      });
    });
  });
}
