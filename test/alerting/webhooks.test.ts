import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { NotificationsModule } from '@apps/alerting/src/notifications/notifications.module';
import { WebhookDeliverer } from '@apps/alerting/src/notifications/webhook.deliverer';
import { verifyWebhookSignature, WebhookUrlPolicy, type HostLookup } from '@fleet/messaging';
import { loadConfig } from '@fleet/config';
import { alertEventSchema, type AlertEventType, type AlertSeverity } from '@fleet/contracts';
import {
  ALERT_COLUMNS,
  alertEvent,
  AlertNotificationRepository,
  AlertWebhookRepository,
  enqueueAlertEvent,
  SystemLogRepository,
  type DB,
} from '@fleet/database';
import { freePort, ManualClock, MetricsService } from '@fleet/platform';
import { describeEachDatabase } from '../support/database';
import { startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { captureLogs } from '../support/logs';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A webhook receiver on 127.0.0.1 that records each request and answers as `answer` says (the nth, from 1). */
class Receiver {
  readonly requests: Received[] = [];
  answer: (n: number) => Answer = () => ({ status: 200 });
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        receiver.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = receiver.answer(receiver.requests.length);
        if (answer !== 'hang') res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/fleet`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const SECRET = 'webhook-secret-for-tests';
const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 300;
/** The longest first backoff (5 s + 20%), and a little more. */
const FIRST_BACKOFF_MS = 6_001;

describeEachDatabase('alert webhooks', (factory) => {
  let db: Kysely<DB>;
  let url: string;
  let clock: ManualClock;
  let receiver: Receiver;
  let logs: ReturnType<typeof captureLogs>;
  let webhooks: AlertWebhookRepository;
  let notifications: AlertNotificationRepository;
  let robots = 0;

  // The receivers run on this machine: deliveries to 127.0.0.1 are allowed deliberately, as an operator would
  // allow a receiver on a private network.
  const config = loadConfig({
    ALERT_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    ALERT_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  });

  function deliverer(
    database = db,
    metrics = new MetricsService('alerting'),
    policy = new WebhookUrlPolicy(config.alerting.webhookAllowedHosts),
  ) {
    return {
      metrics,
      deliverer: new WebhookDeliverer(
        new AlertNotificationRepository(database),
        new SystemLogRepository(database),
        config,
        logs.logger,
        clock,
        metrics,
        policy,
      ),
    };
  }

  /** Inserts an open alert and queues its `event`, in one transaction as alerting does. */
  async function alertChanged(severity: AlertSeverity = 'warning', event: AlertEventType = 'opened') {
    robots += 1;
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('alerts')
        .values({
          robot_id: `tonypi_${robots}`,
          alert_type: 'battery',
          severity,
          title: 'Battery low',
          message: 'Battery at 15%',
          source: 'battery',
          value: 15,
          threshold: 20,
        })
        .returning(ALERT_COLUMNS)
        .executeTakeFirstOrThrow();
      const change = alertEvent(event, row, clock.now());
      const queued = await enqueueAlertEvent(trx, change);
      return { row, event: change, queued };
    });
  }

  async function deliveriesOf(webhookId: number) {
    return (await notifications.list({ webhookId })).items;
  }

  async function counted(metrics: MetricsService) {
    const metric = await metrics.registry.getSingleMetric('fleet_alert_webhook_deliveries_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.result), v.value]));
  }

  beforeEach(async () => {
    ({ db, url } = await factory().create());
    // Ahead of the database's clock, so what is queued during the test is due at once.
    clock = new ManualClock(new Date(Date.now() + 10_000));
    receiver = await Receiver.start();
    logs = captureLogs();
    webhooks = new AlertWebhookRepository(db);
    notifications = new AlertNotificationRepository(db);
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('posts the alert event, signed with the secret and the time, with its event and delivery id', async () => {
    const hook = await webhooks.create({ name: 'ops', url: receiver.url, secret: SECRET }, 'alice');
    const { event, queued } = await alertChanged();
    expect(queued).toBe(1);
    const { deliverer: d, metrics } = deliverer();

    expect(await d.runOnce()).toBe(1);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const [delivery] = await deliveriesOf(hook.id);
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Fleet-Webhooks/1',
      'x-fleet-event': 'opened',
      'x-fleet-delivery': delivery?.id,
      'x-fleet-timestamp': timestamp,
      'x-fleet-signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/) as string,
    });
    const signature = String(request?.headers['x-fleet-signature']);
    const body = request?.body ?? '';
    expect(verifyWebhookSignature(SECRET, timestamp, body, signature, { now: clock.now() })).toBe(true);
    expect(verifyWebhookSignature('another-secret-of-16', timestamp, body, signature, { now: clock.now() })).toBe(
      false,
    );
    expect(alertEventSchema.parse(JSON.parse(body))).toEqual(event);

    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(delivery?.delivered_at).toEqual(clock.now());
    expect(await counted(metrics)).toEqual({ delivered: 1 });
    expect(await d.runOnce()).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify(logs.lines())).not.toContain(SECRET);
  });

  it('retries a delivery the receiver refused once the backoff has passed, and delivers it once', async () => {
    const hook = await webhooks.create({ name: 'flaky', url: receiver.url }, null);
    receiver.answer = (n) => (n === 1 ? { status: 500, body: 'database\n  is down' } : { status: 204 });
    await alertChanged();
    const { deliverer: d, metrics } = deliverer();
    const failedAt = clock.now();

    expect(await d.runOnce()).toBe(1);
    const [retry] = await deliveriesOf(hook.id);
    expect(retry).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 500,
      last_error: 'HTTP 500: database is down',
    });
    const waitMs = (retry?.next_attempt_at.getTime() ?? 0) - failedAt.getTime();
    expect(waitMs).toBeGreaterThanOrEqual(4_000);
    expect(waitMs).toBeLessThanOrEqual(6_000);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'webhook delivery failed; it will be tried again',
        webhook: 'flaky',
        status: 500,
        attempt: 1,
      }),
    );
    // Not due yet.
    clock.advance(3_000);
    expect(await d.runOnce()).toBe(0);

    clock.advance(FIRST_BACKOFF_MS);
    expect(await d.runOnce()).toBe(1);
    expect(await d.runOnce()).toBe(0);
    const [delivered] = await deliveriesOf(hook.id);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, last_status: 204, last_error: null });
    expect(receiver.requests).toHaveLength(2);
    // The same delivery both times, so a receiver that got the first one after all can tell.
    expect(receiver.requests.map((r) => r.headers['x-fleet-delivery'])).toEqual([delivered?.id, delivered?.id]);
    expect(receiver.requests[0]?.headers).not.toHaveProperty('x-fleet-signature');
    expect(await counted(metrics)).toEqual({ retry: 1, delivered: 1 });
  });

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    const hook = await webhooks.create({ name: 'slow', url: receiver.url }, null);
    receiver.answer = () => 'hang';
    await alertChanged();

    expect(await deliverer().deliverer.runOnce()).toBe(1);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: null,
      last_error: `no answer within ${TIMEOUT_MS} ms`,
    });
  });

  it('does not follow a redirect, and says so', async () => {
    const hook = await webhooks.create({ name: 'moved', url: receiver.url }, null);
    receiver.answer = () => ({ status: 301, headers: { location: 'http://example.invalid/elsewhere' } });
    await alertChanged();

    expect(await deliverer().deliverer.runOnce()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', last_status: 301 });
    expect(delivery?.last_error).toContain('redirect to http://example.invalid/elsewhere: redirects are not followed');
  });

  it('gives a delivery up after the last attempt, with an ERROR in the system log', async () => {
    const hook = await webhooks.create({ name: 'broken', url: receiver.url }, null);
    receiver.answer = () => ({ status: 503, body: 'maintenance' });
    const { row } = await alertChanged('critical');
    const { deliverer: d, metrics } = deliverer();

    expect(await d.runOnce()).toBe(1);
    clock.advance(FIRST_BACKOFF_MS);
    expect(await d.runOnce()).toBe(1);
    clock.advance(2 * FIRST_BACKOFF_MS);
    expect(await d.runOnce()).toBe(1);

    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, last_status: 503 });
    expect(await notifications.counts()).toEqual({ pending: 0, delivered: 0, failed: 1 });
    const errors = await new SystemLogRepository(db).list({ level: 'ERROR', category: 'alerting' });
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({
      robot_id: row.robot_id,
      details: {
        webhook: 'broken',
        webhook_id: hook.id,
        alert_id: row.id,
        event: 'opened',
        attempts: MAX_ATTEMPTS,
        last_status: 503,
        last_error: 'HTTP 503: maintenance',
      },
    });
    expect(errors.items[0]?.message).toContain(`Webhook 'broken' did not take the opened event of alert ${row.id}`);
    expect(await counted(metrics)).toEqual({ retry: 2, failed: 1 });

    clock.advance(24 * 60 * 60 * 1000);
    expect(await d.runOnce()).toBe(0);
    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS);
  });

  it('never throws out of a round when the receiver cannot be reached', async () => {
    const port = await freePort();
    const hook = await webhooks.create({ name: 'gone', url: `http://127.0.0.1:${port}/hook` }, null);
    await webhooks.create({ name: 'fine', url: receiver.url }, null);
    await alertChanged();

    await expect(deliverer().deliverer.runOnce()).resolves.toBe(2);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status: null });
    expect(delivery?.last_error).toMatch(new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    // The other webhook got its delivery all the same.
    expect(receiver.requests).toHaveLength(1);
  });

  it('posts nothing to a loopback address unless it is allowed, and records why as a failed attempt', async () => {
    const port = new URL(receiver.url).port;
    const literal = await webhooks.create({ name: 'literal', url: receiver.url }, null);
    const named = await webhooks.create({ name: 'named', url: `http://localhost:${port}/hooks/fleet` }, null);
    await alertChanged();
    const { deliverer: d, metrics } = deliverer(db, new MetricsService('alerting'), new WebhookUrlPolicy([]));

    expect(await d.runOnce()).toBe(2);

    expect(receiver.requests).toEqual([]);
    const [refusedLiteral] = await deliveriesOf(literal.id);
    expect(refusedLiteral).toMatchObject({ status: 'pending', attempts: 1, last_status: null });
    expect(refusedLiteral?.last_error).toBe(
      `not posted to 127.0.0.1:${port}: '127.0.0.1' is a loopback, private or link-local address: webhooks may only post to public addresses`,
    );
    const [refusedName] = await deliveriesOf(named.id);
    expect(refusedName).toMatchObject({ status: 'pending', attempts: 1, last_status: null });
    expect(refusedName?.last_error).toMatch(
      new RegExp(
        `^not posted to localhost:${port}: 'localhost' resolves to (127\\.0\\.0\\.1|::1), which is a loopback`,
      ),
    );
    expect(await counted(metrics)).toEqual({ retry: 2 });
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'webhook delivery failed; it will be tried again', webhook: 'named' }),
    );
  });

  it('refuses a host that resolved to a public address when it was added but to an internal one at delivery', async () => {
    const port = new URL(receiver.url).port;
    const answers = [['203.0.113.10'], ['127.0.0.1']];
    const rebinding: HostLookup = () => Promise.resolve(answers.shift() ?? ['127.0.0.1']);
    const policy = new WebhookUrlPolicy([], rebinding);
    const url = `http://rebind.example.test:${port}/hooks/fleet`;
    // What the API checks when the webhook is added.
    await expect(policy.check(url)).resolves.toBeUndefined();
    const hook = await webhooks.create({ name: 'rebind', url }, null);
    await alertChanged();

    expect(await deliverer(db, new MetricsService('alerting'), policy).deliverer.runOnce()).toBe(1);

    expect(receiver.requests).toEqual([]);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery?.last_error).toBe(
      `not posted to rebind.example.test:${port}: 'rebind.example.test' resolves to 127.0.0.1, which is a loopback, private or link-local address: webhooks may only post to public addresses`,
    );
  });

  it('connects to the address the policy resolved, so an allowed name reaches its receiver', async () => {
    const port = new URL(receiver.url).port;
    const lookups: string[] = [];
    const policy = new WebhookUrlPolicy(['relay.internal.test'], (host) => {
      lookups.push(host);
      return Promise.resolve(['127.0.0.1']);
    });
    const hook = await webhooks.create({ name: 'relay', url: `http://relay.internal.test:${port}/hooks/fleet` }, null);
    await alertChanged();

    expect(await deliverer(db, new MetricsService('alerting'), policy).deliverer.runOnce()).toBe(1);

    expect(lookups).toEqual(['relay.internal.test']);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers.host).toBe(`relay.internal.test:${port}`);
    expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'delivered', last_status: 200 }]);
  });

  it('delivers each notification exactly once when two deliverers race for the queue', async () => {
    const receiverB = await Receiver.start();
    // The second deliverer has its own connections, as another process would.
    const otherDb = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: 5 }) }),
    });
    try {
      await webhooks.create({ name: 'a', url: receiver.url, secret: SECRET }, null);
      await webhooks.create({ name: 'b', url: receiverB.url }, null);
      for (let i = 0; i < 20; i += 1) await alertChanged();
      const a = deliverer(db).deliverer;
      const b = deliverer(otherDb).deliverer;

      const rounds: number[][] = [];
      for (;;) {
        const round = await Promise.all([a.runOnce(), b.runOnce()]);
        if (round[0] + round[1] === 0) break;
        rounds.push(round);
      }

      expect(rounds.flat().reduce((sum, n) => sum + n, 0)).toBe(40);
      // Both took a share in the first round: neither waited for the other's rows.
      expect(rounds[0]).toEqual([16, 16]);
      const ids = [...receiver.requests, ...receiverB.requests].map((r) => r.headers['x-fleet-delivery']);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
      expect(await notifications.counts()).toEqual({ pending: 0, delivered: 40, failed: 0 });
    } finally {
      await otherDb.destroy();
      await receiverB.close();
    }
  });

  it('queues nothing for a webhook whose minimum severity the alert does not reach', async () => {
    const warn = await webhooks.create({ name: 'all', url: receiver.url }, null);
    const critical = await webhooks.create({ name: 'pager', url: receiver.url, min_severity: 'critical' }, null);
    const resolvedOnly = await webhooks.create({ name: 'log', url: receiver.url, events: ['resolved'] }, null);

    expect((await alertChanged('warning')).queued).toBe(1);
    expect((await alertChanged('critical')).queued).toBe(2);
    await deliverer().deliverer.runOnce();

    expect((await deliveriesOf(warn.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(await deliveriesOf(critical.id)).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(await deliveriesOf(resolvedOnly.id)).toEqual([]);
    const severities = receiver.requests.map(
      (r) => (JSON.parse(r.body) as { alert: { severity: string } }).alert.severity,
    );
    expect(severities.sort()).toEqual(['critical', 'critical', 'warning']);
  });

  it('delivers on its own once started, at once when woken, and stops cleanly', async () => {
    await webhooks.create({ name: 'live', url: receiver.url }, null);
    const { deliverer: d } = deliverer();
    d.onApplicationBootstrap();
    try {
      await alertChanged();
      d.wake();
      await eventually(() => expect(receiver.requests).toHaveLength(1));
      await alertChanged('critical');
      d.wake();
      await eventually(() => expect(receiver.requests).toHaveLength(2));
    } finally {
      await d.beforeApplicationShutdown();
    }
    await alertChanged();
    d.wake();
    expect(await notifications.counts()).toEqual({ pending: 1, delivered: 2, failed: 0 });
  });

  it('on shutdown finishes the deliveries in flight and hands back those it had not started', async () => {
    await webhooks.create({ name: 'stuck', url: receiver.url }, null);
    receiver.answer = () => 'hang';
    for (let i = 0; i < 6; i += 1) await alertChanged();
    const { deliverer: d } = deliverer();
    d.onApplicationBootstrap();
    // Four are posted at once; the other two wait their turn.
    await eventually(() => expect(receiver.requests).toHaveLength(4));
    await d.beforeApplicationShutdown();

    const rows = (await notifications.list()).items;
    expect(rows.filter((r) => r.attempts === 1).map((r) => r.last_error)).toEqual(
      Array.from({ length: 4 }, () => `no answer within ${TIMEOUT_MS} ms`),
    );
    const handedBack = rows.filter((r) => r.attempts === 0);
    expect(handedBack).toHaveLength(2);
    // Free for any deliverer at once, not after a lease.
    const reclaimed = await notifications.claimDue(clock.now(), 10, 60_000);
    expect(reclaimed.map((r) => r.id).sort()).toEqual(handedBack.map((r) => r.id).sort());
    expect(receiver.requests).toHaveLength(4);
  });

  it('runs in an application: delivers what is queued and counts it in /metrics', async () => {
    await webhooks.create({ name: 'app', url: receiver.url }, null);
    const running = await startApp(
      NotificationsModule,
      'alerting',
      { DATABASE_URL: url, ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
      { clock },
    );
    try {
      await alertChanged('critical');
      running.app.get(WebhookDeliverer).wake();
      await eventually(() => expect(receiver.requests).toHaveLength(1));
      await eventually(async () => {
        expect(await notifications.counts()).toMatchObject({ delivered: 1 });
      });
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toContain('fleet_alert_webhook_deliveries_total{result="delivered",service="alerting"} 1');
      expect(metrics).toMatch(/^fleet_alert_webhook_delivery_seconds_count\{service="alerting"\} 1$/m);
    } finally {
      await running.close();
    }
  });
});
