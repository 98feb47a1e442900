import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { createLogger } from '@fleet/platform';
import {
  EmbeddedBroker,
  INTERNAL_USER,
  type BrowserTokenVerifier,
  type EmbeddedBrokerOptions,
} from './embedded-broker';
import type { ActiveRobotCredential } from './robot-logins';
import { hashRobotSecret, newRobotSecret } from './robot-secret';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmVk';
const INTERNAL_SECRET = 'internal-secret-for-this-test';
const FLEET = { username: INTERNAL_USER, password: INTERNAL_SECRET };
const ANA: BrowserTokenVerifier = (token) =>
  Promise.resolve(token === TOKEN ? { username: 'ana', role: 'viewer' } : null);

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** Browsers on a broker in this process: the access token check is the API's, stood in for here. */
describe('browsers on the embedded broker', () => {
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const b of brokers.splice(0)) await b.close();
  });

  const start = async (credentialCacheMs?: number, options: Partial<EmbeddedBrokerOptions> = {}) => {
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: INTERNAL_SECRET,
      topicPrefix: '',
      logger: createLogger({ service: 'test', instanceId: 'test', level: 'silent', format: 'json' }),
      credentialCacheMs,
      ...options,
    });
    brokers.push(broker);
    await broker.start();
    return broker;
  };
  const browser = async (broker: EmbeddedBroker, password: string, options: IClientOptions = {}) => {
    const client = await connectAsync(`ws://127.0.0.1:${broker.wsPort}`, {
      clientId: `web-${Math.random().toString(36).slice(2)}`,
      username: 'token',
      password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const mqtt = async (broker: EmbeddedBroker, options: IClientOptions) => {
    const client = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...options,
    });
    clients.push(client);
    return client;
  };

  it('are refused while no one has said how to check an access token', async () => {
    const broker = await start();
    await expect(browser(broker, TOKEN)).rejects.toThrow(/Not authorized/);
  });

  it('log in with a token the check accepts, read robot topics, and are closed for publishing', async () => {
    const broker = await start();
    const seen: string[] = [];
    broker.acceptBrowsers((token) => {
      seen.push(token);
      return Promise.resolve(token === TOKEN ? { username: 'ana', role: 'viewer' } : null);
    });
    await expect(browser(broker, `${TOKEN}x`)).rejects.toThrow(/Bad username or password/);

    const client = await browser(broker, TOKEN);
    expect(seen).toEqual([`${TOKEN}x`, TOKEN]);
    await expect(client.subscribeAsync('tonypi/#')).resolves.toEqual([expect.objectContaining({ qos: 0 })]);
    await expect(client.subscribeAsync('#')).rejects.toThrow(/Subscribe error/);

    const gone = closed(client);
    client.publish('tonypi/commands/tonypi_01', '{"type":"stop"}');
    await gone;
  });

  it('are closed once their token is no longer accepted', async () => {
    const broker = await start(50);
    let valid = true;
    const verify: BrowserTokenVerifier = () => Promise.resolve(valid ? { username: 'ana', role: 'viewer' } : null);
    broker.acceptBrowsers(verify);
    const client = await browser(broker, TOKEN);
    const gone = closed(client);
    valid = false;
    await expect(gone).resolves.toBeUndefined();
    expect(client.connected).toBe(false);
  });

  it('may not leave a will, which would publish for them', async () => {
    const broker = await start();
    broker.acceptBrowsers(() => Promise.resolve({ username: 'ana', role: 'admin' }));
    const connecting = connectAsync(`ws://127.0.0.1:${broker.wsPort}`, {
      clientId: 'web-ana',
      username: 'token',
      password: TOKEN,
      reconnectPeriod: 0,
      will: { topic: 'tonypi/commands/broadcast', payload: Buffer.from('{"type":"stop"}'), qos: 0, retain: false },
    });
    await expect(connecting).rejects.toThrow(/Not authorized/);
  });

  it("may not take a robot's client id: the robot stays connected and keeps its session to itself", async () => {
    const broker = await start(undefined, { allowAnonymous: true });
    broker.acceptBrowsers(ANA);
    const fleet = await mqtt(broker, { clientId: 'fleet-test', ...FLEET });
    const robot = await mqtt(broker, { clientId: 'tonypi_01', clean: false });
    await robot.subscribeAsync('tonypi/commands/tonypi_01', { qos: 1 });

    for (const clean of [true, false]) {
      await expect(browser(broker, TOKEN, { clientId: 'tonypi_01', clean })).rejects.toThrow(/Identifier rejected/);
    }
    await expect(browser(broker, TOKEN, { clientId: 'fleet-api-1' })).rejects.toThrow(/Identifier rejected/);
    expect(robot.connected).toBe(true);
    const command = new Promise<string>((resolve) => robot.once('message', (topic) => resolve(topic)));
    await fleet.publishAsync('tonypi/commands/tonypi_01', '{"type":"stop"}', { qos: 1 });
    await expect(command).resolves.toBe('tonypi/commands/tonypi_01');
  });

  it('keep no session on the broker: a persistent one is refused', async () => {
    const broker = await start();
    broker.acceptBrowsers(ANA);
    await expect(browser(broker, TOKEN, { clientId: 'web-ana', clean: false })).rejects.toThrow(/Not authorized/);
    await expect(browser(broker, TOKEN, { clientId: 'web-ana', clean: true })).resolves.toMatchObject({
      connected: true,
    });
  });

  it('are granted QoS 0, and get messages at QoS 0, whatever they ask for', async () => {
    const broker = await start();
    broker.acceptBrowsers(ANA);
    const fleet = await mqtt(broker, { clientId: 'fleet-test', ...FLEET });
    const client = await browser(broker, TOKEN);
    await expect(client.subscribeAsync('tonypi/sensors/+', { qos: 1 })).resolves.toEqual([
      expect.objectContaining({ topic: 'tonypi/sensors/+', qos: 0 }),
    ]);
    const received = new Promise<number>((resolve) => client.once('message', (_topic, _payload, p) => resolve(p.qos)));
    await fleet.publishAsync('tonypi/sensors/tonypi_01', '{"value":3}', { qos: 1 });
    await expect(received).resolves.toBe(0);
  });
});

describe('robots with credentials on the embedded broker', () => {
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const b of brokers.splice(0)) await b.close();
  });

  it("use their robot id as client id, so none can take over another robot's connection", async () => {
    const secrets = new Map([
      ['tonypi_01', newRobotSecret()],
      ['tonypi_02', newRobotSecret()],
    ]);
    const credentials = new Map<string, ActiveRobotCredential>(
      [...secrets].map(([id, secret]) => [id, { id: `c-${id}`, secretHash: hashRobotSecret(secret) }]),
    );
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: INTERNAL_SECRET,
      topicPrefix: '',
      logger: createLogger({ service: 'test', instanceId: 'test', level: 'silent', format: 'json' }),
      robotCredentials: {
        findActive: (robotId) => Promise.resolve(credentials.get(robotId)),
        markUsed: () => Promise.resolve(),
      },
    });
    brokers.push(broker);
    await broker.start();
    const robot = (clientId: string, username: string) =>
      connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
        clientId,
        username,
        password: secrets.get(username),
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      }).then((client) => (clients.push(client), client));

    const victim = await robot('tonypi_02', 'tonypi_02');
    await expect(robot('tonypi_02', 'tonypi_01')).rejects.toThrow(/Identifier rejected/);
    await expect(robot('web-tonypi_01', 'tonypi_01')).rejects.toThrow(/Identifier rejected/);
    expect(victim.connected).toBe(true);
    await expect(robot('tonypi_01', 'tonypi_01')).resolves.toMatchObject({ connected: true });
  });
});
