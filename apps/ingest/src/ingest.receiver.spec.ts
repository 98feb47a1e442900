import { loadConfig } from '@fleet/config';
import type { MqttConnection } from '@fleet/messaging';
import { INGEST_FILTERS, isSentToRobots, subscriptionFilters } from './ingest.receiver';

describe('what ingest takes from the broker', () => {
  it('skips what Fleet sends to robots and keeps everything robots send, known or not', () => {
    for (const topic of [
      'tonypi/commands/r1',
      'tonypi/commands/broadcast',
      'tonypi/emergency_stop/r1',
      'tonypi/items/r1',
      'tonypi/config/r1',
    ])
      expect({ topic, skipped: isSentToRobots(topic) }).toEqual({ topic, skipped: true });
    for (const topic of [
      'tonypi/commands/response',
      'tonypi/emergency_stop/response',
      'tonypi/sensors/r1',
      'tonypi/battery',
      'tonypi/elsewhere/r1',
      'tonypi/commands/r1/extra',
    ])
      expect({ topic, skipped: isSentToRobots(topic) }).toEqual({ topic, skipped: false });
  });

  it('shares the subscription among replicas on an external broker, not on the embedded one (aedes cannot)', () => {
    const mqtt = { topic: (name: string) => `site-a/${name}` } as MqttConnection;
    expect(subscriptionFilters(loadConfig({}), mqtt, INGEST_FILTERS)).toEqual(['site-a/tonypi/#']);
    expect(subscriptionFilters(loadConfig({ MQTT_URL: 'mqtt://broker:1883' }), mqtt, INGEST_FILTERS)).toEqual([
      '$share/ingest/site-a/tonypi/#',
    ]);
    const off = loadConfig({ MQTT_URL: 'mqtt://broker:1883', INGEST_SHARED_SUBSCRIPTION: 'off' });
    expect(subscriptionFilters(off, mqtt, INGEST_FILTERS)).toEqual(['site-a/tonypi/#']);
  });
});
