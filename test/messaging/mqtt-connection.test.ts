import { EmbeddedBroker, INTERNAL_USER, MqttConnection, prefixTopic } from '@fleet/messaging';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/logs';
import { nextMessage } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

interface BrokerTarget {
  name: string;
  url: () => string;
  credentials?: { username: string; password: string };
}

const EMBEDDED_SECRET = 'fleet-secret-for-this-test';

const embedded = new EmbeddedBroker({
  host: '127.0.0.1',
  port: 0,
  wsPort: 0,
  internalSecret: EMBEDDED_SECRET,
  topicPrefix: '',
  logger: captureLogs().logger,
});
const targets: BrokerTarget[] = [
  {
    name: 'embedded broker',
    url: () => `mqtt://127.0.0.1:${embedded.port}`,
    credentials: { username: INTERNAL_USER, password: EMBEDDED_SECRET },
  },
];
const external = serverUrl('MQTT_URL');
if (external) targets.push({ name: 'MQTT_URL broker', url: () => external });
else reportMissingServer('MQTT_URL', 'MQTT connection on MQTT_URL broker');

beforeAll(async () => {
  await embedded.start();
});
afterAll(async () => {
  await embedded.close();
});

describe.each(targets)('MQTT connection on $name', (target) => {
  const connections: MqttConnection[] = [];
  const connect = (url = target.url(), topicPrefix = '', logs = captureLogs()) => {
    const c = new MqttConnection({
      url,
      clientId: uniqueName('fleet_test'),
      ...target.credentials,
      topicPrefix,
      logger: logs.logger,
    });
    connections.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
  });

  it('connects and carries QoS 1 messages under its own topic prefix', async () => {
    const prefix = uniqueName('test');
    const publisher = connect();
    const subscriber = connect();
    await Promise.all([publisher.waitUntilConnected(5_000), subscriber.waitUntilConnected(5_000)]);

    const topic = prefixTopic(prefix, 'tonypi/sensors/tonypi_01');
    const received = await nextMessage(subscriber.client, prefixTopic(prefix, 'tonypi/#'));
    await publisher.client.publishAsync(topic, '{"sensor_type":"temperature","value":42.5}', { qos: 1 });
    await expect(received.promise).resolves.toEqual({
      topic,
      payload: '{"sensor_type":"temperature","value":42.5}',
      qos: 1,
    });
  });

  it('hands each message over without its prefix, logging with a message id and the topic', async () => {
    const prefix = uniqueName('site');
    const logs = captureLogs();
    const receiver = connect(target.url(), prefix, logs);
    const sender = connect(target.url(), prefix);
    await Promise.all([receiver.waitUntilConnected(5_000), sender.waitUntilConnected(5_000)]);

    const handled = new Promise<string>((resolve) => {
      receiver.onMessage(({ topic, payload }) => {
        logs.logger.info({ bytes: payload.length }, 'received');
        resolve(topic);
        if (payload.toString() === 'boom') throw new Error('handler failed');
      });
    });
    await receiver.client.subscribeAsync(receiver.topic('tonypi/battery'), { qos: 1 });
    await sender.client.publishAsync(sender.topic('tonypi/battery'), 'boom', { qos: 1 });

    await expect(handled).resolves.toBe('tonypi/battery');
    await expect(
      new Promise((resolve) => {
        const check = () => {
          const failed = logs.lines().find((l) => l.msg === 'MQTT message handler failed');
          if (failed) resolve(failed);
          else setImmediate(check);
        };
        check();
      }),
    ).resolves.toMatchObject({ topic: 'tonypi/battery' });
    const received = logs.lines().find((l) => l.msg === 'received');
    expect(received).toMatchObject({
      topic: 'tonypi/battery',
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
    expect(sender.topic('tonypi/battery')).toBe(`${prefix}/tonypi/battery`);
  });

  it('with consume, takes one message at a time and has a failed one delivered again', async () => {
    const prefix = uniqueName('consume');
    const receiver = connect(target.url(), prefix);
    const seen: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    let failedOnce = false;
    const redelivered = new Promise<void>((resolve) => {
      receiver.consume(({ payload }) => {
        const body = payload.toString();
        seen.push(body);
        if (body === 'slow') return first; // the next message waits for this one to be taken
        if (body === 'fails' && !failedOnce) {
          failedOnce = true;
          throw new Error('cannot take it now');
        }
        if (body === 'fails') resolve();
        return undefined;
      });
    });
    const sender = connect(target.url(), prefix);
    await Promise.all([receiver.waitUntilConnected(5_000), sender.waitUntilConnected(5_000)]);
    await receiver.client.subscribeAsync(receiver.topic('tonypi/#'), { qos: 1 });

    await sender.client.publishAsync(sender.topic('tonypi/a'), 'slow', { qos: 1 });
    await sender.client.publishAsync(sender.topic('tonypi/b'), 'fails', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200)); // time for 'fails' to arrive, were it not held back
    expect(seen).toEqual(['slow']);
    release();
    await redelivered; // dropped after the failure, the persistent session gives it again
    // At least once: 'slow' may come again too, when the connection dropped before its acknowledgement went out.
    expect(seen.slice(0, 2)).toEqual(['slow', 'fails']);
    expect(seen.filter((body) => body === 'fails')).toHaveLength(2);
  });

  it('with consume and settle, holds a turn of acknowledgements until settle ran, and gives none when it fails', async () => {
    const prefix = uniqueName('settle');
    const receiver = connect(target.url(), prefix);
    const taken: string[] = [];
    const settled: string[][] = [];
    const corked: number[] = [];
    let failNext = true;
    receiver.consume(
      ({ payload }) => {
        taken.push(payload.toString());
      },
      () => {
        // What was written to the socket in this turn (the PUBACKs) has not left it yet.
        corked.push(receiver.client.stream.writableCorked);
        const group = taken.splice(0);
        if (failNext && group.includes('one')) {
          failNext = false;
          throw new Error('the disk is gone');
        }
        settled.push(group);
      },
    );
    const sender = connect(target.url(), prefix);
    await Promise.all([receiver.waitUntilConnected(5_000), sender.waitUntilConnected(5_000)]);
    await receiver.client.subscribeAsync(receiver.topic('tonypi/#'), { qos: 1 });

    await sender.client.publishAsync(sender.topic('tonypi/a'), 'one', { qos: 1 });
    // Its settle failed, so it was not acknowledged: the persistent session delivers it again.
    await eventually(() => expect(settled.flat()).toContain('one'));
    for (const body of ['two', 'three']) await sender.client.publishAsync(sender.topic('tonypi/a'), body, { qos: 1 });
    await eventually(() => expect(settled.flat()).toEqual(expect.arrayContaining(['two', 'three'])));
    expect(settled.flat().filter((body) => body === 'one')).toHaveLength(1);
    expect(corked.every((count) => count > 0)).toBe(true);
  });

  it('says why it is not connected when the broker does not answer', async () => {
    const lost = connect('mqtt://127.0.0.1:1');
    await expect(lost.waitUntilConnected(1_500)).rejects.toThrow(
      /no connection to mqtt:\/\/127\.0\.0\.1:1 within 1500 ms/,
    );
    expect(lost.connected).toBe(false);
    expect(lost.problem).toMatch(/ECONNREFUSED|reconnecting|not connected/);
  });
});
