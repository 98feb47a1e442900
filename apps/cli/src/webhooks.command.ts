import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { z } from 'zod';
import {
  ALERT_EVENT_TYPES,
  InvalidInputError,
  parseOrThrow,
  webhookInputSchema,
  webhookPatchSchema,
  webhookTestEvent,
  type AlertSeverity,
} from '@fleet/contracts';
import { AlertNotificationRepository, AlertWebhookRepository, type DatabaseConnection } from '@fleet/database';
import { postWebhook, webhookHeaders, WebhookUrlPolicy, type PostOptions } from '@fleet/messaging';
import type { CliIo, DatabaseCommandContext } from './cli';

interface AddOptions {
  name: string;
  url: string;
  secret?: string;
  secretFile?: string;
  minSeverity?: string;
  events?: string;
}

interface UpdateOptions {
  name?: string;
  url?: string;
  secret?: string;
  secretFile?: string;
  removeSecret?: boolean;
  minSeverity?: string;
  events?: string;
  enable?: boolean;
  disable?: boolean;
}

/** The option each input field comes from, so an error names what the operator typed. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  url: '--url',
  secret: '--secret',
  min_severity: '--min-severity',
  events: '--events',
  enabled: '--enable or --disable',
};

/** Who `created_by` names for webhooks added here. */
const BY_CLI = 'cli';

/**
 * `fleet webhooks add | list | update <name> | enable <name> | disable <name> | remove <name> | test <name>`: where
 * alert changes are posted. The secret is never shown again once added.
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
          events: eventList(options.events),
        }),
      };
      const webhook = parseInput(webhookInputSchema, input, command);
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
    .command('update')
    .description('change a webhook: only the options given change')
    .argument('<name>', 'the webhook')
    .option('--name <name>', 'a new name')
    .option('--url <url>', 'a new http or https URL')
    .option('--secret <secret>', 'a new secret; at least 16 characters')
    .option('--secret-file <path>', 'a new secret read from a file')
    .option('--remove-secret', 'send deliveries unsigned from now on')
    .option('--min-severity <severity>', 'info, warning or critical')
    .option('--events <events>', `comma-separated, of ${ALERT_EVENT_TYPES.join(', ')}`)
    .option('--enable', 'post alert changes to it')
    .option('--disable', 'keep its deliveries queued until it is enabled')
    .action(async (name: string, options: UpdateOptions, command: Command) => {
      if (options.enable && options.disable) command.error('error: --enable and --disable: give one of them');
      if (options.removeSecret && (options.secret !== undefined || options.secretFile !== undefined)) {
        command.error('error: --remove-secret and a new secret: give one of them');
      }
      const secret = options.removeSecret ? null : secretOf(options, command);
      const input = {
        name: options.name,
        url: options.url,
        ...((options.removeSecret || secret !== null) && { secret }),
        min_severity: options.minSeverity,
        events: options.events === undefined ? undefined : eventList(options.events),
        enabled: options.enable ? true : options.disable ? false : undefined,
      };
      const changes = parseInput(webhookPatchSchema, input, command);
      ran();
      await withDatabase(io, async ({ db }) => {
        const hooks = new AlertWebhookRepository(db);
        const hook = await hooks.update((await findOrFail(hooks, name)).id, changes);
        io.out(`updated webhook '${hook.name}': ${describe(hook)}\n`);
      });
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhooks
      .command(verb)
      .description(enabled ? 'post alert changes to a webhook again' : 'stop posting to a webhook; its deliveries wait')
      .argument('<name>', 'the webhook')
      .action(async (name: string) => {
        ran();
        await withDatabase(io, async ({ db }) => {
          const hooks = new AlertWebhookRepository(db);
          const hook = await hooks.update((await findOrFail(hooks, name)).id, { enabled });
          io.out(`${enabled ? 'enabled' : 'disabled'} webhook '${hook.name}'\n`);
        });
      });
  }

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
        const policy = new WebhookUrlPolicy(config.alerting.webhookAllowedHosts);
        await sendTest(hook, min_severity, { timeoutMs: config.alerting.webhookTimeoutMs, policy }, io);
      });
    });
}

/** The secret from --secret or --secret-file (its content less the final line break), or null. */
function secretOf(options: { secret?: string; secretFile?: string }, command: Command): string | null {
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

function eventList(events: string): string[] {
  return events
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/** A webhook (or changes to one), checked before the database is opened; a bad value is a usage error naming its option. */
function parseInput<S extends z.ZodType>(schema: S, input: Record<string, unknown>, command: Command): z.output<S> {
  try {
    return parseOrThrow(schema, input, 'webhook');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const problems = error.issues.map((issue) => {
      const [field = '', index] = issue.path.split('.');
      const value = index === undefined ? undefined : (input[field] as string[] | undefined)?.[Number(index)];
      const option = OPTION_OF[field] ?? (issue.path || 'options');
      return `${option}: ${value === undefined ? '' : `'${value}': `}${issue.message}`;
    });
    return command.error(`error: ${problems.join('; ')}`);
  }
}

function describe(hook: {
  url: string;
  events: string[];
  min_severity: string;
  enabled: boolean;
  has_secret: boolean;
}): string {
  return (
    `${hook.events.join(', ')} of ${hook.min_severity} alerts and worse are posted to ${hook.url}` +
    `${hook.has_secret ? ', signed with its secret' : ' (unsigned)'}${hook.enabled ? '' : '; disabled'}`
  );
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
  options: PostOptions,
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
  const outcome = await postWebhook(hook.url, headers, body, options);
  const ms = Math.round(performance.now() - started);
  if (!outcome.ok) throw new Error(`webhook '${hook.name}' test failed after ${ms} ms: ${hook.url}: ${outcome.error}`);
  io.out(
    `HTTP ${outcome.status} from ${hook.url} in ${ms} ms: the webhook accepted the test delivery${hook.secret === null ? ' (unsigned)' : ''}\n`,
  );
}
