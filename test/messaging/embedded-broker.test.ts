import { createServer, type Server } from 'node:net';
import type { MqttClient } from 'mqtt';
import { EmbeddedBroker } from '@fleet/messaging';
import { PortInUseError } from '@fleet/platform';
import { captureLogs } from '../support/logs';
import { nextMessage, robotClient } from '../support/mqtt';

describe('embedded MQTT broker', () => {
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];
  const broker = (port = 0, wsPort = 0) => {
    const b = new EmbeddedBroker({ host: '127.0.0.1', port, wsPort, logger: captureLogs().logger });
    brokers.push(b);
    return b;
  };
  const client = async (url: string, id: string) => {
    const c = await robotClient(url, id);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const b of brokers.splice(0)) await b.close();
  });

  it('carries QoS 1 messages between TCP and WebSocket clients', async () => {
    const { port, wsPort } = await broker().start();
    const robot = await client(`mqtt://127.0.0.1:${port}`, 'tonypi_01');
    const dashboard = await client(`ws://127.0.0.1:${wsPort}/mqtt`, 'dashboard');

    const toDashboard = await nextMessage(dashboard, 'tonypi/status/+');
    await robot.publishAsync('tonypi/status/tonypi_01', JSON.stringify({ status: 'online' }), { qos: 1 });
    await expect(toDashboard.promise).resolves.toEqual({
      topic: 'tonypi/status/tonypi_01',
      payload: '{"status":"online"}',
      qos: 1,
    });

    const toRobot = await nextMessage(robot, 'tonypi/commands/tonypi_01');
    await dashboard.publishAsync('tonypi/commands/tonypi_01', '{"type":"stop"}', { qos: 1 });
    await expect(toRobot.promise).resolves.toMatchObject({ payload: '{"type":"stop"}' });
  });

  it('names MQTT_PORT or MQTT_WS_PORT when its port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const tcp = broker(taken, 0).start();
      await expect(tcp).rejects.toThrow(PortInUseError);
      await expect(tcp).rejects.toThrow(`Port ${taken} is already in use: set MQTT_PORT to a free port`);
      await expect(broker(0, taken).start()).rejects.toThrow(`Port ${taken} is already in use: set MQTT_WS_PORT`);
    } finally {
      blocker.close();
    }
  });

  it('disconnects its clients and frees its ports when closed', async () => {
    const first = broker();
    const { port, wsPort } = await first.start();
    const robot = await client(`mqtt://127.0.0.1:${port}`, 'tonypi_02');
    const closed = new Promise<void>((resolve) => robot.once('close', () => resolve()));
    expect(first.connectedClients).toBe(1);

    await first.close();
    await closed;
    expect(first.listening).toBe(false);
    await expect(broker(port, wsPort).start()).resolves.toEqual({ port, wsPort });
  });
});
