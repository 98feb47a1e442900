import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@fleet/messaging';
import { runCli } from '@apps/cli/src/cli';
import { alertEventSchema } from '@fleet/contracts';
import {
  ALERT_COLUMNS,
  alertEvent,
  AlertNotificationRepository,
  AlertWebhookRepository,
  enqueueAlertEvent,
} from '@fleet/database';
import { freePort } from '@fleet/platform';
import { describeEachDatabase } from './support/database';
import { tempDir } from './support/temp-dir';

async function fleet(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { env, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** A receiver on 127.0.0.1 answering every request with `status` and `body`, and keeping what it got. */
async function receiver(status: number, body = '') {
  const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fleet`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const SECRET = 'a-secret-for-the-cli-test';

describeEachDatabase('fleet webhooks (command line)', (factory) => {
  it('adds a webhook, lists it without its secret, sends it a signed test and removes it', async () => {
    const { url, db } = await factory().create();
    // Test deliveries go to receivers on this machine, allowed deliberately.
    const env = { DATABASE_URL: url, ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
    const ok = await receiver(200);
    const dir = await tempDir('fleet-webhook-secret');
    try {
      const secretFile = join(dir.path, 'secret');
      await writeFile(secretFile, `${SECRET}\n`);
      const added = await fleet(
        [
          'webhooks',
          'add',
          '--name',
          'ops',
          '--url',
          ok.url,
          '--secret-file',
          secretFile,
          '--events',
          'opened, resolved',
        ],
        env,
      );
      expect(added).toMatchObject({ code: 0, err: '' });
      expect(added.out).toContain(`added webhook 'ops': opened, resolved of warning alerts and worse are posted to`);
      expect(added.out).toContain('signed with its secret');
      expect(added.out).not.toContain(SECRET);
      const plain = await fleet(
        ['webhooks', 'add', '--name', 'pager', '--url', 'https://pager.example.com/in', '--min-severity', 'critical'],
        env,
      );
      expect(plain.code).toBe(0);
      expect(plain.out).toContain('(unsigned)');
      const stored = await new AlertWebhookRepository(db).findByName('ops');
      expect(stored).toMatchObject({ created_by: 'cli', events: ['opened', 'resolved'], has_secret: true });

      // A critical alert queues a delivery for both.
      const alert = await db
        .insertInto('alerts')
        .values({ robot_id: 'tonypi_01', alert_type: 'battery', severity: 'critical', title: 'Battery', message: '9%' })
        .returning(ALERT_COLUMNS)
        .executeTakeFirstOrThrow();
      await enqueueAlertEvent(db, alertEvent('opened', alert, new Date()));
      const [queued] = await new AlertNotificationRepository(db).claimDue(new Date(Date.now() + 60_000), 1, 1_000);
      await new AlertNotificationRepository(db).markAttemptFailed(queued?.id ?? '', {
        error: 'x',
        nextAttemptAt: null,
      });

      const listed = await fleet(['webhooks', 'list'], env);
      expect(listed.code).toBe(0);
      expect(listed.out).not.toContain(SECRET);
      const lines = listed.out.split('\n');
      expect(lines.find((l) => l.startsWith('name'))?.split(/\s{2,}/)).toEqual([
        'name',
        'url',
        'min severity',
        'events',
        'enabled',
        'signed',
        'pending',
        'failed',
      ]);
      const rows = Object.fromEntries(
        lines.filter((l) => /^(ops|pager) /.test(l)).map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(1)]),
      );
      const pendingAndFailed = (name: string) =>
        rows[name]
          ?.slice(-2)
          .map(Number)
          .reduce((a, b) => a + b, 0);
      expect(rows.ops?.slice(0, 5)).toEqual([ok.url, 'warning', 'opened,resolved', 'yes', 'yes']);
      expect(rows.pager?.slice(0, 5)).toEqual([
        'https://pager.example.com/in',
        'critical',
        expect.any(String),
        'yes',
        'no',
      ]);
      expect([pendingAndFailed('ops'), pendingAndFailed('pager')]).toEqual([1, 1]);

      const tested = await fleet(['webhooks', 'test', 'ops'], env);
      expect(tested).toMatchObject({ code: 0, err: '' });
      expect(tested.out).toMatch(/HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/fleet in \d+ ms: the webhook accepted/);
      expect(ok.requests).toHaveLength(1);
      const [request] = ok.requests;
      expect(request?.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'Fleet-Webhooks/1',
        'x-fleet-event': 'opened',
        'x-fleet-delivery': expect.stringMatching(/^test-/) as string,
      });
      const signed = verifyWebhookSignature(
        SECRET,
        String(request?.headers['x-fleet-timestamp']),
        request?.body ?? '',
        String(request?.headers['x-fleet-signature']),
      );
      expect(signed).toBe(true);
      expect(alertEventSchema.parse(JSON.parse(request?.body ?? ''))).toMatchObject({
        event: 'opened',
        alert: { severity: 'warning', title: 'Test delivery from Fleet' },
      });

      const removed = await fleet(['webhooks', 'remove', 'pager'], env);
      expect(removed).toMatchObject({ code: 0, err: '' });
      expect(removed.out).toContain("removed webhook 'pager'");
      expect((await fleet(['webhooks', 'remove', 'ops'], env)).code).toBe(0);
      expect((await fleet(['webhooks', 'list'], env)).out).toContain('no webhooks: add one with fleet webhooks add');
    } finally {
      await ok.close();
      await dir.remove();
    }
  });

  it('names the option that is wrong, and fails a test delivery that is refused or cannot connect', async () => {
    const { url } = await factory().create();
    // Test deliveries go to receivers on this machine, allowed deliberately.
    const env = { DATABASE_URL: url, ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
    const add = (...args: string[]) => fleet(['webhooks', 'add', '--name', 'ops', ...args], env);

    const badUrl = await add('--url', 'ftp://example.com/');
    expect(badUrl.code).toBe(64);
    expect(badUrl.err).toContain('--url: must be an http or https URL');
    expect((await add('--url', 'https://e.com/', '--secret', 'short')).err).toContain(
      '--secret: at least 16 characters',
    );
    expect((await add('--url', 'https://e.com/', '--min-severity', 'fatal')).err).toMatch(/--min-severity: /);
    expect((await add('--url', 'https://e.com/', '--secret', SECRET, '--secret-file', '/x')).err).toContain(
      '--secret and --secret-file: give one of them',
    );
    expect((await add('--url', 'https://e.com/', '--secret-file', '/nonexistent/secret')).err).toContain(
      '--secret-file: cannot read /nonexistent/secret',
    );
    const badEvents = await add('--url', 'https://e.com/', '--events', 'opened,closed');
    expect(badEvents.code).toBe(64);
    expect(badEvents.err).toContain("--events: 'closed': Invalid option");
    const missing = await fleet(['webhooks', 'add', '--name', 'ops'], env);
    expect(missing.code).toBe(64);
    expect(missing.err).toContain("required option '--url <url>' not specified");
    expect((await fleet(['webhooks', 'list'], env)).out).toContain('no webhooks');

    const refusing = await receiver(401, 'bad signature');
    try {
      expect((await add('--url', refusing.url)).code).toBe(0);
      const duplicate = await add('--url', 'https://e.com/');
      expect(duplicate.code).toBe(1);
      expect(duplicate.err).toContain("a webhook named 'ops' already exists");

      const refused = await fleet(['webhooks', 'test', 'ops'], env);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(
        /webhook 'ops' test failed after \d+ ms: http:\/\/127\.0\.0\.1:\d+\/\S*: HTTP 401: bad signature/,
      );
      expect(refusing.requests[0]?.headers).not.toHaveProperty('x-fleet-signature');
    } finally {
      await refusing.close();
    }

    const port = await freePort();
    expect((await fleet(['webhooks', 'add', '--name', 'gone', '--url', `http://127.0.0.1:${port}/`], env)).code).toBe(
      0,
    );
    const unreachable = await fleet(['webhooks', 'test', 'gone'], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(
      /webhook 'gone' test failed after \d+ ms: .*cannot reach 127.0.0.1:\d+: .*ECONNREFUSED/,
    );

    const notAllowed = await fleet(['webhooks', 'test', 'gone'], { DATABASE_URL: url });
    expect(notAllowed.code).toBe(1);
    expect(notAllowed.err).toContain(`not posted to 127.0.0.1:${port}: '127.0.0.1' is a loopback`);

    const unknown = await fleet(['webhooks', 'remove', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("no webhook is named 'nobody'");
  });

  it('updates the options given and keeps the others; enables and disables a webhook', async () => {
    const { url, db } = await factory().create();
    const env = { DATABASE_URL: url };
    const hooks = new AlertWebhookRepository(db);
    expect(
      (await fleet(['webhooks', 'add', '--name', 'ops', '--url', 'https://e.com/in', '--secret', SECRET], env)).code,
    ).toBe(0);

    const updated = await fleet(
      [
        'webhooks',
        'update',
        'ops',
        '--url',
        'https://hooks.example.com/v2',
        '--min-severity',
        'critical',
        '--events',
        'opened,resolved',
      ],
      env,
    );
    expect(updated).toMatchObject({ code: 0, err: '' });
    expect(updated.out).toContain(
      "updated webhook 'ops': opened, resolved of critical alerts and worse are posted to https://hooks.example.com/v2, signed with its secret\n",
    );
    expect(await hooks.getForDelivery((await hooks.findByName('ops'))?.id ?? 0)).toMatchObject({
      url: 'https://hooks.example.com/v2',
      secret: SECRET,
      enabled: true,
    });

    const renamed = await fleet(['webhooks', 'update', 'ops', '--name', 'pager', '--remove-secret', '--disable'], env);
    expect(renamed.code).toBe(0);
    expect(renamed.out).toContain("updated webhook 'pager': opened, resolved of critical alerts");
    expect(renamed.out).toContain('(unsigned); disabled');
    expect(await hooks.findByName('pager')).toMatchObject({
      has_secret: false,
      enabled: false,
      min_severity: 'critical',
    });

    expect((await fleet(['webhooks', 'enable', 'pager'], env)).out).toContain("enabled webhook 'pager'\n");
    expect(await hooks.findByName('pager')).toMatchObject({ enabled: true });
    expect((await fleet(['webhooks', 'disable', 'pager'], env)).out).toContain("disabled webhook 'pager'\n");
    expect(await hooks.findByName('pager')).toMatchObject({ enabled: false });

    const nothing = await fleet(['webhooks', 'update', 'pager'], env);
    expect(nothing.code).toBe(64);
    expect(nothing.err).toContain('give at least one field');
    const both = await fleet(['webhooks', 'update', 'pager', '--enable', '--disable'], env);
    expect(both.code).toBe(64);
    expect((await fleet(['webhooks', 'update', 'pager', '--secret', 'short'], env)).err).toContain(
      '--secret: at least 16 characters',
    );
    expect((await fleet(['webhooks', 'update', 'pager', '--url', 'ftp://e.com/'], env)).err).toContain(
      '--url: must be an http or https URL',
    );
    const unknown = await fleet(['webhooks', 'update', 'nobody', '--enable'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("no webhook is named 'nobody'");
    expect(await hooks.findByName('pager')).toMatchObject({ url: 'https://hooks.example.com/v2', enabled: false });
  });
});
