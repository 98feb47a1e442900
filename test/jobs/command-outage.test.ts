import { connectAsync, type MqttClient } from 'mqtt';
import type { CommandView } from '@fleet/contracts';
import { MQTT_CONNECTION, MqttConnection, MqttPublishError } from '@fleet/messaging';
import { API_SERVERS } from '../support/api';
import { startCommandStack, tonypiClient, type CommandStack, type FakeRobot } from '../support/command-stack';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/logs';
import { describeWithMosquitto, StoppableBroker } from '../support/mosquitto';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

describeWithMosquitto('commands through a broker outage', ({ mosquitto }) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let broker: StoppableBroker;

  beforeAll(async () => {
    dir = await tempDir('fleet-broker-outage');
    broker = new StoppableBroker(mosquitto, dir.path);
    await broker.start();
  });
  afterAll(async () => {
    await broker?.stop('SIGKILL');
    await dir?.remove();
  });

  describe('the MQTT connection', () => {
    const clients: MqttClient[] = [];
    const connections: MqttConnection[] = [];
    afterEach(async () => {
      for (const c of connections.splice(0)) await c.close();
      broker.thaw();
      for (const c of clients.splice(0)) await c.endAsync(true);
      await broker.start();
    });

    const connection = () => {
      const c = new MqttConnection({
        url: broker.url,
        clientId: uniqueName('fleet_test'),
        logger: captureLogs().logger,
      });
      connections.push(c);
      return c;
    };

    it('refuses at once to publish while disconnected, leaving nothing to go out on the reconnect', async () => {
      const publisher = connection();
      await publisher.waitUntilConnected(5_000);
      await broker.stop();
      await eventually(() => expect(publisher.connected).toBe(false));

      const started = Date.now();
      const refused = await publisher.publishJson('outage/late', { n: 1 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MqttPublishError);
      expect((refused as MqttPublishError).maybeSent).toBe(false);
      expect((refused as MqttPublishError).message).toMatch(/^not connected to/);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(Object.keys(publisher.client.outgoing)).toEqual([]);

      await broker.start();
      await publisher.waitUntilConnected(5_000);
      const receiver = await connectAsync(broker.url, { clientId: uniqueName('receiver'), reconnectPeriod: 0 });
      clients.push(receiver);
      const received: string[] = [];
      receiver.on('message', (_topic, payload) => received.push(payload.toString()));
      await receiver.subscribeAsync('outage/#', { qos: 1 });
      await publisher.publishJson('outage/marker', { n: 2 });
      await eventually(() => expect(received).toContain('{"n":2}'));
      expect(received).toEqual(['{"n":2}']);
    });

    it('takes back a publish the broker did not acknowledge in time, so a reconnect does not send it late', async () => {
      const receiverId = uniqueName('receiver');
      const receiver = await connectAsync(broker.url, { clientId: receiverId, clean: false, reconnectPeriod: 100 });
      clients.push(receiver);
      const received: string[] = [];
      receiver.on('message', (_topic, payload) => received.push(payload.toString()));
      await receiver.subscribeAsync('hung/#', { qos: 1 });
      const publisher = connection();
      await publisher.waitUntilConnected(5_000);

      broker.freeze();
      const timedOut = await publisher.publishJson('hung/late', { n: 1 }, 300).catch((error: unknown) => error);
      expect(timedOut).toBeInstanceOf(MqttPublishError);
      expect((timedOut as MqttPublishError).maybeSent).toBe(true);
      expect((timedOut as MqttPublishError).message).toMatch(/did not acknowledge/);
      expect(Object.keys(publisher.client.outgoing)).toEqual([]);

      // The frozen broker dies without reading what it was sent; a new one takes its place.
      await broker.stop('SIGKILL');
      await broker.start();
      await eventually(() => expect(receiver.connected).toBe(true));
      await receiver.subscribeAsync('hung/#', { qos: 1 });
      await publisher.waitUntilConnected(5_000);
      await eventually(async () => {
        await publisher.publishJson('hung/marker', { n: 2 });
        expect(received).toContain('{"n":2}');
      });
      expect(received.filter((m) => m === '{"n":1}')).toEqual([]);
    });
  });

  if (missing.length > 0) {
    reportMissingServer(missing[0], 'commands through a broker outage');
    return;
  }

  describe('the jobs service', () => {
    let factory: DatabaseFactory;
    let stack: CommandStack;
    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      stack = await startCommandStack(factory, { MQTT_URL: broker.url });
    });
    afterAll(async () => {
      await stack?.close();
      await factory?.dispose();
    });

    const send = async (body: Record<string, unknown>) => {
      const response = await stack.api.call('POST', '/api/v1/commands', { token: stack.operator, body });
      return { status: response.status, id: (response.body as CommandView).id };
    };
    const read = async (id: string) =>
      (await stack.api.call('GET', `/api/v1/commands/${id}`, { token: stack.operator })).body as CommandView;
    const got = (robot: FakeRobot, id: string) => robot.received.filter((m) => m.message.id === id);
    const publishFailures = async (reason: string) => {
      const metrics = await (await fetch(`${stack.services[0].url}/metrics`)).text();
      const pattern = new RegExp(
        `^fleet_commands_publish_failures_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)$`,
        'gm',
      );
      return [...metrics.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
    };

    it('a move sent while the broker is down reaches the robot once when it returns, and one past its timeout never', async () => {
      const robot = await stack.robot({ answer: tonypiClient, persistent: true });
      const jobs = stack.services[0].app.get<MqttConnection>(MQTT_CONNECTION);
      await broker.stop();
      await eventually(() => expect(jobs.connected).toBe(false));

      const late = await send({
        robot_ids: [robot.id],
        type: 'move',
        parameters: { direction: 'forward' },
        timeout_s: 1,
        retries: 0,
      });
      const once = await send({
        robot_ids: [robot.id],
        type: 'move',
        parameters: { direction: 'backward' },
        timeout_s: 60,
        retries: 0,
      });
      expect([late.status, once.status]).toEqual([202, 202]);

      // Not published within its timeout while the broker is away: given up, never to run late.
      const gaveUp = await eventually(async () => {
        const command = await read(late.id);
        expect(command.status).toBe('timed_out');
        return command;
      }, 8_000);
      expect(gaveUp.results).toMatchObject([
        { status: 'timed_out', attempts: 0, message: 'not sent: still unpublished after 1 s' },
      ]);
      // Every round tried `once` again and failed at once, queuing nothing.
      await eventually(async () => expect(await publishFailures('not_connected')).toBeGreaterThanOrEqual(4));
      expect(await read(once.id)).toMatchObject({ status: 'sent', attempts: 0 });

      await broker.start();
      await eventually(() => expect(got(robot, once.id)).toHaveLength(1), 15_000);
      await eventually(async () => expect((await read(once.id)).results).toMatchObject([{ attempts: 1 }]));

      // A later command goes out after anything the jobs service could still have held from the outage.
      const marker = await send({ robot_ids: [robot.id], type: 'status_request' });
      expect(marker.status).toBe(202);
      await eventually(() => expect(got(robot, marker.id)).toHaveLength(1));
      expect(got(robot, once.id)).toHaveLength(1);
      expect(got(robot, late.id)).toHaveLength(0);
      expect(await read(late.id)).toMatchObject({ status: 'timed_out' });
    });
  });
});
