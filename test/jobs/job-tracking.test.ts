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

    /** Jobs and ingest on their own database and prefix, a watcher on the job and telemetry streams, and a robot. */
    async function stack() {
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
      const jobs = await startApp(JobsModule, 'jobs', env);
      apps.push(jobs);
      await jobs.app.get(TelemetryReader).ready;
      apps.push(await startApp(IngestModule, 'ingest', env));
      const db: Kysely<DB> = jobs.app.get(DATABASE);
      const bus: EventBus = jobs.app.get(EVENT_BUS);
      const jobEvents = await watch<LiveRecordEvent>(bus, JOB_STREAM);
      const telemetry = await watch<TelemetryEvent>(bus, TELEMETRY_STREAM);
      subscriptions.push(jobEvents.subscription, telemetry.subscription);

      const robotId = uniqueName('tonypi');
      robot = await robotClient(serverUrl('MQTT_URL') as string, robotId);
      const t0 = Date.now() - 120_000;
      const topic = `${prefix}/tonypi/job/${robotId}`;
      // As the TonyPi client's send_job_event writes them (optional keys only when given), at its QoS 0.
      const send = (seconds: number, fields: Record<string, unknown>) =>
        robot!.publishAsync(
          topic,
          JSON.stringify({
            robot_id: robotId,
            timestamp: naiveIsoTimestamp(new Date(t0 + seconds * 1000)),
            task_name: 'Peeling',
            ...fields,
          }),
          { qos: 0 },
        );
      const jobRows = () => db.selectFrom('jobs').selectAll().where('robot_id', '=', robotId).orderBy('id').execute();
      return { jobs, db, bus, jobEvents, telemetry, robotId, t0, send, jobRows };
    }

    it('started, in progress and done make one completed job; late and repeated messages change nothing', async () => {
      const { jobs, db, bus, jobEvents, telemetry, robotId, t0, send } = await stack();

      await send(0, { status: 'started', phase: 'scanning', estimated_duration: 60 });
      const progress = (seconds: number, phase: string, done: number) =>
        send(seconds, {
          status: 'in_progress',
          phase,
          elapsed_time: seconds,
          items_done: done,
          items_total: 4,
          progress_percent: done * 25,
        });
      await progress(10, 'searching', 1);
      await progress(20, 'executing', 2);
      await progress(30, 'executing', 3);
      await send(45, {
        status: 'done',
        phase: 'done',
        elapsed_time: 45,
        success: true,
        items_done: 4,
        items_total: 4,
        progress_percent: 100,
      });

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
      await progress(30, 'executing', 3);
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

      // The operator can read why the robot's job did not move.
      const ignored = jobs.logs.lines().filter((l) => l.level === 'info' && l.robotId === robotId && 'reason' in l);
      expect(ignored).toContainEqual(expect.objectContaining({ jobId: job.id, reason: 'out_of_order' }));
      expect(ignored.map((l) => l.msg)).toContain(
        `job message of ${robotId} ignored: older than the last message applied to its job`,
      );
    });

    it('a start while a job is active ends that job as superseded and opens the new one', async () => {
      const { jobEvents, t0, send, jobRows } = await stack();

      await send(0, { status: 'started', phase: 'scanning', estimated_duration: 60 });
      await send(10, {
        status: 'in_progress',
        phase: 'executing',
        elapsed_time: 10,
        items_done: 1,
        items_total: 4,
        progress_percent: 25,
      });
      await send(25, { status: 'started', phase: 'scanning', task_name: 'Sorting' });

      const rows = await eventually(async () => {
        const all = await jobRows();
        expect(all.map((r) => r.status)).toEqual(['superseded', 'active']);
        return all;
      });
      expect(rows[0]).toMatchObject({ task_name: 'Peeling', items_done: 1, percent_complete: 25, duration_s: 25 });
      expect(rows[0].end_time?.getTime()).toBe(t0 + 25_000);
      expect(rows[1]).toMatchObject({ task_name: 'Sorting', percent_complete: 0, end_time: null });
      expect(rows[1].start_time.getTime()).toBe(t0 + 25_000);

      await eventually(() => expect(jobEvents.received).toHaveLength(4));
      expect(jobEvents.received.map((e) => [e.event, e.id])).toEqual([
        ['started', rows[0].id],
        ['progress', rows[0].id],
        ['superseded', rows[0].id],
        ['started', rows[1].id],
      ]);
      expect(jobEvents.received[2]).toMatchObject({ job: { status: 'superseded' } });
    });
  });
}
