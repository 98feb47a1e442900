import { connectAsync, type MqttClient } from 'mqtt';
import { createLogger } from '@fleet/platform';
import { EmbeddedBroker, type BrowserTokenVerifier } from './embedded-broker';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmVk';

/** Browsers on a broker in this process: the access token check is the API's, stood in for here. */
describe('browsers on the embedded broker', () => {
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const b of brokers.splice(0)) await b.close();
  });

  const start = async (credentialCacheMs?: number) => {
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: 'internal-secret-for-this-test',
      topicPrefix: '',
      logger: createLogger({ service: 'test', instanceId: 'test', level: 'silent', format: 'json' }),
      credentialCacheMs,
    });
    brokers.push(broker);
    await broker.start();
    return broker;
  };
  const browser = async (broker: EmbeddedBroker, password: string) => {
    const client = await connectAsync(`ws://127.0.0.1:${broker.wsPort}`, {
      username: 'token',
      password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
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

    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('tonypi/commands/tonypi_01', '{"type":"stop"}');
    await closed;
  });

  it('are closed once their token is no longer accepted', async () => {
    const broker = await start(50);
    let valid = true;
    const verify: BrowserTokenVerifier = () => Promise.resolve(valid ? { username: 'ana', role: 'viewer' } : null);
    broker.acceptBrowsers(verify);
    const client = await browser(broker, TOKEN);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    valid = false;
    await expect(closed).resolves.toBeUndefined();
    expect(client.connected).toBe(false);
  });

  it('may not leave a will, which would publish for them', async () => {
    const broker = await start();
    broker.acceptBrowsers(() => Promise.resolve({ username: 'ana', role: 'admin' }));
    const connecting = connectAsync(`ws://127.0.0.1:${broker.wsPort}`, {
      username: 'token',
      password: TOKEN,
      reconnectPeriod: 0,
      will: { topic: 'tonypi/commands/broadcast', payload: Buffer.from('{"type":"stop"}'), qos: 0, retain: false },
    });
    await expect(connecting).rejects.toThrow(/Not authorized/);
  });
});
