import { createServer, type Server } from 'node:net';
import type { MqttClient } from 'mqtt';
import { EmbeddedBroker, INTERNAL_USER } from '@fleet/messaging';
import { PortInUseError } from '@fleet/platform';
import { captureLogs } from '../support/logs';
import { nextMessage, robotClient } from '../support/mqtt';

const SECRET = 'secret-for-this-test';
const FLEET = { username: INTERNAL_USER, password: SECRET };

describe('embedded MQTT broker', () => {
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];
  const broker = (port = 0, wsPort = 0) => {
    const b = new EmbeddedBroker({
      host: '127.0.0.1',
      port,
      wsPort,
      internalSecret: SECRET,
      topicPrefix: '',
      // Robots here connect as the stock TonyPi client does; test/messaging/broker-auth.test.ts covers credentials.
      allowAnonymous: true,
      logger: captureLogs().logger,
    });
    brokers.push(b);
    return b;
  };
  const client = async (url: string, id: string, credentials?: { username: string; password: string }) => {
    const c = await robotClient(url, id, credentials);
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
    const dashboard = await client(`ws://127.0.0.1:${wsPort}/mqtt`, 'dashboard', FLEET);

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

  it('lets only Fleet itself command robots; robots still answer', async () => {
    const { port } = await broker().start();
    const url = `mqtt://127.0.0.1:${port}`;
    const fleet = await client(url, 'fleet', FLEET);
    const robot = await client(url, 'tonypi_01');
    const intruder = await client(url, 'intruder');

    const commands = await nextMessage(robot, 'tonypi/commands/broadcast', 1_500);
    intruder.publish('tonypi/commands/broadcast', '{"type":"shutdown"}', { qos: 0 });
    await expect(commands.promise).rejects.toThrow(/no message/);

    const answers = await nextMessage(fleet, 'tonypi/commands/response');
    await robot.publishAsync('tonypi/commands/response', '{"command_id":"c1","success":true}', { qos: 1 });
    await expect(answers.promise).resolves.toMatchObject({ payload: '{"command_id":"c1","success":true}' });

    const stop = await nextMessage(robot, 'tonypi/emergency_stop/tonypi_01');
    await fleet.publishAsync('tonypi/emergency_stop/tonypi_01', '{"type":"emergency_stop"}', { qos: 1 });
    await expect(stop.promise).resolves.toMatchObject({ payload: '{"type":"emergency_stop"}' });
  });

  it("refuses Fleet's user name with a wrong secret", async () => {
    const { port } = await broker().start();
    await expect(robotClient(`mqtt://127.0.0.1:${port}`, 'impostor', { ...FLEET, password: 'guess' })).rejects.toThrow(
      /Not authorized|Bad username or password/,
    );
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
