import type { MqttClient } from 'mqtt';
import { AlertingModule } from '@apps/alerting/src/alerting.module';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { robotExample } from '@fleet/contracts';
import { DATABASE, type DB } from '@fleet/database';
import type { Kysely } from 'kysely';
import { startApp, type RunningApp } from '../support/app';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { robotClient } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const needed = ['DATABASE_URL', 'REDIS_URL', 'MQTT_URL'] as const;
const missing = needed.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'alerting end to end');
} else {
  /** Ingest and alerting as production runs them: separate services meeting on Mosquitto, Redis and Postgres. */
  describe('a TonyPi robot over MQTT, through ingest, to alerts', () => {
    let factory: DatabaseFactory;
    const apps: RunningApp[] = [];
    let robot: MqttClient | undefined;
    let buffer: Awaited<ReturnType<typeof tempDir>>;

    beforeAll(() => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
    });
    afterAll(async () => {
      await factory.dispose();
    });
    afterEach(async () => {
      await robot?.endAsync(true);
      for (const app of apps.splice(0).reverse()) await app.close();
      await buffer?.remove();
    });

    it('a low battery held past its pending period raises one alert, and silence marks the robot offline', async () => {
      const database = await factory.create();
      const prefix = uniqueName('e2e');
      buffer = await tempDir('fleet-e2e');
      const env = {
        DATABASE_URL: database.url,
        MQTT_URL: serverUrl('MQTT_URL') as string,
        MQTT_TOPIC_PREFIX: prefix,
        REDIS_URL: serverUrl('REDIS_URL') as string,
        REDIS_KEY_PREFIX: `${prefix}:`,
        INGEST_BUFFER_DIR: buffer.path,
        // Real time here, as in production: a short timeout, checked often.
        ALERT_OFFLINE_TIMEOUT_S: '5',
        ALERT_CHECK_INTERVAL_MS: '200',
      };
      apps.push(await startApp(AlertingModule, 'alerting', env));
      apps.push(await startApp(IngestModule, 'ingest', env));
      const db: Kysely<DB> = apps[0].app.get(DATABASE);

      const robotId = uniqueName('tonypi');
      robot = await robotClient(serverUrl('MQTT_URL') as string, robotId);
      const started = Date.now() - 60_000;
      for (const seconds of [0, 20, 40]) {
        const { topic, payload } = robotExample('battery', { robotId, at: new Date(started + seconds * 1000) });
        // QoS 0, as the stock TonyPi client publishes.
        await robot.publishAsync(`${prefix}/${topic}`, JSON.stringify({ ...payload, percentage: 18.5 }));
      }

      const alert = await eventually(async () => {
        const rows = await db.selectFrom('alerts').selectAll().where('robot_id', '=', robotId).execute();
        expect(rows).toHaveLength(1);
        return rows[0];
      });
      expect(alert).toMatchObject({ alert_type: 'battery', severity: 'warning', value: 18.5, resolved: false });

      // The robot goes quiet for longer than its 5 s timeout (ingest keeps reporting that it hears everything).
      await eventually(async () => {
        const alerts = await db.selectFrom('alerts').select(['alert_type']).where('robot_id', '=', robotId).execute();
        expect(alerts.map((a) => a.alert_type).sort()).toEqual(['battery', 'network']);
      }, 15_000);
      const heartbeats = await db.selectFrom('service_heartbeats').select(['service']).execute();
      expect(heartbeats.map((h) => h.service)).toEqual(['ingest']);

      // It speaks again: the offline alert resolves and it is online.
      const { topic, payload } = robotExample('status', { robotId, at: new Date() });
      await robot.publishAsync(`${prefix}/${topic}`, JSON.stringify(payload));
      await eventually(async () => {
        const network = await db
          .selectFrom('alerts')
          .select(['resolved'])
          .where('robot_id', '=', robotId)
          .where('alert_type', '=', 'network')
          .executeTakeFirstOrThrow();
        expect(network.resolved).toBe(true);
      });
      const status = await db.selectFrom('robots').select('status').where('robot_id', '=', robotId).executeTakeFirst();
      expect(status?.status).toBe('online');
    });
  });
}
