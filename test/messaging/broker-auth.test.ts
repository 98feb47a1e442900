import { connectAsync, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { RobotCredentialRepository, RobotRepository } from '@fleet/database';
import {
  EmbeddedBroker,
  hashRobotSecret,
  INTERNAL_USER,
  newRobotSecret,
  robotCredentialLookup,
  type EmbeddedBrokerOptions,
} from '@fleet/messaging';
import { describeEachDatabase, type TestDatabase } from '../support/database';
import { captureLogs } from '../support/logs';
import { nextMessage, robotClient } from '../support/mqtt';

const SECRET = 'fleet-secret-for-this-test';
const FLEET = { username: INTERNAL_USER, password: SECRET };

/** Every message `client` receives, in order. */
function collect(client: MqttClient): { topic: string; payload: string }[] {
  const received: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
  return received;
}

/** Resolves when the broker closes `client`'s connection. */
function closed(client: MqttClient, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the broker left ${client.options.clientId} connected`)),
      timeoutMs,
    );
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describeEachDatabase('robot access to the embedded broker', (factory) => {
  let db: TestDatabase;
  let logs: ReturnType<typeof captureLogs>;
  const brokers: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    db = await factory().create();
    logs = captureLogs();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const b of brokers.splice(0)) await b.close();
  });

  const startBroker = async (options: Partial<EmbeddedBrokerOptions> = {}) => {
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: SECRET,
      topicPrefix: '',
      logger: logs.logger,
      robotCredentials: robotCredentialLookup(db.db),
      ...options,
    });
    brokers.push(broker);
    const { port } = await broker.start();
    return `mqtt://127.0.0.1:${port}`;
  };
  const connect = async (url: string, clientId: string, credentials?: { username: string; password: string }) => {
    const client = await robotClient(url, clientId, credentials);
    clients.push(client);
    return client;
  };
  /** Registers the robot and issues it a secret, as `fleet robots credentials <id> --create` does. */
  const credentialsFor = async (robotId: string) => {
    await new RobotRepository(db.db).create(robotId);
    const password = newRobotSecret();
    await new RobotCredentialRepository(db.db).issue(robotId, hashRobotSecret(password), { actor: 'test' });
    return { username: robotId, password };
  };
  const warnings = () => logs.lines().filter((l) => l.level === 'warn');

  it('lets a robot with credentials publish its own telemetry and the topics without an id', async () => {
    const url = await startBroker();
    const fleet = await connect(url, 'fleet-test', FLEET);
    const robot = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));

    const status = await nextMessage(fleet, 'tonypi/status/+');
    await robot.publishAsync('tonypi/status/tonypi_01', '{"status":"online"}', { qos: 1 });
    await expect(status.promise).resolves.toMatchObject({ topic: 'tonypi/status/tonypi_01' });

    const battery = await nextMessage(fleet, 'tonypi/battery');
    await robot.publishAsync('tonypi/battery', '{"robot_id":"tonypi_01","percentage":80}', { qos: 1 });
    await expect(battery.promise).resolves.toMatchObject({ topic: 'tonypi/battery' });

    const answer = await nextMessage(fleet, 'tonypi/commands/response');
    await robot.publishAsync('tonypi/commands/response', '{"command_id":"c1","success":true}', { qos: 1 });
    await expect(answer.promise).resolves.toMatchObject({ topic: 'tonypi/commands/response' });

    const [row] = await new RobotCredentialRepository(db.db).list('tonypi_01');
    expect(row?.last_used_at).toBeInstanceOf(Date);
  });

  it("closes a robot that publishes under another robot's id, and delivers nothing of it", async () => {
    const url = await startBroker();
    const fleet = await connect(url, 'fleet-test', FLEET);
    const received = collect(fleet);
    await fleet.subscribeAsync('tonypi/#', { qos: 1 });
    const intruder = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));
    const victim = await connect(url, 'tonypi_02', await credentialsFor('tonypi_02'));

    const gone = closed(intruder);
    intruder.publish('tonypi/status/tonypi_02', '{"status":"offline"}', { qos: 0 });
    await gone;

    const marker = await nextMessage(fleet, 'tonypi/status/tonypi_02');
    await victim.publishAsync('tonypi/status/tonypi_02', '{"status":"online"}', { qos: 1 });
    await expect(marker.promise).resolves.toMatchObject({ payload: '{"status":"online"}' });
    expect(received).toEqual([{ topic: 'tonypi/status/tonypi_02', payload: '{"status":"online"}' }]);
    expect(warnings()).toContainEqual(
      expect.objectContaining({ clientId: 'tonypi_01', robotId: 'tonypi_01', topic: 'tonypi/status/tonypi_02' }),
    );
  });

  it("closes a robot that reports another robot's battery, counts and logs it, and takes its own", async () => {
    const metrics = new Registry();
    const url = await startBroker({ metrics });
    const fleet = await connect(url, 'fleet-test', FLEET);
    const received = collect(fleet);
    await fleet.subscribeAsync('tonypi/#', { qos: 1 });
    const credentials = await credentialsFor('tonypi_01');
    const intruder = await connect(url, 'tonypi_01', credentials);

    const gone = closed(intruder);
    intruder.publish('tonypi/battery', '{"robot_id":"tonypi_02","percentage":3}', { qos: 0 });
    await gone;

    const honest = await connect(url, 'tonypi_01', credentials);
    const own = await nextMessage(fleet, 'tonypi/battery');
    await honest.publishAsync('tonypi/battery', '{"robot_id":"tonypi_01","percentage":80}', { qos: 1 });
    await expect(own.promise).resolves.toMatchObject({ payload: '{"robot_id":"tonypi_01","percentage":80}' });
    expect(received.map((m) => m.payload)).toEqual(['{"robot_id":"tonypi_01","percentage":80}']);

    expect(warnings()).toContainEqual(
      expect.objectContaining({
        clientId: 'tonypi_01',
        robotId: 'tonypi_01',
        topic: 'tonypi/battery',
        reason: expect.stringContaining("'tonypi_02'") as unknown,
      }),
    );
    const refused = await metrics.getSingleMetric('fleet_mqtt_broker_publishes_refused_total')?.get();
    expect(refused?.values).toEqual([{ labels: { reason: 'robot_id' }, value: 1 }]);
  });

  it('holds an anonymous robot to its client id in payloads, and leaves payloads without an id to ingest', async () => {
    const url = await startBroker({ allowAnonymous: true });
    const fleet = await connect(url, 'fleet-test', FLEET);
    const robot = await connect(url, 'tonypi_05');

    for (const payload of ['not json', '{"percentage":50}', '{"robot_id":"tonypi_05","percentage":50}']) {
      const delivered = await nextMessage(fleet, 'tonypi/location');
      await robot.publishAsync('tonypi/location', payload, { qos: 1 });
      await expect(delivered.promise).resolves.toMatchObject({ payload });
    }
    // Fleet itself may speak for any robot.
    const answer = await nextMessage(robot, 'tonypi/commands/tonypi_05');
    await fleet.publishAsync('tonypi/commands/response', '{"robot_id":"tonypi_09","command_id":"c1"}', { qos: 1 });
    await fleet.publishAsync('tonypi/commands/tonypi_05', '{"type":"stop"}', { qos: 1 });
    await expect(answer.promise).resolves.toMatchObject({ topic: 'tonypi/commands/tonypi_05' });
    expect(fleet.connected).toBe(true);

    const gone = closed(robot);
    robot.publish('tonypi/emergency_stop/response', '{"robot_id":"tonypi_06","success":true}', { qos: 0 });
    await gone;
    expect(warnings()).toContainEqual(
      expect.objectContaining({ clientId: 'tonypi_05', topic: 'tonypi/emergency_stop/response' }),
    );
  });

  it('lets no robot command robots, itself included', async () => {
    const url = await startBroker();
    const robot = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));
    const gone = closed(robot);
    robot.publish('tonypi/commands/tonypi_01', '{"type":"shutdown"}', { qos: 0 });
    await gone;
    expect(warnings()).toContainEqual(expect.objectContaining({ topic: 'tonypi/commands/tonypi_01' }));
  });

  it("refuses a subscription to another robot's commands, and keeps the robot's own", async () => {
    const url = await startBroker();
    const fleet = await connect(url, 'fleet-test', FLEET);
    const robot = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));
    const received = collect(robot);

    await expect(robot.subscribeAsync('tonypi/commands/tonypi_02', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(robot.subscribeAsync('tonypi/commands/+', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(robot.subscribeAsync('tonypi/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(robot.connected).toBe(true);
    await robot.subscribeAsync(['tonypi/commands/tonypi_01', 'tonypi/commands/broadcast'], { qos: 1 });

    const own = await nextMessage(robot, 'tonypi/+/tonypi_01');
    await fleet.publishAsync('tonypi/commands/tonypi_02', '{"type":"stop"}', { qos: 1 });
    await fleet.publishAsync('tonypi/commands/tonypi_01', '{"type":"resume"}', { qos: 1 });
    await expect(own.promise).resolves.toMatchObject({ topic: 'tonypi/commands/tonypi_01' });
    expect(received.map((m) => m.topic)).toEqual(['tonypi/commands/tonypi_01']);
    expect(warnings()).toContainEqual(expect.objectContaining({ clientId: 'tonypi_01', topic: 'tonypi/commands/+' }));
  });

  it('refuses a wrong secret, an unknown robot and a deactivated one, logging why without the secret', async () => {
    const url = await startBroker();
    const credentials = await credentialsFor('tonypi_01');
    const wrong = { username: 'tonypi_01', password: newRobotSecret() };
    await expect(connect(url, 'tonypi_01', wrong)).rejects.toThrow(/Bad username or password/);
    await expect(connect(url, 'tonypi_09', { ...credentials, username: 'tonypi_09' })).rejects.toThrow(
      /Bad username or password/,
    );
    await expect(connect(url, 'tonypi_01', { username: 'tonypi_01', password: '' })).rejects.toThrow(
      /Bad username or password/,
    );

    await new RobotRepository(db.db).deactivate('tonypi_01');
    await expect(connect(url, 'tonypi_01', credentials)).rejects.toThrow(/Bad username or password/);

    const refusals = warnings().filter((l) => String(l.msg).startsWith('MQTT login refused'));
    expect(refusals.map((l) => l.username)).toEqual(['tonypi_01', 'tonypi_09', 'tonypi_01', 'tonypi_01']);
    const logged = JSON.stringify(logs.lines());
    expect(logged).not.toContain(credentials.password);
    expect(logged).not.toContain(wrong.password);
  });

  it('refuses a revoked credential and closes the connections that use it', async () => {
    const url = await startBroker({ credentialCacheMs: 200 });
    const credentials = await credentialsFor('tonypi_01');
    const robot = await connect(url, 'tonypi_01', credentials);

    const gone = closed(robot);
    await new RobotCredentialRepository(db.db).revoke('tonypi_01', { actor: 'test' });
    await gone;
    await expect(connect(url, 'tonypi_01', credentials)).rejects.toThrow(/Bad username or password/);
    expect(warnings()).toContainEqual(
      expect.objectContaining({
        robotId: 'tonypi_01',
        msg: "MQTT connection closed: the robot's credential was revoked or replaced",
      }),
    );
  });

  it('accepts a rotated secret at once and refuses the replaced one', async () => {
    const url = await startBroker();
    const old = await credentialsFor('tonypi_01');
    await (await connect(url, 'tonypi_01', old)).endAsync();

    const rotated = newRobotSecret();
    await new RobotCredentialRepository(db.db).issue('tonypi_01', hashRobotSecret(rotated), { actor: 'test' });
    await expect(connect(url, 'tonypi_01', { username: 'tonypi_01', password: rotated })).resolves.toMatchObject({
      connected: true,
    });
    // The broker remembered the old secret; the new one replaced it in its memory as well.
    await expect(connect(url, 'tonypi_01b', old)).rejects.toThrow(/Bad username or password/);
  });

  it('refuses robots without credentials unless MQTT_ALLOW_ANONYMOUS is on', async () => {
    const url = await startBroker();
    await expect(connect(url, 'tonypi_01')).rejects.toThrow(/Not authorized/);
    const refusal = warnings().find((l) => l.clientId === 'tonypi_01');
    expect(refusal?.reason).toContain('MQTT_ALLOW_ANONYMOUS is off');
  });

  it('with MQTT_ALLOW_ANONYMOUS, takes a client without credentials for the robot its client id names', async () => {
    const url = await startBroker({ allowAnonymous: true });
    const fleet = await connect(url, 'fleet-test', FLEET);
    const robot = await connect(url, 'tonypi_05');

    const status = await nextMessage(fleet, 'tonypi/status/+');
    await robot.publishAsync('tonypi/status/tonypi_05', '{"status":"online"}', { qos: 1 });
    await expect(status.promise).resolves.toMatchObject({ topic: 'tonypi/status/tonypi_05' });
    await robot.subscribeAsync(['tonypi/commands/tonypi_05', 'tonypi/emergency_stop/broadcast'], { qos: 1 });
    await expect(robot.subscribeAsync('tonypi/commands/tonypi_06', { qos: 1 })).rejects.toThrow(/Subscribe error/);

    const gone = closed(robot);
    robot.publish('tonypi/status/tonypi_06', '{"status":"offline"}', { qos: 0 });
    await gone;

    await expect(connect(url, 'tonypi/05')).rejects.toThrow(/Identifier rejected/);
    await expect(connect(url, 'broadcast')).rejects.toThrow(/Identifier rejected/);
    // Credentials, when given, are still checked.
    await expect(connect(url, 'tonypi_05', { username: 'tonypi_05', password: 'guess' })).rejects.toThrow(
      /Bad username or password/,
    );
  });

  it('with MQTT_ALLOW_ANONYMOUS, refuses a client without credentials that takes the id of a robot that has them', async () => {
    const url = await startBroker({ allowAnonymous: true });
    const fleet = await connect(url, 'fleet-test', FLEET);
    const robot = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));
    await robot.subscribeAsync('tonypi/commands/tonypi_01', { qos: 1 });

    await expect(connect(url, 'tonypi_01')).rejects.toThrow(/Not authorized/);
    expect(robot.connected).toBe(true);
    const command = await nextMessage(robot, 'tonypi/commands/tonypi_01');
    await fleet.publishAsync('tonypi/commands/tonypi_01', '{"type":"stop"}', { qos: 1 });
    await expect(command.promise).resolves.toMatchObject({ topic: 'tonypi/commands/tonypi_01' });
    const refusal = warnings().find(
      (l) => String(l.msg).startsWith('MQTT login refused') && l.clientId === 'tonypi_01',
    );
    expect(refusal?.reason).toContain('has credentials');

    // Once its credential is revoked, the robot may again be admitted by its client id.
    await robot.endAsync();
    await new RobotCredentialRepository(db.db).revoke('tonypi_01', { actor: 'test' });
    await expect(connect(url, 'tonypi_01')).resolves.toMatchObject({ connected: true });
  });

  it("keeps robots off Fleet's client ids and out of wills on others' topics", async () => {
    const url = await startBroker({ allowAnonymous: true });
    const credentials = await credentialsFor('tonypi_01');
    await expect(connect(url, 'fleet-ingest-1', credentials)).rejects.toThrow(/Identifier rejected/);
    await expect(connect(url, 'fleet-ingest-1')).rejects.toThrow(/Identifier rejected/);

    const will = (topic: string) =>
      connectAsync(url, {
        clientId: 'tonypi_01',
        reconnectPeriod: 0,
        ...credentials,
        will: { topic, payload: Buffer.from('{"status":"offline"}'), qos: 0, retain: false },
      });
    await expect(will('tonypi/status/tonypi_02')).rejects.toThrow(/Not authorized/);
    const robot = await will('tonypi/status/tonypi_01');
    clients.push(robot);
    expect(robot.connected).toBe(true);
  });

  it("lets Fleet's own services publish and read everything", async () => {
    const url = await startBroker();
    const fleet = await connect(url, 'fleet-jobs-1', FLEET);
    const robot = await connect(url, 'tonypi_01', await credentialsFor('tonypi_01'));
    await fleet.subscribeAsync(['#', 'tonypi/commands/+', '$share/ingest/tonypi/sensors/+'], { qos: 1 });

    const stop = await nextMessage(robot, 'tonypi/emergency_stop/broadcast');
    await fleet.publishAsync('tonypi/emergency_stop/broadcast', '{"type":"emergency_stop"}', { qos: 1 });
    await expect(stop.promise).resolves.toMatchObject({ payload: '{"type":"emergency_stop"}' });
    for (const topic of ['tonypi/commands/tonypi_01', 'tonypi/config/tonypi_01', 'tonypi/items/tonypi_01']) {
      const delivered = await nextMessage(robot, topic);
      await fleet.publishAsync(topic, '{}', { qos: 1 });
      await expect(delivered.promise).resolves.toMatchObject({ topic });
    }
    await expect(connect(url, 'fleet-jobs-2', { ...FLEET, password: 'guess' })).rejects.toThrow(
      /Bad username or password/,
    );
  });
});
