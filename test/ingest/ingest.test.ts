import { connectAsync, type MqttClient } from 'mqtt';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import {
  ROBOT_PAYLOAD_EXAMPLES,
  robotExample,
  TELEMETRY_STREAM,
  type RobotMessageKind,
  type TelemetryEvent,
} from '@fleet/contracts';
import { DATABASE, type DB } from '@fleet/database';
import {
  EMBEDDED_BROKER,
  EVENT_BUS,
  LIVE_STATE,
  type EmbeddedBroker,
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

  async function start(extra: Record<string, string> = {}): Promise<void> {
    const database = await factory.create();
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
    for (const measurement of [
      'sensor_data',
      'robot_status',
      'battery_status',
      'robot_location',
      'vision_data',
      'robot_logs',
      'job_progress',
    ] as const) {
      const [latest] = await store.latest(robotId, measurement);
      expect({ measurement, time: latest?.time.getTime() }).toEqual({ measurement, time: Math.floor(at.getTime()) });
    }
    const state = await live.get(robotId);
    expect(state?.status).toBe('online');
    expect(Object.keys(state?.entries ?? {})).toEqual(
      expect.arrayContaining(['battery_status', 'robot_location', 'robot_status']),
    );
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

  it('rides out a telemetry store outage: health says so, the backlog drains, every point is stored once', async () => {
    const proxied = setup.external ? serverUrl('INFLUX_URL') : undefined;
    // The Postgres store shares the database with the entities: the outage takes both away.
    const proxy = TcpProxy.forUrl(proxied ?? setup.target().adminUrl);
    proxies.push(proxy);
    await proxy.start();
    const database = await factory.create();
    const url = proxied ? proxy.rewrite(proxied) : proxy.rewrite(database.url);
    buffer = await tempDir('fleet-ingest');
    const env = { ...setup.env(database.url, buffer.path), ...(proxied ? { INFLUX_URL: url } : { DATABASE_URL: url }) };
    app = await startApp(IngestModule, 'ingest', env);
    store = app.app.get(TELEMETRY_STORE);
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
      expect(result.buckets.reduce((sum, b) => sum + (b.values.value ?? 0), 0)).toBe(500);
    }, 30_000);
    await eventually(
      async () => expect((await getJson<HealthBody>(`${app.url}/health/ready`)).status).toBe(200),
      15_000,
    );
  }, 90_000);
});
