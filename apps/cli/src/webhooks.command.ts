import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  ALERT_EVENT_TYPES,
  InvalidInputError,
  parseOrThrow,
  webhookInputSchema,
  webhookTestEvent,
  type AlertSeverity,
} from '@fleet/contracts';
import { AlertNotificationRepository, AlertWebhookRepository, type DatabaseConnection } from '@fleet/database';
import { postWebhook, webhookHeaders } from '@fleet/messaging';
import type { CliIo, DatabaseCommandContext } from './cli';

interface AddOptions {
  name: string;
  url: string;
  secret?: string;
  secretFile?: string;
  minSeverity?: string;
  events?: string;
}

/** The option each input field comes from, so an error names what the operator typed. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  url: '--url',
  secret: '--secret',
  min_severity: '--min-severity',
  events: '--events',
};

/** Who `created_by` names for webhooks added here. */
const BY_CLI = 'cli';

/**
 * `fleet webhooks add | list | remove <name> | test <name>`: where alert changes are posted. The secret is never
 * shown again once added.
 */
export function registerWebhooksCommand(program: Command, context: DatabaseCommandContext): void {
  const { io, ran, withDatabase } = context;
  const webhooks = program.command('webhooks').description('webhooks that alert changes are posted to');

  webhooks
    .command('add')
    .description('add a webhook')
    .requiredOption('--name <name>', 'a name to refer to it by (letters, digits, spaces and _ . -)')
    .requiredOption('--url <url>', 'the http or https URL deliveries are posted to')
    .option('--secret <secret>', 'signs each delivery (x-fleet-signature); at least 16 characters')
    .option('--secret-file <path>', 'the secret read from a file, kept out of the process list and shell history')
    .option('--min-severity <severity>', 'the least severe alerts it gets: info, warning or critical', 'warning')
    .option('--events <events>', `comma-separated, of ${ALERT_EVENT_TYPES.join(', ')} (default: all)`)
    .action(async (options: AddOptions, command: Command) => {
      const input = {
        name: options.name,
        url: options.url,
        secret: secretOf(options, command),
        min_severity: options.minSeverity,
        ...(options.events !== undefined && {
          events: options.events
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== ''),
        }),
      };
      const webhook = parseInput(input, command);
      ran();
      await withDatabase(io, async ({ db }) => {
        const hook = await new AlertWebhookRepository(db).create(webhook, BY_CLI);
        io.out(
          `added webhook '${hook.name}': ${hook.events.join(', ')} of ${hook.min_severity} alerts and worse are posted to ` +
            `${hook.url}${hook.has_secret ? ', signed with its secret' : ' (unsigned)'}\n`,
        );
      });
    });

  webhooks
    .command('list')
    .description('list webhooks with their undelivered and failed deliveries (never their secrets)')
    .action(async () => {
      ran();
      await withDatabase(io, async ({ db }) => list(db, io));
    });

  webhooks
    .command('remove')
    .description('remove a webhook, and with it the deliveries it has not had yet')
    .argument('<name>', 'the webhook')
    .action(async (name: string) => {
      ran();
      await withDatabase(io, async ({ db }) => {
        const hooks = new AlertWebhookRepository(db);
        const hook = await findOrFail(hooks, name);
        const pending = (await new AlertNotificationRepository(db).countsByWebhook()).get(hook.id)?.pending ?? 0;
        await hooks.remove(hook.id);
        io.out(`removed webhook '${name}'${pending > 0 ? ` and its ${pending} undelivered notification(s)` : ''}\n`);
      });
    });

  webhooks
    .command('test')
    .description('post a sample signed "opened" event to a webhook now and show the answer')
    .argument('<name>', 'the webhook')
    .action(async (name: string) => {
      ran();
      await withDatabase(io, async ({ db }, config) => {
        const hooks = new AlertWebhookRepository(db);
        const { id, min_severity } = await findOrFail(hooks, name);
        const hook = await hooks.getForDelivery(id);
        await sendTest(hook, min_severity, config.alerting.webhookTimeoutMs, io);
      });
    });
}

/** The webhook to add, checked before the database is opened; a bad value is a usage error naming its option. */
/** The secret from --secret or --secret-file (its content less the final line break), or null. */
function secretOf(options: AddOptions, command: Command): string | null {
  if (options.secret !== undefined && options.secretFile !== undefined) {
    return command.error('error: --secret and --secret-file: give one of them');
  }
  if (options.secretFile === undefined) return options.secret ?? null;
  try {
    return readFileSync(options.secretFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return command.error(`error: --secret-file: cannot read ${options.secretFile}: ${(error as Error).message}`);
  }
}

function parseInput(input: Record<string, unknown>, command: Command) {
  try {
    return parseOrThrow(webhookInputSchema, input, 'webhook');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const problems = error.issues.map((issue) => {
      const [field = '', index] = issue.path.split('.');
      const value = index === undefined ? undefined : (input[field] as string[] | undefined)?.[Number(index)];
      return `${OPTION_OF[field] ?? issue.path}: ${value === undefined ? '' : `'${value}': `}${issue.message}`;
    });
    return command.error(`error: ${problems.join('; ')}`);
  }
}

async function findOrFail(hooks: AlertWebhookRepository, name: string) {
  const hook = await hooks.findByName(name);
  if (!hook) throw new Error(`no webhook is named '${name}' (fleet webhooks list shows them)`);
  return hook;
}

async function list(db: DatabaseConnection['db'], io: CliIo): Promise<void> {
  const hooks = await new AlertWebhookRepository(db).list();
  if (hooks.length === 0) {
    io.out('no webhooks: add one with fleet webhooks add --name <name> --url <url>\n');
    return;
  }
  const counts = await new AlertNotificationRepository(db).countsByWebhook();
  const table = [
    ['name', 'url', 'min severity', 'events', 'enabled', 'signed', 'pending', 'failed'],
    ...hooks.map((h) => [
      h.name,
      h.url,
      h.min_severity,
      h.events.join(','),
      h.enabled ? 'yes' : 'no',
      h.has_secret ? 'yes' : 'no',
      String(counts.get(h.id)?.pending ?? 0),
      String(counts.get(h.id)?.failed ?? 0),
    ]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? [];
  for (const row of table) {
    io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

/** Posts a sample event as the alerting service does: the same headers, signature and HTTP rules. */
async function sendTest(
  hook: { name: string; url: string; secret: string | null; enabled: boolean },
  severity: AlertSeverity,
  timeoutMs: number,
  io: CliIo,
): Promise<void> {
  const body = JSON.stringify(
    webhookTestEvent(
      new Date(),
      severity,
      'Sent by `fleet webhooks test`; no alert was raised.',
      'fleet webhooks test',
    ),
  );
  const headers = webhookHeaders({
    event: 'opened',
    deliveryId: `test-${randomUUID()}`,
    timestamp: Math.floor(Date.now() / 1000),
    body,
    secret: hook.secret,
  });
  if (!hook.enabled) io.out(`webhook '${hook.name}' is disabled: it gets no alerts, but the test is sent anyway\n`);
  const started = performance.now();
  const outcome = await postWebhook(hook.url, headers, body, timeoutMs);
  const ms = Math.round(performance.now() - started);
  if (!outcome.ok) throw new Error(`webhook '${hook.name}' test failed after ${ms} ms: ${hook.url}: ${outcome.error}`);
  io.out(
    `HTTP ${outcome.status} from ${hook.url} in ${ms} ms: the webhook accepted the test delivery${hook.secret === null ? ' (unsigned)' : ''}\n`,
  );
}
