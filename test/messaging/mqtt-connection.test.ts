import { EmbeddedBroker, MqttConnection, prefixTopic } from '@fleet/messaging';
import { captureLogs } from '../support/logs';
import { nextMessage } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

interface BrokerTarget {
  name: string;
  url: () => string;
}

const embedded = new EmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: 0, logger: captureLogs().logger });
const targets: BrokerTarget[] = [{ name: 'embedded broker', url: () => `mqtt://127.0.0.1:${embedded.port}` }];
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
  const connect = (url = target.url()) => {
    const c = new MqttConnection({ url, clientId: uniqueName('fleet_test'), logger: captureLogs().logger });
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

  it('says why it is not connected when the broker does not answer', async () => {
    const lost = connect('mqtt://127.0.0.1:1');
    await expect(lost.waitUntilConnected(1_500)).rejects.toThrow(
      /no connection to mqtt:\/\/127\.0\.0\.1:1 within 1500 ms/,
    );
    expect(lost.connected).toBe(false);
    expect(lost.problem).toMatch(/ECONNREFUSED|reconnecting|not connected/);
  });
});
