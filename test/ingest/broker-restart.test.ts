import { connectAsync, type MqttClient } from 'mqtt';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { robotExample } from '@fleet/contracts';
import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import { startApp, type RunningApp } from '../support/app';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { eventually } from '../support/eventually';
import { describeWithMosquitto, StoppableBroker } from '../support/mosquitto';
import { tempDir } from '../support/temp-dir';

/**
 * A broker that restarts keeps ingest's persistent session but, with Mosquitto, not its shared subscription, while
 * it still answers "session present": ingest must subscribe again on every connection, or it hears nothing more.
 */
describeWithMosquitto('ingest across a broker restart', ({ mosquitto }) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let buffer: Awaited<ReturnType<typeof tempDir>>;
  let broker: StoppableBroker;
  let factory: DatabaseFactory;
  let app: RunningApp | undefined;
  let robot: MqttClient | undefined;

  beforeAll(async () => {
    dir = await tempDir('fleet-ingest-broker');
    buffer = await tempDir('fleet-ingest-buffer');
    broker = new StoppableBroker(mosquitto, dir.path);
    await broker.start();
    factory = new DatabaseFactory(embeddedTarget());
  });
  afterAll(async () => {
    await robot?.endAsync(true);
    await app?.close();
    await broker?.stop('SIGKILL');
    await buffer?.remove();
    await dir?.remove();
    await factory?.dispose();
  });

  /** The latest battery percentage ingest has stored for `robotId`. */
  const battery = async (store: TelemetryStore, robotId: string) =>
    (await store.latest(robotId, 'battery_status')).map((point) => point.fields.percentage);

  it('keeps taking robot messages after the broker restarts', async () => {
    const database = await factory.create();
    app = await startApp(IngestModule, 'ingest', {
      DATABASE_URL: database.url,
      INGEST_BUFFER_DIR: buffer.path,
      MQTT_URL: broker.url,
      INGEST_SHARED_SUBSCRIPTION: 'on',
    });
    const store = app.app.get<symbol, TelemetryStore>(TELEMETRY_STORE);
    const publishBattery = async (percentage: number) => {
      robot = await connectAsync(broker.url, { clientId: 'tonypi_restart', reconnectPeriod: 0 });
      const { topic, payload } = robotExample('battery', { robotId: 'tonypi_restart', at: new Date() });
      await robot.publishAsync(topic, JSON.stringify({ ...payload, percentage }), { qos: 1 });
      await robot.endAsync();
      robot = undefined;
    };

    await publishBattery(81);
    await eventually(async () => expect(await battery(store, 'tonypi_restart')).toEqual([81]), 10_000);

    await broker.stop();
    await broker.start();
    // Ingest reconnects by itself (within its reconnect period); then a robot publishes again.
    await eventually(
      async () => {
        await publishBattery(42);
        expect(await battery(store, 'tonypi_restart')).toEqual([42]);
      },
      20_000,
      500,
    );
  }, 60_000);
});
