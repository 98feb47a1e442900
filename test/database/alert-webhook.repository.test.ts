import type { Kysely } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError } from '@fleet/contracts';
import {
  ALERT_COLUMNS,
  alertEvent,
  AlertNotificationRepository,
  AlertWebhookRepository,
  enqueueAlertEvent,
  type DB,
} from '@fleet/database';
import { describeEachDatabase } from '../support/database';

const SECRET = 'sixteen-chars-or-more';

async function fieldsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).issues.map((i) => i.path);
}

describeEachDatabase('AlertWebhookRepository', (factory) => {
  let webhooks: AlertWebhookRepository;

  beforeEach(async () => {
    webhooks = new AlertWebhookRepository((await factory().create()).db);
  });

  it('adds a webhook with the defaults and says whether it has a secret, never what it is', async () => {
    const created = await webhooks.create(
      { name: 'ops', url: 'https://hooks.example.com/fleet', secret: SECRET },
      'alice',
    );
    expect(created).toEqual({
      id: expect.any(Number) as number,
      name: 'ops',
      url: 'https://hooks.example.com/fleet',
      min_severity: 'warning',
      events: ['opened', 'escalated', 'acknowledged', 'resolved', 'deleted'],
      enabled: true,
      created_by: 'alice',
      created_at: expect.any(Date) as Date,
      updated_at: null,
      has_secret: true,
    });
    const plain = await webhooks.create({ name: 'chat', url: 'http://10.0.0.5:8080/in', events: ['opened'] }, null);
    expect(plain).toMatchObject({ has_secret: false, events: ['opened'], created_by: null });

    const everyRead = [
      created,
      plain,
      await webhooks.get(created.id),
      await webhooks.find(created.id),
      await webhooks.findByName('ops'),
      ...(await webhooks.list()),
      await webhooks.update(created.id, { enabled: false }),
    ];
    for (const webhook of everyRead) expect(webhook).not.toHaveProperty('secret');
    expect(JSON.stringify(everyRead)).not.toContain(SECRET);
    expect((await webhooks.list()).map((w) => w.name)).toEqual(['chat', 'ops']);

    expect(await webhooks.getForDelivery(created.id)).toEqual({
      id: created.id,
      name: 'ops',
      url: 'https://hooks.example.com/fleet',
      secret: SECRET,
      enabled: false,
    });
  });

  it('refuses a name already taken, and bad input naming the field', async () => {
    await webhooks.create({ name: 'ops', url: 'https://a.example.com/' }, null);
    const duplicate = webhooks.create({ name: 'ops', url: 'https://b.example.com/' }, null);
    await expect(duplicate).rejects.toBeInstanceOf(ConflictError);
    await expect(duplicate).rejects.toThrow("a webhook named 'ops' already exists");
    expect(await fieldsOf(webhooks.create({ name: 'x', url: 'ftp://example.com/' }, null))).toEqual(['url']);
    expect(await fieldsOf(webhooks.create({ name: 'x', url: 'https://e.com/', secret: 'short' }, null))).toEqual([
      'secret',
    ]);
    expect(await fieldsOf(webhooks.create({ name: 'a/b', url: 'https://e.com/' }, null))).toEqual(['name']);
    expect(
      await fieldsOf(webhooks.create({ name: 'x', url: 'https://e.com/', min_severity: 'fatal' as 'critical' }, null)),
    ).toEqual(['min_severity']);
    expect(await fieldsOf(webhooks.create({ name: 'x', url: 'https://e.com/', events: [] }, null))).toEqual(['events']);
    expect(await webhooks.list()).toHaveLength(1);
  });

  it('changes only the fields given: the secret stays unless set to null', async () => {
    const { id } = await webhooks.create({ name: 'ops', url: 'https://a.example.com/', secret: SECRET }, null);
    await webhooks.create({ name: 'other', url: 'https://b.example.com/' }, null);

    const updated = await webhooks.update(id, { min_severity: 'critical', events: ['opened', 'resolved'] });
    expect(updated).toMatchObject({
      name: 'ops',
      url: 'https://a.example.com/',
      min_severity: 'critical',
      events: ['opened', 'resolved'],
      enabled: true,
      has_secret: true,
      updated_at: expect.any(Date) as Date,
    });
    expect((await webhooks.getForDelivery(id)).secret).toBe(SECRET);
    expect(await webhooks.update(id, { secret: null })).toMatchObject({ has_secret: false });
    expect((await webhooks.getForDelivery(id)).secret).toBeNull();

    await expect(webhooks.update(id, { name: 'other' })).rejects.toThrow(ConflictError);
    expect(await fieldsOf(webhooks.update(id, { url: 'not a url' }))).toEqual(['url']);
    await expect(webhooks.update(9999, { enabled: false })).rejects.toThrow(new NotFoundError('webhook', '9999'));
    expect(await webhooks.get(id)).toMatchObject({ name: 'ops', url: 'https://a.example.com/' });
  });

  it('removes a webhook, or says it was not there', async () => {
    const { id } = await webhooks.create({ name: 'ops', url: 'https://a.example.com/' }, null);
    await webhooks.remove(id);
    expect(await webhooks.find(id)).toBeUndefined();
    expect(await webhooks.findByName('ops')).toBeUndefined();
    await expect(webhooks.remove(id)).rejects.toThrow(NotFoundError);
    await expect(webhooks.get(id)).rejects.toThrow(NotFoundError);
    await expect(webhooks.getForDelivery(id)).rejects.toThrow(NotFoundError);
  });
});

describeEachDatabase('AlertNotificationRepository', (factory) => {
  let db: Kysely<DB>;
  let webhooks: AlertWebhookRepository;
  let notifications: AlertNotificationRepository;

  async function queueFor(robotId: string): Promise<void> {
    const row = await db
      .insertInto('alerts')
      .values({ robot_id: robotId, alert_type: 'battery', severity: 'critical', title: 'Battery', message: '9%' })
      .returning(ALERT_COLUMNS)
      .executeTakeFirstOrThrow();
    await enqueueAlertEvent(db, alertEvent('opened', row, new Date()));
  }

  beforeEach(async () => {
    db = (await factory().create()).db;
    webhooks = new AlertWebhookRepository(db);
    notifications = new AlertNotificationRepository(db);
  });

  it('a late outcome of a claim whose lease ran out does not overwrite the newer claim', async () => {
    await webhooks.create({ name: 'ops', url: 'https://a.example.com/' }, null);
    await queueFor('r1');
    const now = new Date(Date.now() + 1_000);
    const [stale] = await notifications.claimDue(now, 1, 1_000);
    const later = new Date(now.getTime() + 2_000);
    const [fresh] = await notifications.claimDue(later, 1, 60_000);
    expect([stale?.attempts, fresh?.attempts]).toEqual([1, 2]);

    await notifications.markDelivered(stale?.id ?? '', 200, later, stale?.attempts);
    await notifications.markAttemptFailed(stale?.id ?? '', { error: 'late', nextAttemptAt: null }, stale?.attempts);
    expect(await notifications.counts()).toEqual({ pending: 1, delivered: 0, failed: 0 });
    await notifications.markDelivered(fresh?.id ?? '', 204, later, fresh?.attempts);
    expect(await notifications.counts()).toEqual({ pending: 0, delivered: 1, failed: 0 });
  });

  it('leases what it claims, so it is not claimed again until delivered, retried or the lease runs out', async () => {
    const hook = await webhooks.create({ name: 'ops', url: 'https://a.example.com/', secret: SECRET }, null);
    for (const robot of ['r1', 'r2', 'r3']) await queueFor(robot);
    const now = new Date(Date.now() + 1_000);

    const first = await notifications.claimDue(now, 2, 60_000);
    expect(first).toEqual([
      expect.objectContaining({ webhook_id: hook.id, attempts: 1, name: 'ops', secret: SECRET, event: 'opened' }),
      expect.objectContaining({ attempts: 1 }),
    ]);
    expect(BigInt(first[0]?.id ?? 0) < BigInt(first[1]?.id ?? 0)).toBe(true);
    const rest = await notifications.claimDue(now, 10, 60_000);
    expect(rest).toHaveLength(1);
    expect(await notifications.claimDue(now, 10, 60_000)).toEqual([]);

    await notifications.markDelivered(first[0]?.id ?? '', 200, now);
    await notifications.markAttemptFailed(first[1]?.id ?? '', { status: 502, error: 'HTTP 502', nextAttemptAt: now });
    await notifications.release(rest.map((r) => r.id));
    const again = await notifications.claimDue(now, 10, 60_000);
    expect(again.map((r) => [r.id, r.attempts])).toEqual([
      [first[1]?.id, 2],
      [rest[0]?.id, 1],
    ]);
    // A deliverer that died leaves its rows to the others once the lease has run out.
    const later = new Date(now.getTime() + 60_000);
    expect(await notifications.claimDue(later, 10, 60_000)).toHaveLength(2);

    // A disabled webhook's deliveries wait for it to be enabled again.
    const evenLater = new Date(later.getTime() + 60_000);
    await webhooks.update(hook.id, { enabled: false });
    expect(await notifications.claimDue(evenLater, 10, 60_000)).toEqual([]);
    await webhooks.update(hook.id, { enabled: true });
    expect(await notifications.claimDue(evenLater, 10, 60_000)).toHaveLength(2);
  });

  it('lists deliveries newest first, by webhook and state, counts them, and clears old finished ones', async () => {
    const a = await webhooks.create({ name: 'a', url: 'https://a.example.com/' }, null);
    const b = await webhooks.create({ name: 'b', url: 'https://b.example.com/' }, null);
    for (const robot of ['r1', 'r2']) await queueFor(robot);
    const now = new Date(Date.now() + 1_000);
    const [first, second, third] = await notifications.claimDue(now, 3, 60_000);
    await notifications.markDelivered(first?.id ?? '', 200, now);
    await notifications.markAttemptFailed(second?.id ?? '', { error: 'gone', nextAttemptAt: null });
    await notifications.markAttemptFailed(third?.id ?? '', { status: 500, error: 'HTTP 500', nextAttemptAt: now });

    const all = await notifications.list();
    expect(all.total).toBe(4);
    expect(all.items.map((n) => n.id)).toEqual(
      all.items.map((n) => n.id).sort((x, y) => Number(BigInt(y) - BigInt(x))),
    );
    expect(all.items[0]).toMatchObject({ webhook_name: expect.any(String) as string, payload: { event: 'opened' } });
    expect((await notifications.list({ webhookId: a.id })).items.every((n) => n.webhook_name === 'a')).toBe(true);
    expect((await notifications.list({ status: 'failed' })).items).toEqual([
      expect.objectContaining({ id: second?.id, last_error: 'gone', last_status: null }),
    ]);
    expect(await notifications.list({ limit: 1, offset: 1 })).toMatchObject({ total: 4, limit: 1, offset: 1 });
    expect(await notifications.counts()).toEqual({ pending: 2, delivered: 1, failed: 1 });
    const byWebhook = await notifications.countsByWebhook();
    expect([...byWebhook.keys()].sort()).toEqual([a.id, b.id].sort());
    expect((byWebhook.get(a.id)?.pending ?? 0) + (byWebhook.get(b.id)?.pending ?? 0)).toBe(2);

    expect(await notifications.deleteOlderThan(new Date(Date.now() + 60_000))).toBe(2);
    expect(await notifications.counts()).toEqual({ pending: 2, delivered: 0, failed: 0 });

    // Removing a webhook drops its deliveries with it.
    await webhooks.remove(a.id);
    expect((await notifications.list()).items.every((n) => n.webhook_id === b.id)).toBe(true);
  });
});
