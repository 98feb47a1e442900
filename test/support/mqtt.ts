import { connectAsync, type MqttClient } from 'mqtt';

/** The next message on `topic` (subscribed before it returns), or a rejection after `timeoutMs`. */
export async function nextMessage(
  client: MqttClient,
  topic: string,
  timeoutMs = 5_000,
): Promise<{ promise: Promise<{ topic: string; payload: string; qos: number }> }> {
  await client.subscribeAsync(topic, { qos: 1 });
  const promise = new Promise<{ topic: string; payload: string; qos: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (received: string, payload: Buffer, packet: { qos: number }) => {
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic: received, payload: payload.toString('utf8'), qos: packet.qos });
    };
    client.on('message', onMessage);
  });
  return { promise };
}

/** A plain mqtt.js client, as a robot would connect. */
export function robotClient(
  url: string,
  clientId: string,
  credentials?: { username: string; password: string },
): Promise<MqttClient> {
  return connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 5_000, ...credentials });
}
