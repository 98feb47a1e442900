import { connectAsync, type MqttClient } from 'mqtt';
import { PostgresTelemetryStore } from '@fleet/telemetry';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { builtApp, runProcess, type FleetProcess } from '../support/process';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const databaseUrl = serverUrl('DATABASE_URL');
const mqttUrl = serverUrl('MQTT_URL');

if (!databaseUrl) reportMissingServer('DATABASE_URL', 'ingest killed mid-run');
else if (!mqttUrl) reportMissingServer('MQTT_URL', 'ingest killed mid-run');
else
  describe('ingest killed with SIGKILL in the middle of a run (Mosquitto, PostgreSQL)', () => {
    const factory = new DatabaseFactory({ name: 'postgres', adminUrl: databaseUrl });
    let buffer: { path: string; remove: () => Promise<void> };
    const processes: FleetProcess[] = [];
    let publisher: MqttClient | undefined;

    afterAll(async () => {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await publisher?.endAsync(true);
      await buffer?.remove();
      await factory.dispose();
    });

    it('loses nothing: every message published before, during and after the kill is stored exactly once', async () => {
      const database = await factory.create();
      buffer = await tempDir('fleet-ingest-crash');
      const prefix = uniqueName('crash');
      const env = {
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        MQTT_URL: mqttUrl,
        MQTT_TOPIC_PREFIX: prefix,
        // The same replica restarts: same MQTT session, same buffer.
        FLEET_INSTANCE_ID: prefix,
        INGEST_BUFFER_DIR: buffer.path,
        INGEST_BATCH_WAIT_MS: '10',
      };
      const main = builtApp('ingest');
      const startIngest = async () => {
        const ingest = runProcess(main, env);
        processes.push(ingest);
        await ingest.waitForLog((line) => line.msg === 'subscribed to robot topics', 30_000);
        return ingest;
      };

      const first = await startIngest();
      publisher = await connectAsync(mqttUrl, { clientId: `${prefix}-robot`, reconnectPeriod: 0 });
      const robotId = 'tonypi_crash';
      const base = Date.now() - 120_000;
      const publish = async (from: number, to: number) => {
        for (let n = from; n < to; n += 50) {
          const window = [];
          for (let i = n; i < Math.min(n + 50, to); i += 1) {
            const payload = {
              robot_id: robotId,
              sensor_type: 'ultrasonic',
              value: i,
              unit: 'cm',
              timestamp: new Date(base + i).toISOString(),
            };
            window.push(
              publisher!.publishAsync(`${prefix}/tonypi/sensors/${robotId}`, JSON.stringify(payload), { qos: 1 }),
            );
          }
          await Promise.all(window);
        }
      };

      await publish(0, 1_000);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      await publish(1_000, 1_500); // the broker holds these for the stopped replica's session
      await startIngest();
      await publish(1_500, 2_000);

      const store = new PostgresTelemetryStore(database.db, { rawRetentionDays: 7 });
      await eventually(
        async () => {
          const result = await store.history({
            robotId,
            measurement: 'sensor_data',
            fields: ['value'],
            from: new Date(base - 1),
            to: new Date(base + 3_000),
            everyMs: 3_600_000,
            fn: 'count',
          });
          expect(result.values.value.reduce<number>((sum, n) => sum + (n ?? 0), 0)).toBe(2_000);
        },
        60_000,
        200,
      );
      const rows = await database.db
        .selectFrom('telemetry_points')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('robot_id', '=', robotId)
        .executeTakeFirstOrThrow();
      expect(Number(rows.n)).toBe(2_000);
    }, 180_000);
  });
