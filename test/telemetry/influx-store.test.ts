import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '@fleet/contracts';
import { freePort } from '@fleet/platform';
import {
  InfluxError,
  InfluxHttp,
  InfluxTelemetryStore,
  type InfluxConnectionOptions,
  type InfluxTelemetryOptions,
  type TelemetryPoint,
} from '@fleet/telemetry';
import { describeWithServer, uniqueName } from '../support/servers';
import { describeTelemetryStoreContract } from '../support/telemetry-contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface SeenWrite {
  encoding: string | undefined;
  lines: string[];
}

/**
 * A relay in front of the real InfluxDB that shows what reaches the server (each write's encoding and lines, how
 * many writes are in flight) and can answer writes with HTTP 500 after passing them on, as InfluxDB 1.x does under
 * load ("engine: error syncing wal", points stored anyway).
 */
class RecordingRelay {
  readonly writes: SeenWrite[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** How many of the next writes get a 500 after reaching the server. */
  failWrites = 0;
  private server?: Server;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.relay(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('relay has no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const isWrite = req.url?.startsWith('/write') ?? false;
    if (isWrite) {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const encoding = req.headers['content-encoding'];
      const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      this.writes.push({ encoding, lines: text.split('\n') });
    }
    try {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'content-encoding', 'authorization']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(new URL(req.url ?? '/', this.target), {
        method: req.method,
        headers,
        body: req.method === 'GET' ? undefined : body,
      });
      let status = upstream.status;
      let payload = Buffer.from(await upstream.arrayBuffer());
      if (isWrite && this.failWrites > 0) {
        this.failWrites--;
        status = 500;
        payload = Buffer.from('{"error":"engine: error syncing wal"}');
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 204 ? undefined : payload);
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
    } finally {
      if (isWrite) this.inFlight--;
    }
  }
}

describeWithServer('INFLUX_URL', 'InfluxTelemetryStore', (url) => {
  const admin = new InfluxHttp({ url });
  const databases: string[] = [];
  const newDatabase = () => {
    const database = uniqueName('fleet_t');
    databases.push(database);
    return database;
  };
  const open = (
    options: Partial<InfluxTelemetryOptions> = {},
    connection: Partial<InfluxConnectionOptions> = {},
  ): InfluxTelemetryStore =>
    new InfluxTelemetryStore(new InfluxHttp({ url, retryDelaysMs: [10, 20], ...connection }), {
      database: newDatabase(),
      ...options,
    });
  const retentionPolicies = async (database: string) => {
    const [result] = await admin.query(`SHOW RETENTION POLICIES ON "${database}"`);
    return (result?.series?.[0]?.values ?? []).map(([name, duration, , , isDefault]) => ({
      name,
      duration,
      isDefault,
    }));
  };
  const count = async (database: string, statement: string) => {
    const [result] = await admin.query(statement, { database });
    return (result?.series?.[0]?.values?.[0]?.[1] as number | undefined) ?? 0;
  };
  const recent = (offsetMs = 0) => new Date(Math.floor((Date.now() - DAY) / HOUR) * HOUR + offsetMs);

  afterAll(async () => {
    for (const database of databases) await admin.query(`DROP DATABASE "${database}"`, { method: 'POST' });
  });

  describeTelemetryStoreContract('InfluxDB', async () => {
    const store = open();
    await store.prepare();
    return { store, close: () => Promise.resolve() };
  });

  describe('prepare', () => {
    it('creates the database with a default retention policy of the configured duration', async () => {
      const store = open({ retention: '48h' });
      await store.prepare();
      expect(await retentionPolicies(databases.at(-1) ?? '')).toEqual([
        { name: 'fleet_default', duration: '48h0m0s', isDefault: true },
      ]);
      expect(await store.ping()).toEqual({
        database: databases.at(-1),
        version: expect.stringMatching(/^v?\d+\.\d+/) as unknown,
        retentionPolicy: 'fleet_default',
        retention: '48h0m0s',
      });
    });

    it('is idempotent, also when several processes prepare at once', async () => {
      const database = newDatabase();
      const stores = [1, 2, 3].map(() => open({ database }));
      await Promise.all(stores.map((s) => s.prepare()));
      await stores[0]?.prepare();
      expect(await retentionPolicies(database)).toEqual([
        { name: 'fleet_default', duration: '168h0m0s', isDefault: true },
      ]);
    });

    it("leaves an existing database's retention policies as they are", async () => {
      const database = newDatabase();
      await admin.query(`CREATE DATABASE "${database}"`, { method: 'POST' });
      const store = open({ database, retention: '7d' });
      await store.prepare();
      expect(await retentionPolicies(database)).toEqual([{ name: 'autogen', duration: '0s', isDefault: true }]);
      expect(await store.ping()).toMatchObject({ retentionPolicy: 'autogen', retention: 'INF' });
      // The database keeps points forever, so a month-old point is taken.
      const old = new Date(Date.now() - 30 * DAY);
      await store.write([{ measurement: 'battery_status', robotId: 'r1', fields: { percentage: 5 }, time: old }]);
      expect(await store.latest('r1', 'battery_status')).toEqual([{ tags: {}, fields: { percentage: 5 }, time: old }]);
    });

    it('refuses points older than the retention policy, naming them, and sends nothing', async () => {
      const store = open({ retention: '7d' });
      await store.prepare();
      const point = (time: Date): TelemetryPoint => ({
        measurement: 'battery_status',
        robotId: 'r1',
        fields: { percentage: 5 },
        time,
      });
      const write = store.write([point(recent()), point(new Date(Date.now() - 8 * DAY))]);
      await expect(write).rejects.toBeInstanceOf(InvalidInputError);
      await expect(write).rejects.toThrow(/points\[1\]\.time is older than the retention policy \(points before /);
      expect(await store.latest('r1', 'battery_status')).toEqual([]);
    });
  });

  describe('when the server is down', () => {
    let closed: number;
    let store: InfluxTelemetryStore;

    beforeAll(async () => {
      closed = await freePort();
      store = new InfluxTelemetryStore(new InfluxHttp({ url: `http://127.0.0.1:${closed}`, retryDelaysMs: [5, 5] }), {
        database: 'robot_metrics',
      });
    });

    it('rejects a write after its retries, naming the server', async () => {
      const write = store.write([{ measurement: 'battery_status', robotId: 'r1', fields: { v: 1 }, time: recent() }]);
      await expect(write).rejects.toThrow(
        `cannot reach InfluxDB at http://127.0.0.1:${closed}: ECONNREFUSED (a write of 1 points to "robot_metrics") (3 attempts)`,
      );
      await expect(write).rejects.toMatchObject({ retriable: true, status: undefined });
    });

    it('rejects prepare, queries and ping, naming the server', async () => {
      const reason = `cannot reach InfluxDB at http://127.0.0.1:${closed}: ECONNREFUSED`;
      await expect(store.prepare()).rejects.toThrow(reason);
      await expect(store.latest('r1', 'battery_status')).rejects.toThrow(reason);
      await expect(store.robotsSeen(recent(), recent(HOUR))).rejects.toThrow(reason);
      await expect(store.ping()).rejects.toThrow(reason);
      expect(store.target).toBe(`http://127.0.0.1:${closed} (database robot_metrics)`);
    });
  });

  describe('writing through a relay that shows the requests', () => {
    let relay: RecordingRelay;
    let relayUrl: string;

    beforeEach(async () => {
      relay = new RecordingRelay(url);
      relayUrl = await relay.start();
    });

    afterEach(async () => {
      await relay.stop();
    });

    it('sends batches of at most 5,000 gzip-compressed lines, two at a time', async () => {
      const store = open({}, { url: relayUrl });
      await store.prepare();
      const points: TelemetryPoint[] = Array.from({ length: 12_345 }, (_, i) => ({
        measurement: 'robot_status',
        robotId: 'bulk',
        fields: { cpu_percent: i },
        time: recent(i),
      }));
      await store.write(points);

      expect(relay.writes.map((w) => w.lines.length)).toEqual([5_000, 5_000, 2_345]);
      expect(relay.writes.every((w) => w.encoding === 'gzip')).toBe(true);
      expect(relay.writes.flatMap((w) => w.lines)).toContain(
        `robot_status,robot_id=bulk cpu_percent=1 ${recent(1).getTime()}`,
      );
      expect(relay.maxInFlight).toBeLessThanOrEqual(2);
      const database = databases.at(-1) ?? '';
      expect(await count(database, 'SELECT count(cpu_percent) FROM robot_status')).toBe(12_345);
    });

    it('retries a write the server answered with 500, storing each point once', async () => {
      const store = open({}, { url: relayUrl });
      await store.prepare();
      relay.failWrites = 2;
      await store.write([{ measurement: 'battery_status', robotId: 'r1', fields: { percentage: 9 }, time: recent() }]);
      expect(relay.writes).toHaveLength(3);
      expect(await count(databases.at(-1) ?? '', 'SELECT count(percentage) FROM battery_status')).toBe(1);
    });

    it('gives up after its retries, naming the server and status', async () => {
      const store = open({}, { url: relayUrl });
      await store.prepare();
      relay.failWrites = 3;
      const write = store.write([{ measurement: 'battery_status', robotId: 'r1', fields: { v: 1 }, time: recent() }]);
      await expect(write).rejects.toThrow(
        `InfluxDB at ${relayUrl.replace(/\/$/, '')} answered HTTP 500 to a write of 1 points to "${databases.at(-1)}": ` +
          'engine: error syncing wal (3 attempts)',
      );
      await expect(write).rejects.toMatchObject({ status: 500, retriable: true });
    });

    it("rejects a field type conflict with the server's message, without retrying", async () => {
      const store = open({}, { url: relayUrl });
      await store.prepare();
      const point = (value: number | string): TelemetryPoint => ({
        measurement: 'sensor_data',
        robotId: 'r1',
        fields: { value },
        time: recent(typeof value === 'number' ? 0 : 1),
      });
      await store.write([point(1)]);
      const write = store.write([point('one')]);
      await expect(write).rejects.toBeInstanceOf(InfluxError);
      await expect(write).rejects.toThrow(/HTTP 400 .*field type conflict/);
      await expect(write).rejects.toMatchObject({ status: 400, retriable: false });
      expect(relay.writes).toHaveLength(2);
    });
  });

  describe('names InfluxDB cannot store as given', () => {
    let store: InfluxTelemetryStore;

    beforeAll(async () => {
      store = open();
      await store.prepare();
    });

    it('keeps tabs, quotes, unicode and backslashes in tags exactly', async () => {
      const tags = { servo_name: 'a\tb "d" \\e\\,f=\\ g 🦾', sensor_type: '\\\\x' };
      await store.write([{ measurement: 'servo_data', robotId: 'names_1', tags, fields: { p: 1 }, time: recent() }]);
      expect(await store.latest('names_1', 'servo_data', tags)).toEqual([{ tags, fields: { p: 1 }, time: recent() }]);
    });

    it('stores line breaks in names as \\n and \\r, a trailing backslash as ＼, and finds them by the names written', async () => {
      const robotId = 'names_2\r\nline\\';
      const tags = { 'key\n': 'value\\' };
      await store.write([
        { measurement: 'robot_logs', robotId, tags, fields: { 'f\\': 'multi\r\nline' }, time: recent() },
      ]);
      expect(await store.latest(robotId, 'robot_logs', tags)).toEqual([
        { tags: { 'key\\n': 'value＼' }, fields: { 'f＼': 'multi\r\nline' }, time: recent() },
      ]);
      expect(await store.robotsSeen(recent(), recent(1))).toContain('names_2\\r\\nline＼');
      const { times, values } = await store.history({
        robotId,
        measurement: 'robot_logs',
        fields: ['f\\'],
        from: recent(),
        to: recent(1),
        everyMs: 1_000,
        fn: 'count',
        tags,
      });
      expect({ times, values }).toEqual({ times: [recent().getTime()], values: { 'f\\': [1] } });
    });

    it('refuses the reserved key time, naming it', async () => {
      const write = store.write([
        { measurement: 'robot_status', robotId: 'names_3', fields: { time: 1 }, time: recent() },
        { measurement: 'robot_status', robotId: 'names_3', tags: { time: 'x' }, fields: { v: 1 }, time: recent() },
      ]);
      await expect(write).rejects.toMatchObject({
        issues: [
          { path: 'points[0].fields.time', message: 'is a name InfluxDB reserves' },
          { path: 'points[1].tags.time', message: 'is a name InfluxDB reserves' },
        ],
      });
    });
  });
});
