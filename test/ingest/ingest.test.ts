import { connectAsync, type MqttClient } from 'mqtt';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import {
  ROBOT_PAYLOAD_EXAMPLES,
  robotExample,
  TELEMETRY_STREAM,
  type RobotMessageKind,
  type TelemetryEvent,
} from '@fleet/contracts';
import { DATABASE, RobotRepository, type DB } from '@fleet/database';
import {
  EMBEDDED_BROKER,
  EVENT_BUS,
  LIVE_STATE,
  type EmbeddedBroker,
  seriesKey,
  type EventBus,
  type LiveState,
} from '@fleet/messaging';
import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import type { Kysely } from 'kysely';
import { getJson, startApp, type HealthBody, type RunningApp } from '../support/app';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/proxy';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

interface Setup {
  name: string;
  /** Environment for the ingest app; `databaseUrl` is where the test database is. */
  env(databaseUrl: string, bufferDir: string): Record<string, string>;
  /** Broker URL robots connect to, once the app runs. */
  brokerUrl(app: RunningApp): string;
  /** Whether robots and ingest meet on a real broker (each test then gets its own topic prefix). */
  external: boolean;
  target(): { adminUrl: string; name: 'embedded' | 'postgres' };
  dispose?(): Promise<void>;
}

const embedded: Setup = {
  name: 'embedded broker, embedded PostgreSQL (Postgres store), in-memory events and live state',
  env: (databaseUrl, bufferDir) => ({
    DATABASE_URL: databaseUrl,
    INGEST_BUFFER_DIR: bufferDir,
    MQTT_ALLOW_ANONYMOUS: 'true',
  }),
  brokerUrl: (app) => `mqtt://127.0.0.1:${app.app.get<symbol, EmbeddedBroker>(EMBEDDED_BROKER).port}`,
  external: false,
  target: () => embeddedTarget(),
};

const servers = ['DATABASE_URL', 'MQTT_URL', 'REDIS_URL', 'INFLUX_URL'] as const;
const missing = servers.filter((v) => !serverUrl(v));

// Each test gets its own topic prefix on a real broker: a stopped ingest's persistent session stays in the shared
// subscription group, and the broker keeps handing it a share of the messages.
let prefix = '';

function realServers(): Setup {
  const influxDatabase = uniqueName('fleet_ingest');
  return {
    name: 'Mosquitto, PostgreSQL, Redis and InfluxDB',
    env: (databaseUrl, bufferDir) => {
      prefix = uniqueName('ingest');
      return {
        DATABASE_URL: databaseUrl,
        INGEST_BUFFER_DIR: bufferDir,
        MQTT_URL: serverUrl('MQTT_URL') as string,
        MQTT_TOPIC_PREFIX: prefix,
        REDIS_URL: serverUrl('REDIS_URL') as string,
        REDIS_KEY_PREFIX: `${prefix}:`,
        TELEMETRY_STORE: 'influxdb',
        INFLUX_URL: serverUrl('INFLUX_URL') as string,
        INFLUX_DATABASE: influxDatabase,
      };
    },
    brokerUrl: () => serverUrl('MQTT_URL') as string,
    external: true,
    target: () => ({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string }),
    dispose: async () => {
      await fetch(
        new URL(`/query?q=${encodeURIComponent(`DROP DATABASE "${influxDatabase}"`)}`, serverUrl('INFLUX_URL')),
        {
          method: 'POST',
        },
      );
    },
  };
}

const setups: Setup[] = [embedded, ...(missing.length === 0 ? [realServers()] : [])];
if (missing.length > 0) reportMissingServer(missing[0], 'ingest against real servers');

describe.each(setups)('ingest on $name', (setup) => {
  let factory: DatabaseFactory;
  let app: RunningApp;
  let robots: MqttClient[] = [];
  const proxies: TcpProxy[] = [];
  let buffer: { path: string; remove: () => Promise<void> };
  let events: TelemetryEvent[];
  let store: TelemetryStore;
  let live: LiveState;
  let db: Kysely<DB>;

  beforeAll(() => {
    factory = new DatabaseFactory(setup.target());
  });
  afterAll(async () => {
    await factory.dispose();
    await setup.dispose?.();
  });

  /** Starts ingest on a fresh database, where `registered` robots are already registered. */
  async function start(extra: Record<string, string> = {}, registered: string[] = []): Promise<void> {
    const database = await factory.create();
    for (const robotId of registered) await new RobotRepository(database.db).create(robotId);
    buffer = await tempDir('fleet-ingest');
    app = await startApp(IngestModule, 'ingest', { ...setup.env(database.url, buffer.path), ...extra });
    store = app.app.get(TELEMETRY_STORE);
    live = app.app.get(LIVE_STATE);
    db = app.app.get(DATABASE);
    events = [];
    const bus: EventBus = app.app.get(EVENT_BUS);
    const subscription = bus.subscribe<TelemetryEvent>(TELEMETRY_STREAM, uniqueName('test'), 'test', (batch) => {
      events.push(...batch.map((e) => e.data));
      return Promise.resolve();
    });
    await subscription.ready;
  }

  afterEach(async () => {
    for (const robot of robots) await robot.endAsync(true);
    robots = [];
    await app?.close();
    for (const proxy of proxies.splice(0)) await proxy.cut();
    await buffer?.remove();
  });

  async function robot(robotId: string): Promise<MqttClient> {
    const client = await connectAsync(setup.brokerUrl(app), { clientId: robotId, reconnectPeriod: 0 });
    robots.push(client);
    return client;
  }

  async function publish(client: MqttClient, topic: string, payload: unknown, qos: 0 | 1 = 0): Promise<void> {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    await client.publishAsync(`${setup.external ? `${prefix}/` : ''}${topic}`, body, { qos });
  }

  const kinds = Object.keys(ROBOT_PAYLOAD_EXAMPLES) as RobotMessageKind[];
  /** Every measurement the TonyPi topics make besides `servo_data` (one series per servo). */
  const MEASUREMENTS = [
    'sensor_data',
    'robot_status',
    'battery_status',
    'robot_location',
    'vision_data',
    'robot_logs',
    'job_progress',
  ] as const;

  it('takes every TonyPi topic as the client sends it into the store, live state, events and the registry', async () => {
    await start();
    const robotId = uniqueName('tonypi');
    const client = await robot(robotId);
    const at = new Date(Date.now() - 2_000);
    const items = `${setup.external ? `${prefix}/` : ''}tonypi/items/${robotId}`;
    await client.subscribeAsync(items, { qos: 1 });
    const reply = new Promise<Record<string, unknown>>((resolve) =>
      client.on(
        'message',
        (topic, payload) => topic === items && resolve(JSON.parse(payload.toString()) as Record<string, unknown>),
      ),
    );
    for (const kind of kinds) {
      const { topic, payload } = robotExample(kind, { robotId, at });
      await publish(client, topic, payload); // QoS 0, as the stock client publishes
    }

    await eventually(() =>
      expect(
        events
          .filter((e) => e.robotId === robotId)
          .map((e) => e.kind)
          .sort(),
      ).toEqual([...kinds].sort()),
    );
    const servos = await store.latest(robotId, 'servo_data');
    expect(servos).toHaveLength(6);
    expect(servos.find((s) => s.tags.servo_id === '4')).toMatchObject({ fields: { temperature: 63, voltage: 4.97 } });
    const series: string[] = [];
    for (const measurement of [...MEASUREMENTS, 'servo_data'] as const) {
      const latest = await store.latest(robotId, measurement);
      expect(latest.length).toBeGreaterThan(0);
      for (const point of latest) {
        expect({ measurement, time: point.time.getTime() }).toEqual({ measurement, time: Math.floor(at.getTime()) });
        series.push(seriesKey(measurement, point.tags));
      }
    }
    // Live state holds the newest entry of every series the topics make, as the store does.
    const state = await live.get(robotId);
    expect(state?.status).toBe('online');
    expect(Object.keys(state?.entries ?? {}).sort()).toEqual(series.sort());
    expect(state?.entries.battery_status?.fields.percentage).toBe(ROBOT_PAYLOAD_EXAMPLES.battery.percentage);
    expect(state?.entries['sensor_data:accelerometer_z']?.time).toBe(at.toISOString());
    expect(state?.lastSeen).not.toBeNull();
    await expect(live.summary()).resolves.toEqual({
      total: 1,
      online: 1,
      offline: 0,
      other: {},
      batteryAverage: ROBOT_PAYLOAD_EXAMPLES.battery.percentage,
      batteryReporting: 1,
    });
    const row = await db
      .selectFrom('robots')
      .select(['status', 'ip_address', 'camera_url', 'last_seen'])
      .where('robot_id', '=', robotId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'online',
      ip_address: '192.168.149.1',
      camera_url: 'http://192.168.149.1:8081/?action=stream',
    });
    const logs = await db
      .selectFrom('system_logs')
      .select(['category', 'message'])
      .where('robot_id', '=', robotId)
      .execute();
    expect(logs).toEqual([{ category: 'robot', message: 'Robot running normally. Cycle: 300' }]);
    const connections = await db
      .selectFrom('robot_connection_logs')
      .select('event')
      .where('robot_id', '=', robotId)
      .execute();
    expect(connections.map((c) => c.event)).toEqual(['connected']);
    expect(await reply).toMatchObject({ robot_id: robotId, qr: 'STATION_A' });
  });

  it('keeps bad messages of every kind as dead letters, counted by reason, while good ones keep flowing', async () => {
    await start({ INGEST_MAX_MESSAGE_BYTES: '2048' });
    const robotId = uniqueName('tonypi');
    const client = await robot(robotId);
    const good = (n: number) => ({
      robot_id: robotId,
      sensor_type: 'ultrasonic',
      value: n,
      unit: 'cm',
      timestamp: new Date(Date.now() - 10_000 + n).toISOString(),
    });
    const bad: [string, string | Buffer][] = [
      [`tonypi/sensors/${robotId}`, '{"robot_id": "x", "value": 1'],
      [`tonypi/sensors/${robotId}`, '[1, 2, 3]'],
      [`tonypi/sensors/${robotId}`, JSON.stringify({ sensor_type: 'ultrasonic', value: 'far' })],
      [`tonypi/sensors/${robotId}`, JSON.stringify({ ...good(0), robot_id: 'someone_else' })],
      [`tonypi/sensors/${robotId}`, JSON.stringify({ ...good(0), pad: 'x'.repeat(4_000) })],
      [`tonypi/battery`, JSON.stringify({ percentage: 50 })],
      [`tonypi/sensors/${robotId}`, Buffer.from([0xff, 0x00, 0xfe])],
    ];
    for (let i = 0; i < bad.length; i += 1) {
      await publish(client, `tonypi/sensors/${robotId}`, good(i + 1));
      await publish(client, bad[i][0], bad[i][1]);
    }
    await publish(client, `tonypi/sensors/${robotId}`, good(100));

    await eventually(async () => {
      const reasons = await db.selectFrom('dead_letters').select(['reason', 'topic', 'detail']).orderBy('id').execute();
      expect(reasons.map((r) => r.reason)).toEqual([
        'bad_json',
        'not_an_object',
        'schema',
        'robot_mismatch',
        'oversize',
        'missing_robot_id',
        'bad_json',
      ]);
    });
    await eventually(() => expect(events.filter((e) => e.robotId === robotId)).toHaveLength(bad.length + 1));
    const letters = await db
      .selectFrom('dead_letters')
      .select(['reason', 'detail', 'payload_bytes'])
      .orderBy('id')
      .execute();
    expect(letters[2]?.detail).toMatch(/value/);
    expect(letters[4]?.payload_bytes).toBeGreaterThan(4_000);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/fleet_ingest_messages_total\{[^}]*result="rejected"[^}]*reason="schema"[^}]*\} 1/);
    expect(metrics).toMatch(/fleet_ingest_messages_total\{[^}]*result="accepted"[^}]*\} 8/);
  });

  it("with automatic registration off, keeps an unknown robot's messages as dead letters while a registered robot's flow", async () => {
    const known = uniqueName('tonypi');
    const stranger = uniqueName('tonypi');
    await start({ INGEST_AUTO_REGISTER: 'false' }, [known]);
    const reading = (robotId: string, n: number) => ({
      robot_id: robotId,
      sensor_type: 'light',
      value: n,
      unit: 'lux',
      timestamp: new Date(Date.now() - 10_000 + n).toISOString(),
    });
    const registered = await robot(known);
    const unknown = await robot(stranger);
    await publish(unknown, `tonypi/sensors/${stranger}`, reading(stranger, 1));
    await publish(registered, `tonypi/sensors/${known}`, reading(known, 1));
    await publish(unknown, 'tonypi/battery', { robot_id: stranger, percentage: 50 });
    await publish(registered, `tonypi/sensors/${known}`, reading(known, 2));

    await eventually(async () => {
      const letters = await db
        .selectFrom('dead_letters')
        .select(['reason', 'robot_id', 'topic'])
        .orderBy('id')
        .execute();
      expect(letters).toEqual([
        { reason: 'unknown_robot', robot_id: stranger, topic: `tonypi/sensors/${stranger}` },
        { reason: 'unknown_robot', robot_id: stranger, topic: 'tonypi/battery' },
      ]);
    });
    await eventually(() => expect(events.filter((e) => e.robotId === known)).toHaveLength(2));
    expect(events.filter((e) => e.robotId === stranger)).toEqual([]);
    const rows = await db.selectFrom('robots').select('robot_id').execute();
    expect(rows).toEqual([{ robot_id: known }]);
    expect(await live.get(stranger)).toBeNull();
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/fleet_ingest_messages_total\{[^}]*result="rejected"[^}]*reason="unknown_robot"[^}]*\} 2/);

    // Once registered through the API, the robot's messages are taken within about a second, not at the next
    // minute's reload.
    await new RobotRepository(db).create(stranger);
    let n = 2;
    await eventually(
      async () => {
        await publish(unknown, `tonypi/sensors/${stranger}`, reading(stranger, (n += 1)));
        expect(events.filter((e) => e.robotId === stranger).length).toBeGreaterThan(0);
      },
      5_000,
      200,
    );
  });

  it('a topic under tonypi/ that Fleet does not know is refused by the embedded broker, or kept as a dead letter', async () => {
    await start();
    const robotId = uniqueName('tonypi');
    const client = await robot(robotId);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await publish(client, `tonypi/elsewhere/${robotId}`, '{}');
    if (!setup.external) {
      await closed; // the embedded broker closes a robot that publishes outside its topics
      return;
    }
    await eventually(async () => {
      const letters = await db.selectFrom('dead_letters').select(['reason', 'topic']).execute();
      expect(letters).toEqual([{ reason: 'unknown_topic', topic: `tonypi/elsewhere/${robotId}` }]);
    });
  });

  /**
   * Starts ingest with its telemetry store behind a proxy the test can cut: InfluxDB on real servers; else the
   * Postgres store, which shares the database with the entities, so the outage takes both away.
   */
  async function startBehindProxy(extra: Record<string, string> = {}): Promise<TcpProxy> {
    const proxied = setup.external ? serverUrl('INFLUX_URL') : undefined;
    const proxy = TcpProxy.forUrl(proxied ?? setup.target().adminUrl);
    proxies.push(proxy);
    await proxy.start();
    const database = await factory.create();
    const url = proxied ? proxy.rewrite(proxied) : proxy.rewrite(database.url);
    buffer = await tempDir('fleet-ingest');
    const env = { ...setup.env(database.url, buffer.path), ...(proxied ? { INFLUX_URL: url } : { DATABASE_URL: url }) };
    app = await startApp(IngestModule, 'ingest', { ...env, ...extra });
    store = app.app.get(TELEMETRY_STORE);
    db = app.app.get(DATABASE);
    return proxy;
  }

  it('answers a scan written while the buffer is full, and drains the buffer', async () => {
    const proxy = await startBehindProxy({ INGEST_BUFFER_MAX_MB: '1' });
    const robotId = uniqueName('tonypi');
    const client = await robot(robotId);
    const items = `${setup.external ? `${prefix}/` : ''}tonypi/items/${robotId}`;
    await client.subscribeAsync(items, { qos: 1 });
    const reply = new Promise<void>((resolve) => client.on('message', (topic) => topic === items && resolve()));

    // The scan's batch cannot be written; the messages after it fill the buffer, so ingest stops reading.
    await proxy.cut();
    const { topic, payload } = robotExample('scan', { robotId, at: new Date() });
    await publish(client, topic, payload, 1);
    const fillers = 15;
    for (let n = 0; n < fillers; n += 1) {
      await publish(
        client,
        `tonypi/logs/${robotId}`,
        { robot_id: robotId, level: 'INFO', message: 'x'.repeat(100_000) },
        1,
      );
    }
    await eventually(async () => {
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/fleet_ingest_buffer_full_total\{[^}]*\} [1-9]/);
    });
    await proxy.start();

    await reply;
    // Every filler is too long for a log line: each ends as a dead letter once the buffer drains.
    await eventually(async () => {
      const letters = await db.selectFrom('dead_letters').select('id').where('robot_id', '=', robotId).execute();
      expect(letters).toHaveLength(fillers);
    }, 20_000);
  }, 60_000);

  it('rides out a telemetry store outage: health says so, the backlog drains, every point is stored once', async () => {
    const proxy = await startBehindProxy();
    const robotId = uniqueName('tonypi');
    const client = await robot(robotId);
    const base = Date.now() - 60_000;
    const send = async (from: number, to: number) => {
      for (let n = from; n < to; n += 1)
        await publish(
          client,
          `tonypi/sensors/${robotId}`,
          {
            robot_id: robotId,
            sensor_type: 'light',
            value: n,
            unit: 'lux',
            timestamp: new Date(base + n).toISOString(),
          },
          1,
        );
    };
    await send(0, 100);
    await proxy.cut();
    await send(100, 400);
    await eventually(async () => {
      const health = await getJson<HealthBody>(`${app.url}/health/ready`);
      expect(health.status).toBe(503);
      expect(health.body.error.ingest?.message).toMatch(/cannot write to (telemetry|database)/);
    });
    await send(400, 500);
    await proxy.start();
    await eventually(async () => {
      const result = await store.history({
        robotId,
        measurement: 'sensor_data',
        fields: ['value'],
        from: new Date(base - 1),
        to: new Date(base + 1_000),
        everyMs: 3_600_000,
        fn: 'count',
      });
      expect(result.values.value.reduce<number>((sum, n) => sum + (n ?? 0), 0)).toBe(500);
    }, 30_000);
    await eventually(
      async () => expect((await getJson<HealthBody>(`${app.url}/health/ready`)).status).toBe(200),
      15_000,
    );
  }, 90_000);
});
