import type { MqttClient } from 'mqtt';
import type { Kysely } from 'kysely';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { TelemetryReader } from '@apps/jobs/src/telemetry.reader';
import { JobsModule } from '@apps/jobs/src/jobs.module';
import {
  JOB_STREAM,
  liveRecordEventSchema,
  naiveIsoTimestamp,
  TELEMETRY_STREAM,
  type LiveRecordEvent,
  type TelemetryEvent,
} from '@fleet/contracts';
import { DATABASE, type DB } from '@fleet/database';
import { EVENT_BUS, type EventBus, type Subscription } from '@fleet/messaging';
import { startApp, type RunningApp } from '../support/app';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { robotClient } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const needed = ['DATABASE_URL', 'REDIS_URL', 'MQTT_URL'] as const;
const missing = needed.filter((v) => !serverUrl(v));

/** Everything published on one stream of the bus from now on. */
async function watch<T>(bus: EventBus, stream: string): Promise<{ received: T[]; subscription: Subscription }> {
  const received: T[] = [];
  const subscription = bus.subscribe<T>(stream, uniqueName('watch'), 'test', (batch) => {
    for (const e of batch) received.push(e.data);
    return Promise.resolve();
  });
  await subscription.ready;
  return { received, subscription };
}

if (missing.length > 0) {
  reportMissingServer(missing[0], 'job tracking');
} else {
  /** Ingest and jobs as production runs them: separate services meeting on Mosquitto, Redis and Postgres. */
  describe('a TonyPi job run over MQTT, through ingest, to the jobs table', () => {
    let factory: DatabaseFactory;
    const apps: RunningApp[] = [];
    const subscriptions: Subscription[] = [];
    let robot: MqttClient | undefined;
    let buffer: Awaited<ReturnType<typeof tempDir>>;

    beforeAll(() => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
    });
    afterAll(async () => {
      await factory.dispose();
    });
    afterEach(async () => {
      for (const s of subscriptions.splice(0)) await s.close();
      await robot?.endAsync(true);
      for (const app of apps.splice(0).reverse()) await app.close();
      await buffer?.remove();
    });

    it('started, in progress and done make one completed job; late and repeated messages change nothing', async () => {
      const database = await factory.create();
      const prefix = uniqueName('jobs');
      buffer = await tempDir('fleet-jobs');
      const env = {
        DATABASE_URL: database.url,
        MQTT_URL: serverUrl('MQTT_URL') as string,
        MQTT_TOPIC_PREFIX: prefix,
        REDIS_URL: serverUrl('REDIS_URL') as string,
        REDIS_KEY_PREFIX: `${prefix}:`,
        INGEST_BUFFER_DIR: buffer.path,
      };
      apps.push(await startApp(JobsModule, 'jobs', env));
      await apps[0].app.get(TelemetryReader).ready;
      apps.push(await startApp(IngestModule, 'ingest', env));
      const db: Kysely<DB> = apps[0].app.get(DATABASE);
      const bus: EventBus = apps[0].app.get(EVENT_BUS);
      const jobEvents = await watch<LiveRecordEvent>(bus, JOB_STREAM);
      const telemetry = await watch<TelemetryEvent>(bus, TELEMETRY_STREAM);
      subscriptions.push(jobEvents.subscription, telemetry.subscription);

      const robotId = uniqueName('tonypi');
      robot = await robotClient(serverUrl('MQTT_URL') as string, robotId);
      const t0 = Date.now() - 120_000;
      const topic = `${prefix}/tonypi/job/${robotId}`;
      // As the TonyPi client's send_job_event writes them: optional keys only when given.
      const send = (seconds: number, fields: Record<string, unknown>) =>
        robot!.publishAsync(
          topic,
          JSON.stringify({
            robot_id: robotId,
            timestamp: naiveIsoTimestamp(new Date(t0 + seconds * 1000)),
            task_name: 'Peeling',
            ...fields,
          }),
          { qos: 1 },
        );

      await send(0, { status: 'started', phase: 'scanning', estimated_duration: 60 });
      await send(10, { status: 'in_progress', phase: 'searching', elapsed_time: 10, items_done: 1, items_total: 4 });
      await send(20, { status: 'in_progress', phase: 'executing', elapsed_time: 20, items_done: 2, items_total: 4 });
      await send(30, { status: 'in_progress', phase: 'executing', elapsed_time: 30, items_done: 3, items_total: 4 });
      await send(45, { status: 'done', phase: 'done', elapsed_time: 45, success: true, items_done: 4, items_total: 4 });

      const job = await eventually(async () => {
        const rows = await db.selectFrom('jobs').selectAll().where('robot_id', '=', robotId).execute();
        expect(rows).toHaveLength(1);
        expect(rows[0].status).toBe('completed');
        return rows[0];
      });
      expect(job).toMatchObject({
        task_name: 'Peeling',
        phase: 'done',
        items_done: 4,
        items_total: 4,
        percent_complete: 100,
        estimated_duration_s: 60,
        duration_s: 45,
        end_reason: null,
      });
      expect(job.start_time.getTime()).toBe(t0);
      expect(job.end_time?.getTime()).toBe(t0 + 45_000);

      const milestones = await db
        .selectFrom('system_logs')
        .select(['message', 'details', 'category'])
        .where('robot_id', '=', robotId)
        .where('category', '=', 'job')
        .orderBy('id')
        .execute();
      expect(milestones.map((m) => (m.details as { milestone: number }).milestone)).toEqual([25, 50, 75, 100]);
      expect(milestones[1].message).toBe(`Job ${job.id} (Peeling) on ${robotId} reached 50%`);

      await eventually(() => expect(jobEvents.received.map((e) => e.event)).toContain('completed'));
      for (const e of jobEvents.received) expect(liveRecordEventSchema.safeParse(e).success).toBe(true);
      expect(jobEvents.received.map((e) => [e.event, e.id, e.robot_id])).toEqual([
        ['started', job.id, robotId],
        ['progress', job.id, robotId],
        ['progress', job.id, robotId],
        ['progress', job.id, robotId],
        ['completed', job.id, robotId],
      ]);
      expect(jobEvents.received[4]).toMatchObject({ job: { status: 'completed', percent_complete: 100 } });

      // A message read again (same key, as the bus redelivers it), the robot sending one twice, and a late one.
      await eventually(() => expect(telemetry.received.filter((e) => e.kind === 'job')).toHaveLength(5));
      const sent = telemetry.received.filter((e) => e.kind === 'job');
      await bus.publish(TELEMETRY_STREAM, [sent[4], sent[2]]);
      await send(30, { status: 'in_progress', phase: 'executing', elapsed_time: 30, items_done: 3, items_total: 4 });
      await send(0, { status: 'started', phase: 'scanning', estimated_duration: 60 });
      await send(40, { status: 'cancelled', phase: 'executing', reason: 'late' });
      // The next job, sent after them: once it is there, the ones before it have been read.
      await send(60, { status: 'started', phase: 'scanning', task_name: 'Sorting' });
      const rows = await eventually(async () => {
        const all = await db.selectFrom('jobs').selectAll().where('robot_id', '=', robotId).orderBy('id').execute();
        expect(all).toHaveLength(2);
        return all;
      });
      expect(rows[0]).toEqual(job);
      expect(rows[1]).toMatchObject({ status: 'active', task_name: 'Sorting' });
      const logs = await db
        .selectFrom('system_logs')
        .select('id')
        .where('robot_id', '=', robotId)
        .where('category', '=', 'job')
        .execute();
      expect(logs).toHaveLength(4);
      await eventually(() => expect(jobEvents.received).toHaveLength(6));
      expect(jobEvents.received[5]).toMatchObject({ event: 'started', id: rows[1].id });
    });
  });
}
