import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sql } from 'kysely';
import { ReportScheduler } from '@apps/reports/src/report.scheduler';
import { ManualClock } from '@fleet/platform';
import { ReportRepository } from '@fleet/database';
import { verifyWebhookSignature } from '@fleet/messaging';
import type { AddressInfo } from 'node:net';
import { eventually } from '../support/eventually';
import { builtApp, runProcess, type FleetProcess } from '../support/process';
import { REPORTS_TARGETS, startReportsStack, type ReportsStack } from '../support/reports-stack';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const MINUTE = 60_000;
/** The receivers below listen on loopback, which webhooks may reach only when allowed. */
const ALLOW_LOCAL_WEBHOOKS = { ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
const embedded = REPORTS_TARGETS.find((t) => t.needs.length === 0)!;

async function reportsPerDue(stack: ReportsStack, scheduleId: string) {
  const { rows } = await sql<{ due_at: Date; n: number }>`
    SELECT due_at, count(*)::int AS n FROM reports WHERE schedule_id = ${scheduleId} GROUP BY due_at ORDER BY due_at`.execute(
    stack.db,
  );
  return rows.map((r) => [r.due_at.toISOString(), r.n]);
}

describe('report schedules across two reports replicas, over a moved clock', () => {
  let factory: DatabaseFactory;
  let databaseUrl: string;
  let first: ReportsStack;
  let second: ReportsStack | undefined;
  let admin: string;
  const clock = new ManualClock(new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 10_000));
  const prefix = uniqueName('schedules');

  beforeAll(async () => {
    factory = new DatabaseFactory(embeddedTarget());
    databaseUrl = (await factory.create()).url;
    first = await startReportsStack(embedded, { clock, databaseUrl, prefix, env: ALLOW_LOCAL_WEBHOOKS });
    second = await startReportsStack(embedded, { clock, databaseUrl, prefix, env: ALLOW_LOCAL_WEBHOOKS });
    admin = await first.tokenFor('admin');
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await factory?.dispose();
  });

  async function schedule(body: Record<string, unknown>) {
    const created = await first.call('POST', '/api/v1/report-schedules', {
      token: admin,
      body: { type: 'system', period: 'day', cron: '* * * * *', formats: ['json'], ...body },
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; next_due_at: string };
  }

  it('each due time makes exactly one report, whichever replica gets there', async () => {
    const every = await schedule({ name: uniqueName('every-minute') });
    const start = clock.now().getTime();
    expect(every.next_due_at).toBe(new Date(Math.ceil(start / MINUTE) * MINUTE).toISOString());
    const due: string[] = [];
    for (let i = 1; i <= 5; i++) {
      clock.set(new Date(Math.floor(start / MINUTE) * MINUTE + i * MINUTE + 1_000));
      due.push(new Date(Math.floor(start / MINUTE) * MINUTE + i * MINUTE).toISOString());
      // Both replicas look every 100 ms: give each several looks at every due time.
      await Promise.all([first.app.app.get(ReportScheduler).tick(), second!.app.app.get(ReportScheduler).tick()]);
      await eventually(async () => expect((await reportsPerDue(first, every.id)).map(([d]) => d)).toEqual(due));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(await reportsPerDue(first, every.id)).toEqual(due.map((d) => [d, 1]));
    await eventually(async () => {
      const done = await first.db.selectFrom('reports').select('status').where('schedule_id', '=', every.id).execute();
      expect(done.map((r) => r.status)).toEqual(due.map(() => 'done'));
    }, 30_000);
    await first.call('PATCH', `/api/v1/report-schedules/${every.id}`, { token: admin, body: { enabled: false } });
  });

  it("tells the schedule's webhook of each report it made, signed, with its links", async () => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const told = await schedule({
        name: uniqueName('told'),
        webhook_url: `http://127.0.0.1:${port}/reports`,
        webhook_secret: 'the-schedule-webhook-secret',
      });
      clock.set(new Date(Date.parse(told.next_due_at) + 1_000));
      await first.app.app.get(ReportScheduler).tick();
      const delivery = await eventually(() => {
        expect(received).toHaveLength(1);
        return received[0];
      }, 30_000);
      const payload = JSON.parse(delivery.body);
      expect(payload).toMatchObject({
        event: 'report.done',
        schedule: { id: told.id },
        report: { status: 'done', report_type: 'system', due_at: told.next_due_at, error: null },
      });
      expect(payload.report.files).toEqual([
        { format: 'json', bytes: null, url: `/api/v1/reports/${payload.report.id}.json` },
      ]);
      expect(delivery.headers['x-fleet-event']).toBe('report.done');
      expect(
        verifyWebhookSignature(
          'the-schedule-webhook-secret',
          delivery.headers['x-fleet-timestamp'] as string,
          delivery.body,
          delivery.headers['x-fleet-signature'] as string,
          { now: clock.now() },
        ),
      ).toBe(true);
      await first.call('PATCH', `/api/v1/report-schedules/${told.id}`, { token: admin, body: { enabled: false } });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('a run that fails is retried after a pause, then failed with its reason, a system log entry and a metric', async () => {
    const [row] = await first.db
      .insertInto('reports')
      .values({
        title: 'a report that cannot be made',
        report_type: 'performance',
        status: 'queued',
        formats: ['json'],
        max_attempts: 2,
        next_attempt_at: clock.now(),
        created_by: 'test',
        created_at: clock.now(),
      })
      .returning('id')
      .execute();
    const id = row.id;
    const stateOf = () =>
      first.db
        .selectFrom('reports')
        .select(['status', 'attempts', 'error', 'next_attempt_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const retried = await eventually(async () => {
      const state = await stateOf();
      expect(state).toMatchObject({ status: 'queued', attempts: 1, error: `report ${id} has no period` });
      return state;
    });
    expect(retried.next_attempt_at?.getTime()).toBe(clock.now().getTime() + 30_000);
    clock.advance(30_000);
    first.worker.kick();
    second?.worker.kick();
    await eventually(async () => expect(await stateOf()).toMatchObject({ status: 'failed', attempts: 2 }));
    const logged = await first.db
      .selectFrom('system_logs')
      .select(['level', 'message'])
      .where('category', '=', 'reports')
      .where('message', 'like', `report ${id} %`)
      .orderBy('id')
      .execute();
    expect(logged).toEqual([
      { level: 'WARNING', message: expect.stringContaining('(attempt 1 of 2), trying again at') },
      { level: 'ERROR', message: `report ${id} (performance) failed after 2 attempt(s): report ${id} has no period` },
    ]);
    const metrics = [first, second].map(async (s) => (s ? await (await fetch(`${s.app.url}/metrics`)).text() : ''));
    const text = (await Promise.all(metrics)).join('\n');
    expect(text).toMatch(/fleet_report_runs_total\{[^}]*type="performance"[^}]*outcome="failed"[^}]*\} 1/);
  });

  it('after downtime, run_once makes the most recent missed report once and skip makes none', async () => {
    const once = await schedule({ name: uniqueName('catch-up'), missed: 'run_once' });
    const skip = await schedule({ name: uniqueName('skipper'), missed: 'skip' });
    await second!.close();
    second = undefined;
    await first.close();
    // Both replicas down for ten due times; then one starts again.
    const back = Math.floor(clock.now().getTime() / MINUTE) * MINUTE + 10 * MINUTE + 20_000;
    clock.set(new Date(back));
    first = await startReportsStack(embedded, { clock, databaseUrl, prefix, env: ALLOW_LOCAL_WEBHOOKS });
    await eventually(async () => {
      expect(await reportsPerDue(first, once.id)).toEqual([
        [new Date(Math.floor(back / MINUTE) * MINUTE).toISOString(), 1],
      ]);
    });
    // Each schedule is caught up on its own: wait for both.
    await eventually(async () => {
      const schedules = await first.db
        .selectFrom('report_schedules')
        .select(['id', 'next_due_at'])
        .where('id', 'in', [once.id, skip.id])
        .execute();
      expect(schedules.map((s) => s.next_due_at)).toEqual([
        new Date(Math.floor(back / MINUTE) * MINUTE + MINUTE),
        new Date(Math.floor(back / MINUTE) * MINUTE + MINUTE),
      ]);
    });
    expect(await reportsPerDue(first, skip.id)).toEqual([]);
    const skipped = await first.db
      .selectFrom('system_logs')
      .select('message')
      .where('category', '=', 'reports')
      .where('message', 'like', '%skips it%')
      .execute();
    expect(skipped).toHaveLength(1);
  });
});

/** An OpenAI-compatible server whose first answer never comes (its caller is killed meanwhile). */
class StallingModel {
  requests = 0;
  private server?: Server;
  private readonly held: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        this.requests++;
        if (this.requests === 1) {
          this.held.push(res);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            model: 'stub-model',
            choices: [{ message: { content: 'The fleet ran without trouble.' } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}/v1`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('a reports replica killed in the middle of a report', () => {
  let factory: DatabaseFactory;
  let stack: ReportsStack | undefined;
  let child: FleetProcess | undefined;
  let dataDir: { path: string; remove: () => Promise<void> } | undefined;
  const model = new StallingModel();

  afterAll(async () => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await stack?.close();
    await factory?.dispose();
    await dataDir?.remove();
    await model.stop();
  });

  it('leaves the report to another replica, which makes it once', async () => {
    const url = await model.start();
    const ai = { REPORTS_AI_URL: url, REPORTS_AI_MODEL: 'stub-model' };
    factory = new DatabaseFactory(embeddedTarget());
    const database = await factory.create();
    dataDir = await tempDir('fleet-reports-doomed');
    child = runProcess(builtApp('reports'), {
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: '0',
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      FLEET_DATA_DIR: dataDir.path,
      FLEET_INSTANCE_ID: 'reports-doomed',
      LOG_LEVEL: 'info',
      REPORTS_LEASE_S: '5',
      REPORTS_CHECK_INTERVAL_MS: '100',
      ...ai,
    });
    await child.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('ready on'));
    const reports = new ReportRepository(database.db);
    const now = new Date();
    const queued = await reports.enqueue({
      title: 'System health report: fleet',
      description: null,
      reportType: 'system',
      robotIds: null,
      from: new Date(Math.floor(now.getTime() / MINUTE) * MINUTE - 3_600_000),
      to: new Date(Math.floor(now.getTime() / MINUTE) * MINUTE),
      timeRange: '1h',
      timezone: 'UTC',
      formats: ['json', 'pdf'],
      options: { summary: true },
      createdBy: 'test',
      maxAttempts: 3,
      at: now,
    });
    // The doomed replica holds the report, waiting for the model.
    await eventually(() => expect(model.requests).toBe(1), 20_000);
    const held = await reports.get(queued.id);
    expect(held).toMatchObject({ status: 'running', attempts: 1 });
    expect(held.lease_owner).toMatch(/^reports-doomed:/);
    child.child.kill('SIGKILL');
    await child.exited;

    // The survivor, on the system clock: it takes the report up once the dead replica's lease has run out.
    stack = await startReportsStack(embedded, {
      databaseUrl: database.url,
      env: { ...ai, REPORTS_CHECK_INTERVAL_MS: '200' },
    });
    const done = await eventually(async () => {
      const row = await reports.get(queued.id);
      expect(row.status).toBe('done');
      return row;
    }, 30_000);
    expect(done.attempts).toBe(2);
    expect(done.lease_owner).toBeNull();
    expect((done.data as { summary: { text: string } }).summary.text).toBe('The fleet ran without trouble.');
    expect(model.requests).toBe(2);
    expect(await database.db.selectFrom('reports').select('id').execute()).toHaveLength(1);
  }, 120_000);
});
