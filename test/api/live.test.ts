import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { MAX_UNAUTHENTICATED } from '@apps/api/src/live/live.gateway';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import {
  ALERT_STREAM,
  LIVE_PATH,
  robotExample,
  TELEMETRY_STREAM,
  type AlertEvent,
  type TelemetryEvent,
} from '@fleet/contracts';
import {
  EMBEDDED_BROKER,
  EVENT_BUS,
  RedisConnection,
  RedisEventBus,
  type EmbeddedBroker,
  type EventBus,
} from '@fleet/messaging';
import { MetricsService } from '@fleet/platform';
import { ADMIN_PASSWORD, API_SERVERS, startApi, type TestApi } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/logs';
import { robotClient } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

type Message = Record<string, any>;

/** A live WebSocket client that keeps every message it receives, for a test to wait on. */
class LiveClient {
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as Message);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
  }

  static async open(url: string): Promise<LiveClient> {
    const ws = new WebSocket(url);
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (received already or still to come) that `matches`. */
  next(matches: (message: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.messages.find(matches);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(look);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(look);
        reject(new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.add(look);
      look();
    });
  }

  updates(robotId?: string): Message[] {
    return this.messages.filter((m) => m.type === 'update' && (robotId === undefined || m.robot_id === robotId));
  }

  async subscribe(robots: string[] | '*', channels?: string[]): Promise<void> {
    const before = this.messages.length;
    this.send({ type: 'subscribe', robots, ...(channels && { channels }) });
    await this.next((m) => m.type === 'subscribed' && this.messages.indexOf(m) >= before);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status a WebSocket upgrade is refused with, or 101 when it is accepted. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('error', reject);
  });
}

function liveUrl(api: TestApi, token?: string): string {
  return `${api.app.url.replace(/^http/, 'ws')}${LIVE_PATH}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

async function signedIn(api: TestApi, role: 'viewer' | 'operator' | 'admin' = 'viewer'): Promise<LiveClient> {
  const client = await LiveClient.open(liveUrl(api, await api.tokenFor(role)));
  await client.next((m) => m.type === 'authenticated');
  return client;
}

/** A telemetry event as ingest publishes it for an accepted robot message. */
function telemetryEvent(robotId: string, kind: string, data: Record<string, unknown>): TelemetryEvent {
  const now = new Date().toISOString();
  return { messageKey: uniqueName('key'), robotId, kind, time: now, receivedAt: now, clock: 'ok', data };
}

function alertEvent(robotId: string, id: number, event: AlertEvent['event']): AlertEvent {
  const now = new Date().toISOString();
  return {
    event,
    at: now,
    actor: null,
    alert: {
      id,
      robot_id: robotId,
      alert_type: 'battery',
      severity: 'warning',
      title: 'Low battery',
      message: 'battery at 18%',
      source: 'battery',
      value: 18,
      threshold: 20,
      details: null,
      acknowledged: false,
      acknowledged_by: null,
      acknowledged_at: null,
      resolved: false,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      resolution_note: null,
      created_at: now,
      updated_at: null,
    },
  };
}

async function counterValue(app: RunningApp, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = app.app.get(MetricsService).registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([label, value]) => v.labels[label] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'live updates');
} else {
  let factory: DatabaseFactory;

  beforeAll(() => {
    factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
  });
  afterAll(async () => {
    await factory.dispose();
  });

  describe('live updates over WebSocket', () => {
    let api: TestApi;
    let bus: EventBus;
    const clients: LiveClient[] = [];
    const open = async (role?: 'viewer' | 'operator' | 'admin') => {
      const client = await signedIn(api, role);
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      api = await startApi(factory, { WS_MAX_UPDATES_PER_S: '5' });
      bus = api.app.app.get(EVENT_BUS);
    });
    afterAll(async () => {
      await api.close();
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });

    describe('a robot publishing over MQTT, through ingest', () => {
      let ingest: RunningApp;
      let buffer: Awaited<ReturnType<typeof tempDir>>;
      let robot: MqttClient | undefined;

      beforeAll(async () => {
        buffer = await tempDir('fleet-live');
        ingest = await startApp(IngestModule, 'ingest', {
          DATABASE_URL: api.database.url,
          MQTT_URL: serverUrl('MQTT_URL') as string,
          MQTT_TOPIC_PREFIX: api.prefix,
          REDIS_URL: serverUrl('REDIS_URL') as string,
          REDIS_KEY_PREFIX: `${api.prefix}:`,
          INGEST_BUFFER_DIR: buffer.path,
        });
        // Ingest subscribes once connected; a QoS 0 message published before then would go nowhere.
        await eventually(() => {
          if (!ingest.logs.lines().some((l) => l.msg === 'subscribed to robot topics')) {
            throw new Error('ingest has not subscribed to robot topics yet');
          }
        });
      });
      afterAll(async () => {
        await robot?.endAsync(true);
        await ingest.close();
        await buffer.remove();
      });

      it("a subscribed client sees the robot's message arrive", async () => {
        const client = await open();
        const robotId = uniqueName('tonypi');
        await client.subscribe([robotId], ['telemetry']);

        robot = await robotClient(serverUrl('MQTT_URL') as string, robotId);
        const { topic, payload } = robotExample('battery', { robotId, at: new Date() });
        await robot.publishAsync(`${api.prefix}/${topic}`, JSON.stringify({ ...payload, percentage: 42.5 }));

        const update = await client.next((m) => m.type === 'update' && m.robot_id === robotId);
        expect(update).toMatchObject({
          type: 'update',
          channel: 'telemetry',
          robot_id: robotId,
          kind: 'battery',
          data: { percentage: 42.5 },
          time: expect.any(String),
        });
      });
    });

    it('without a valid token the connection is closed with 4401 and the reason', async () => {
      const silent = await LiveClient.open(liveUrl(api));
      silent.send({ type: 'subscribe', robots: '*' });
      expect(await silent.closed).toEqual({ code: 4401, reason: expect.stringMatching(/authenticate first/) });

      const forged = await LiveClient.open(liveUrl(api, 'not-a-jwt'));
      expect(await forged.closed).toEqual({ code: 4401, reason: 'invalid access token' });

      const badFirstMessage = await LiveClient.open(liveUrl(api));
      badFirstMessage.send({ type: 'auth', token: 'a.b.c' });
      expect((await badFirstMessage.closed).code).toBe(4401);

      // Nothing said at all: the server stops waiting after 5 s.
      const mute = await LiveClient.open(liveUrl(api));
      expect(await mute.closed).toEqual({ code: 4401, reason: expect.stringMatching(/no access token/) });
    });

    it('the token of a login that has ended (signed out) is refused', async () => {
      const login = await api.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      await api.call('POST', '/api/v1/auth/logout', {
        token: login.body.access_token,
        body: { refresh_token: login.body.refresh_token },
      });
      const ended = await LiveClient.open(liveUrl(api, login.body.access_token));
      expect(await ended.closed).toEqual({ code: 4401, reason: expect.stringMatching(/login has ended/) });
    });

    it('a token sent as the first message signs in, and any role may subscribe', async () => {
      const client = await LiveClient.open(liveUrl(api));
      clients.push(client);
      client.send({ type: 'auth', token: await api.tokenFor('viewer') });
      const authenticated = await client.next((m) => m.type === 'authenticated');
      expect(authenticated).toMatchObject({ role: 'viewer', expires_at: expect.any(String) });
      await client.subscribe('*', ['alerts']);
    });

    it("a client following one robot gets none of another's updates, nor channels it did not ask for", async () => {
      const client = await open();
      const mine = uniqueName('tonypi');
      const other = uniqueName('tonypi');
      await client.subscribe([mine], ['telemetry']);

      await bus.publish(TELEMETRY_STREAM, [
        telemetryEvent(other, 'battery', { percentage: 50 }),
        telemetryEvent(mine, 'status', { status: 'online' }),
        telemetryEvent(mine, 'battery', { percentage: 60 }),
      ]);
      await client.next((m) => m.type === 'update' && m.robot_id === mine && m.kind === 'battery');
      // Events reach clients in publishing order: anything unwanted would have come first.
      expect(client.updates().map((m) => [m.robot_id, m.kind])).toEqual([[mine, 'battery']]);

      // Status messages are on their own channel.
      await client.subscribe([mine], ['status']);
      await bus.publish(TELEMETRY_STREAM, [telemetryEvent(mine, 'status', { status: 'online' })]);
      const status = await client.next((m) => m.type === 'update' && m.channel === 'status');
      expect(status).toMatchObject({ robot_id: mine, kind: 'status', data: { status: 'online' } });
    });

    it('a burst of 50 updates within a second reaches a client as at most WS_MAX_UPDATES_PER_S + 1, the latest last', async () => {
      const client = await open();
      const robotId = uniqueName('tonypi');
      await client.subscribe([robotId], ['telemetry']);

      const started = Date.now();
      for (let percentage = 1; percentage <= 50; percentage++) {
        await bus.publish(TELEMETRY_STREAM, [telemetryEvent(robotId, 'battery', { percentage })]);
      }
      expect(Date.now() - started).toBeLessThan(1_000);

      await client.next((m) => m.type === 'update' && m.data.percentage === 50);
      const received = client.updates(robotId).map((m) => m.data.percentage as number);
      expect(received.length).toBeLessThanOrEqual(5 + 1);
      expect(received[0]).toBe(1);
      expect(received.at(-1)).toBe(50);
    });

    it('every alert event is delivered, however many come at once', async () => {
      const client = await open();
      const robotId = uniqueName('tonypi');
      await client.subscribe([robotId], ['alerts']);

      const events = Array.from({ length: 20 }, (_, i) =>
        alertEvent(robotId, 1000 + i, i % 2 === 0 ? 'opened' : 'acknowledged'),
      );
      await bus.publish(ALERT_STREAM, events);
      await client.next((m) => m.type === 'update' && m.data.alert?.id === 1019);
      expect(client.updates(robotId).map((m) => [m.channel, m.kind, m.data.alert.id])).toEqual(
        events.map((e) => ['alerts', e.event, e.alert.id]),
      );
    });

    it('a bad message is answered with an error and the connection stays; many close it', async () => {
      const client = await open();
      client.send({ type: 'subscribe', robots: ['no/slashes'], channels: ['telemetry'] });
      const error = await client.next((m) => m.type === 'error');
      expect(error.message).toMatch(/robots/);
      client.send({ type: 'ping' });
      await client.next((m) => m.type === 'pong');

      for (let i = 0; i < 10; i++) client.ws.send('not json');
      expect(await client.closed).toEqual({ code: 1008, reason: 'too many invalid messages' });
    });

    it('unsubscribing stops the updates', async () => {
      const client = await open();
      const robotId = uniqueName('tonypi');
      await client.subscribe([robotId], ['telemetry']);
      client.send({ type: 'unsubscribe', robots: [robotId], channels: ['telemetry'] });
      await client.next((m) => m.type === 'unsubscribed');
      const marker = uniqueName('tonypi');
      await client.subscribe([marker], ['telemetry']);

      await bus.publish(TELEMETRY_STREAM, [
        telemetryEvent(robotId, 'battery', { percentage: 1 }),
        telemetryEvent(marker, 'battery', { percentage: 2 }),
      ]);
      await client.next((m) => m.type === 'update' && m.robot_id === marker);
      expect(client.updates(robotId)).toEqual([]);
    });

    it('other upgrade paths are refused', async () => {
      const ws = new WebSocket(`${api.app.url.replace(/^http/, 'ws')}/api/v1/elsewhere`);
      const status = await new Promise<number | undefined>((resolve) => {
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode));
        ws.on('error', () => resolve(undefined));
      });
      expect(status).toBe(404);
    });
  });

  describe('updates held back by the rate, and clients that have not signed in', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startApi(factory, { WS_MAX_UPDATES_PER_S: '1' });
    });
    afterAll(async () => {
      await api.close();
    });

    it('an update held back for a robot the client then stops following is never sent', async () => {
      const client = await signedIn(api);
      const robotId = uniqueName('tonypi');
      const marker = uniqueName('tonypi');
      await client.subscribe([robotId, marker], ['telemetry']);
      const bus: EventBus = api.app.app.get(EVENT_BUS);
      const battery = (robot: string, percentage: number) => telemetryEvent(robot, 'battery', { percentage });

      // One batch: the first goes out at once, the second waits for the end of the 1 s interval.
      await bus.publish(TELEMETRY_STREAM, [battery(robotId, 1), battery(robotId, 2)]);
      await client.next((m) => m.type === 'update' && m.robot_id === robotId);
      client.send({ type: 'unsubscribe', robots: [robotId], channels: ['telemetry'] });
      await client.next((m) => m.type === 'unsubscribed');

      // The marker's second update waits for an interval that ends after the robot's: once it is here, the robot's
      // held-back update would have come before it.
      await bus.publish(TELEMETRY_STREAM, [battery(marker, 10), battery(marker, 11)]);
      await client.next((m) => m.type === 'update' && m.robot_id === marker && m.data.percentage === 11);
      expect(client.updates(robotId).map((m) => m.data.percentage)).toEqual([1]);
      client.close();
    });

    it(`refuses connections with 503 while ${MAX_UNAUTHENTICATED} are waiting to sign in`, async () => {
      const token = await api.tokenFor('viewer');
      const waiting = await Promise.all(
        Array.from({ length: MAX_UNAUTHENTICATED }, () => LiveClient.open(liveUrl(api))),
      );
      try {
        expect(await upgradeStatus(liveUrl(api))).toBe(503);
        expect(await upgradeStatus(liveUrl(api, token))).toBe(503);

        // One signs in: that makes room for one more.
        waiting[0]?.send({ type: 'auth', token });
        await waiting[0]?.next((m) => m.type === 'authenticated');
        const one = await LiveClient.open(liveUrl(api));
        waiting.push(one);
        expect(await upgradeStatus(liveUrl(api))).toBe(503);

        // One goes: room for one more again.
        const gone = waiting[1];
        gone?.close();
        await gone?.closed;
        await eventually(async () => expect(await upgradeStatus(liveUrl(api))).toBe(101));
      } finally {
        for (const client of waiting) client.close();
      }
    });
  });

  describe('an API replica started again under the same instance id', () => {
    it('pushes what happens from then on, not what was published while it was down', async () => {
      const prefix = `${uniqueName('live')}:`;
      const env = { FLEET_INSTANCE_ID: uniqueName('replica'), REDIS_KEY_PREFIX: prefix };
      const robotId = uniqueName('tonypi');
      const battery = (percentage: number) => telemetryEvent(robotId, 'battery', { percentage });
      const redis = new RedisConnection(serverUrl('REDIS_URL') as string, prefix, captureLogs().logger);
      try {
        const first = await startApi(factory, env);
        try {
          const client = await signedIn(first);
          await client.subscribe([robotId], ['telemetry']);
          await first.app.app.get<EventBus>(EVENT_BUS).publish(TELEMETRY_STREAM, [battery(1)]);
          await client.next((m) => m.type === 'update' && m.robot_id === robotId);
          client.close();
        } finally {
          await first.close();
        }

        // While the replica is down, the other services go on publishing.
        const others = new RedisEventBus({ redis, maxLength: 1_000, logger: captureLogs().logger });
        await others.publish(TELEMETRY_STREAM, [battery(2), battery(3)]);
        await others.close();

        const second = await startApi(factory, env);
        try {
          const client = await signedIn(second);
          await client.subscribe([robotId], ['telemetry']);
          await second.app.app.get<EventBus>(EVENT_BUS).publish(TELEMETRY_STREAM, [battery(4)]);
          await client.next((m) => m.type === 'update' && m.robot_id === robotId && m.data.percentage === 4);
          expect(client.updates(robotId).map((m) => m.data.percentage)).toEqual([4]);
          // Nothing of the backlog was read, not even before the client came.
          const pushed = { stream: TELEMETRY_STREAM, result: 'pushed' };
          expect(await counterValue(second.app, 'fleet_live_events_total', pushed)).toBe(1);
          client.close();
        } finally {
          await second.close();
        }
      } finally {
        const keys = await redis.client.keys(`${prefix}*`);
        if (keys.length > 0) await redis.client.del(...keys);
        await redis.close();
      }
    });
  });

  describe('a client that does not keep up', () => {
    let api: TestApi;

    beforeAll(async () => {
      // Events in memory: the flood stays inside this process.
      api = await startApi(factory, {
        REDIS_URL: '',
        EVENTS_MAX_LENGTH: '1000',
        WS_MAX_BUFFER_KB: '16',
        WS_MAX_UPDATES_PER_S: '1000',
      });
    });
    afterAll(async () => {
      await api.close();
    });

    it('is closed with 4008 instead of being buffered for', async () => {
      const client = await signedIn(api);
      await client.subscribe('*', ['telemetry']);
      // It stops reading: what the server sends piles up in the socket buffers, then in the server.
      client.ws.pause();

      const bus: EventBus = api.app.app.get(EVENT_BUS);
      const blob = 'x'.repeat(32 * 1024);
      let published = 0;
      while ((await counterValue(api.app, 'fleet_live_dropped_slow_total')) === 0) {
        if (published >= 5_000) throw new Error('the slow client was never dropped');
        await bus.publish(TELEMETRY_STREAM, [telemetryEvent(`robot_${published}`, 'vision', { blob })]);
        published += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }

      client.ws.resume();
      expect(await client.closed).toEqual({ code: 4008, reason: expect.stringMatching(/too slow/) });
      await eventually(async () => expect(await counterValue(api.app, 'fleet_live_clients')).toBe(0));
    });
  });

  describe('shutting down', () => {
    it('closes every live client with 1001', async () => {
      const api = await startApi(factory);
      const client = await signedIn(api);
      await client.subscribe('*');
      await api.close();
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    });
  });

  describe('browsers on the embedded MQTT broker', () => {
    let api: TestApi;
    let broker: EmbeddedBroker;
    const mqttClients: MqttClient[] = [];

    /**
     * A browser as mqtt.js connects one: MQTT over WebSocket, the access token as password, a client id of its own
     * starting with `web-`, a clean session.
     */
    const browser = async (password: string, options: IClientOptions = {}) => {
      const client = await connectAsync(`ws://127.0.0.1:${broker.wsPort}`, {
        clientId: `web-${uniqueName('browser')}`,
        username: 'token',
        password,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...options,
      });
      mqttClients.push(client);
      return client;
    };

    beforeAll(async () => {
      // Without MQTT_URL the API runs its own broker, on free ports.
      api = await startApi(factory, { MQTT_URL: '', MQTT_ALLOW_ANONYMOUS: 'true' });
      broker = api.app.app.get(EMBEDDED_BROKER);
    });
    afterAll(async () => {
      for (const client of mqttClients.splice(0)) await client.endAsync(true);
      await api.close();
    });

    it('read robot topics with an access token, and may not publish', async () => {
      const robotId = uniqueName('tonypi');
      const robots = `${api.prefix}/tonypi/#`;
      const reader = await browser(await api.tokenFor('viewer'));
      const witness = await browser(await api.tokenFor('admin'));
      const received: { client: string; topic: string; payload: string; qos: number }[] = [];
      for (const [name, client] of [
        ['reader', reader],
        ['witness', witness],
      ] as const) {
        client.on('message', (topic, payload, packet) =>
          received.push({ client: name, topic, payload: payload.toString(), qos: packet.qos }),
        );
        // Browsers get QoS 0 whatever they ask for: the broker holds nothing back waiting for their acknowledgement.
        const granted = await client.subscribeAsync(robots, { qos: 1 });
        expect(granted[0]?.qos).toBe(0);
      }
      // Only robot topics, and never a shared subscription that would take messages from Fleet's services.
      await expect(reader.subscribeAsync('#')).rejects.toThrow(/Subscribe error/);
      await expect(reader.subscribeAsync(`$share/g/${robots}`)).rejects.toThrow(/Subscribe error/);

      const robot = await robotClient(`mqtt://127.0.0.1:${broker.port}`, robotId);
      mqttClients.push(robot);
      const sensors = `${api.prefix}/tonypi/sensors/${robotId}`;
      await robot.publishAsync(sensors, JSON.stringify({ robot_id: robotId, sensor_type: 'light', value: 3 }), {
        qos: 1,
      });
      await eventually(() => {
        expect(received.filter((r) => r.topic === sensors).map((r) => r.client)).toEqual(
          expect.arrayContaining(['reader', 'witness']),
        );
      });
      expect(received.filter((r) => r.topic === sensors).map((r) => r.qos)).toEqual([0, 0]);

      // A command from a browser is refused: the broker closes the connection, and the message goes nowhere.
      const command = `${api.prefix}/tonypi/commands/${robotId}`;
      const readerClosed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
      reader.publish(command, JSON.stringify({ type: 'shutdown', id: 'x' }), { qos: 0 });
      await readerClosed;
      const marker = `${api.prefix}/tonypi/status/${robotId}`;
      await robot.publishAsync(marker, JSON.stringify({ robot_id: robotId, status: 'online' }), { qos: 1 });
      await eventually(() => expect(received.some((r) => r.client === 'witness' && r.topic === marker)).toBe(true));
      expect(received.filter((r) => r.topic === command)).toEqual([]);
    });

    it("a browser may not take a robot's client id, nor keep a session on the broker", async () => {
      const robotId = uniqueName('tonypi');
      const token = await api.tokenFor('operator');
      const robot = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
        clientId: robotId,
        clean: false,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      mqttClients.push(robot);
      await robot.subscribeAsync(`${api.prefix}/tonypi/commands/${robotId}`, { qos: 1 });
      let robotClosed = false;
      robot.on('close', () => (robotClosed = true));

      // Taking the robot's id would disconnect it and, without a clean session, inherit its queued commands.
      await expect(browser(token, { clientId: robotId, clean: false })).rejects.toThrow(/Identifier rejected/);
      await expect(browser(token, { clientId: robotId })).rejects.toThrow(/Identifier rejected/);
      await expect(browser(token, { clientId: `web-${robotId}`, clean: false })).rejects.toThrow(/Not authorized/);
      expect(robotClosed).toBe(false);
      expect(robot.connected).toBe(true);
      // A robot may not pass for a browser either.
      await expect(robotClient(`mqtt://127.0.0.1:${broker.port}`, `web-${robotId}`)).rejects.toThrow(
        /Identifier rejected/,
      );
    });

    it('a browser with a bad token is refused at connect', async () => {
      await expect(browser('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).rejects.toThrow(
        /Bad username or password/,
      );
    });
  });
}
