import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import {
  GENERATED_REPORT_TYPES,
  InvalidInputError,
  parseOrThrow,
  REPORT_FORMATS,
  REPORT_TIME_RANGES,
  reportScheduleCreateSchema,
  reportScheduleUpdateSchema,
  type GeneratedReportType,
  type ReportFormat,
  type ReportTimeRange,
} from '@fleet/contracts';
import {
  ReportRepository,
  ReportScheduleRepository,
  RobotRepository,
  type DatabaseConnection,
  type ScheduleFields,
} from '@fleet/database';
import { WebhookUrlPolicy } from '@fleet/messaging';
import {
  checkSchedule,
  defaultTitle,
  formatDuration,
  nextDueAt,
  renderCsv,
  renderPdf,
  resolvePeriod,
  scheduleView,
  standaloneReporting,
} from '@fleet/reports';
import type { FleetConfig } from '@fleet/config';
import type { CliIo, DatabaseCommandContext } from './cli';

interface GenerateOptions {
  type: GeneratedReportType;
  robot?: string[];
  period?: ReportTimeRange;
  from?: string;
  to?: string;
  format: ReportFormat;
  out?: string;
  timezone?: string;
  title?: string;
}

interface ScheduleOptions {
  name?: string;
  type?: string;
  robots?: string;
  fleet?: boolean;
  period?: string;
  cron?: string;
  timezone?: string;
  formats?: string;
  missed?: string;
  webhookUrl?: string;
  webhookSecretFile?: string;
  removeWebhook?: boolean;
}

/** Who the audit trail and `created_by` name for reports and schedules made here. */
const BY_CLI = { actor: 'cli' };

/** The option each schedule field comes from, so an error names what the operator typed. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  type: '--type',
  robot_ids: '--robots',
  period: '--period',
  cron: '--cron',
  timezone: '--timezone',
  formats: '--formats',
  missed: '--missed',
  webhook_url: '--webhook-url',
  webhook_secret: '--webhook-secret-file',
};

/**
 * `fleet reports generate ...` makes a report here and now, from the database's rollups, stores it and writes its
 * file; `fleet reports schedules list | add | update | enable | disable | remove` manages the schedules the reports
 * service runs.
 */
export function registerReportsCommand(program: Command, context: DatabaseCommandContext): void {
  const { io, ran, withDatabase } = context;
  const reports = program.command('reports').description('fleet reports: make one now, or manage their schedules');

  reports
    .command('generate')
    .description('make a report now (stored like any other) and write its file')
    .addOption(new Option('--type <type>', 'report type').choices(GENERATED_REPORT_TYPES).makeOptionMandatory())
    .option('--robot <id...>', 'one or more robots (default: the whole fleet)')
    .addOption(
      new Option('--period <range>', 'back from now (default 24h)')
        .choices(Object.keys(REPORT_TIME_RANGES))
        .conflicts(['from', 'to']),
    )
    .option('--from <instant>', 'start of the period (ISO 8601, e.g. 2026-01-24T00:00:00Z)')
    .option('--to <instant>', 'end of the period (ISO 8601)')
    .addOption(new Option('--format <format>', 'file to write').choices(REPORT_FORMATS).default('pdf'))
    .option('--out <file>', 'where to write it (default: fleet-report-<id>.<format> here)')
    .option('--timezone <zone>', 'the zone times are shown in (default REPORTS_TIMEZONE)')
    .option('--title <title>', "the report's title")
    .action(async (options: GenerateOptions, command: Command) => {
      if ((options.from === undefined) !== (options.to === undefined)) {
        command.error('error: give both --from and --to, or --period');
      }
      ran();
      await withDatabase(io, (connection, config) => generate(connection, config, options, io));
    });

  const schedules = reports.command('schedules').description('schedules the reports service makes reports on');
  schedules
    .command('list')
    .description('every schedule, with when it next runs')
    .action(async () => {
      ran();
      await withDatabase(io, async ({ db }) => {
        const page = await new ReportScheduleRepository(db).list({ limit: 500 });
        if (page.items.length === 0) return io.out('no report schedule\n');
        printTable(
          io,
          ['name', 'type', 'scope', 'period', 'cron', 'zone', 'formats', 'state', 'next run'],
          page.items.map((s) => [
            s.name,
            s.report_type,
            s.robot_ids ? s.robot_ids.join(',') : 'fleet',
            s.period,
            s.cron,
            s.timezone,
            s.formats.join(','),
            s.enabled ? 'enabled' : 'disabled',
            s.next_due_at?.toISOString() ?? '-',
          ]),
        );
      });
    });
  scheduleOptions(
    schedules
      .command('add')
      .description('add a schedule')
      .requiredOption('--name <name>', 'a name of its own')
      .requiredOption('--type <type>', `report type: ${GENERATED_REPORT_TYPES.join(', ')}`)
      .requiredOption('--period <period>', 'the previous day, week or month')
      .requiredOption('--cron <expression>', 'when it runs, five fields: "0 6 * * *" is 06:00 every day'),
  ).action(async (options: ScheduleOptions) => {
    ran();
    await withDatabase(io, async ({ db }, config) => {
      const input = parse(reportScheduleCreateSchema, {
        name: options.name,
        type: options.type,
        ...(options.robots !== undefined && { robot_ids: list(options.robots) }),
        period: options.period,
        cron: options.cron,
        ...(options.timezone !== undefined && { timezone: options.timezone }),
        ...(options.formats !== undefined && { formats: list(options.formats) }),
        ...(options.missed !== undefined && { missed: options.missed }),
        ...(options.webhookUrl !== undefined && { webhook_url: options.webhookUrl }),
        ...(options.webhookSecretFile !== undefined && { webhook_secret: secretFrom(options.webhookSecretFile) }),
      });
      const fields: ScheduleFields = {
        name: input.name,
        report_type: input.type,
        robot_ids: input.robot_ids ?? null,
        period: input.period,
        cron: input.cron,
        timezone: input.timezone ?? config.reports.timezone,
        formats: input.formats,
        enabled: input.enabled,
        missed: input.missed,
        webhook_url: input.webhook_url ?? null,
        webhook_secret: input.webhook_secret ?? null,
      };
      const now = new Date();
      await checkSchedule(fields, { robots: new RobotRepository(db), urls: policy(config), now });
      const row = await new ReportScheduleRepository(db).create(fields, nextDueAt(fields, now), BY_CLI, now);
      io.out(`added report schedule ${row.name}: next run ${row.next_due_at?.toISOString() ?? 'never'}\n`);
    });
  });
  scheduleOptions(
    schedules
      .command('update')
      .description('change a schedule')
      .argument('<name>', 'the schedule')
      .option('--name <name>', 'rename it')
      .option('--type <type>', 'report type')
      .option('--period <period>', 'day, week or month')
      .option('--cron <expression>', 'when it runs')
      .option('--fleet', 'cover the whole fleet (instead of --robots)')
      .option('--remove-webhook', 'stop telling a webhook'),
  ).action(async (name: string, options: ScheduleOptions) => {
    ran();
    await withDatabase(io, (connection, config) =>
      updateSchedule(connection, config, name, io, () =>
        parse(reportScheduleUpdateSchema, {
          ...(options.name !== undefined && { name: options.name }),
          ...(options.type !== undefined && { type: options.type }),
          ...(options.robots !== undefined && { robot_ids: list(options.robots) }),
          ...(options.fleet && { robot_ids: null }),
          ...(options.period !== undefined && { period: options.period }),
          ...(options.cron !== undefined && { cron: options.cron }),
          ...(options.timezone !== undefined && { timezone: options.timezone }),
          ...(options.formats !== undefined && { formats: list(options.formats) }),
          ...(options.missed !== undefined && { missed: options.missed }),
          ...(options.webhookUrl !== undefined && { webhook_url: options.webhookUrl }),
          ...(options.removeWebhook && { webhook_url: null, webhook_secret: null }),
          ...(options.webhookSecretFile !== undefined && { webhook_secret: secretFrom(options.webhookSecretFile) }),
        }),
      ),
    );
  });
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    schedules
      .command(verb)
      .description(`${verb} a schedule`)
      .argument('<name>', 'the schedule')
      .action(async (name: string) => {
        ran();
        await withDatabase(io, (connection, config) =>
          updateSchedule(connection, config, name, io, () => ({ enabled })),
        );
      });
  }
  schedules
    .command('remove')
    .description('delete a schedule (the reports it made stay)')
    .argument('<name>', 'the schedule')
    .action(async (name: string) => {
      ran();
      await withDatabase(io, async ({ db }) => {
        const repository = new ReportScheduleRepository(db);
        const schedule = await repository.findByName(name);
        if (!schedule) throw new Error(`no report schedule is named '${name}'`);
        await repository.delete(schedule.id, BY_CLI);
        io.out(`removed report schedule ${name}\n`);
      });
    });
}

function scheduleOptions(command: Command): Command {
  return command
    .option('--robots <ids>', 'comma-separated robots (default: the whole fleet)')
    .option('--timezone <zone>', 'zone of the cron and the period (default REPORTS_TIMEZONE)')
    .option('--formats <formats>', 'comma-separated: pdf, json, csv (default pdf,json)')
    .option('--missed <policy>', 'after downtime: run_once (default) or skip')
    .option('--webhook-url <url>', 'told of each report made')
    .option('--webhook-secret-file <file>', "signs the webhook's deliveries (read from a file, never echoed)");
}

async function generate(connection: DatabaseConnection, config: FleetConfig, options: GenerateOptions, io: CliIo) {
  const { db } = connection;
  const reporting = standaloneReporting(db, config);
  const robotIds = options.robot ? [...new Set(options.robot)].sort() : null;
  if (robotIds) {
    const known = new Set((await new RobotRepository(db).statuses(robotIds)).map((r) => r.robot_id));
    const unknown = robotIds.filter((r) => !known.has(r));
    if (unknown.length > 0) throw new Error(`not registered (or deactivated): ${unknown.join(', ')}`);
  }
  const started = Date.now();
  const period = resolvePeriod({ from: options.from, to: options.to, time_range: options.period }, new Date());
  const progress = (step: string, done: number, total: number) =>
    io.err(
      `  ${step}${total > 1 ? ` (${done + 1}/${total})` : ''}, ${formatDuration((Date.now() - started) / 1000)}\n`,
    );
  io.err(`bringing the rollups up to date\n`);
  await reporting.catchUp();
  io.err(`building the ${options.type} report for ${period.from.toISOString()} to ${period.to.toISOString()}\n`);
  const document = await reporting.builder.build(
    {
      type: options.type,
      robotIds,
      from: period.from,
      to: period.to,
      timeRange: period.timeRange,
      timezone: options.timezone ?? config.reports.timezone,
      title: options.title ?? null,
    },
    { now: new Date(), progress },
  );
  const reports = new ReportRepository(db);
  const row = await reports.storeGiven(
    {
      title: document.title,
      description: null,
      robotId: robotIds?.length === 1 ? robotIds[0] : null,
      reportType: options.type,
      data: document,
    },
    BY_CLI.actor,
    new Date(),
    { ...BY_CLI },
  );
  io.err(`rendering ${options.format}\n`);
  const out = resolve(options.out ?? `fleet-report-${row.id}.${options.format}`);
  const content =
    options.format === 'pdf'
      ? await renderPdf(document, { reportId: row.id, createdBy: 'cli', description: null })
      : options.format === 'csv'
        ? renderCsv(document)
        : JSON.stringify(document, null, 2);
  await writeFile(out, content);
  io.out(
    `report ${row.id}: ${document.title || defaultTitle(options.type, robotIds, null)}\n` +
      `  ${document.findings.length} finding(s), ${document.coverage.with_data.length} of ` +
      `${document.coverage.robots.length} robot(s) with data\n` +
      `  written to ${out} in ${formatDuration((Date.now() - started) / 1000)}\n`,
  );
}

async function updateSchedule(
  { db }: DatabaseConnection,
  config: FleetConfig,
  name: string,
  io: CliIo,
  changes: () => z.infer<typeof reportScheduleUpdateSchema>,
) {
  const repository = new ReportScheduleRepository(db);
  const current = await repository.findByName(name);
  if (!current) throw new Error(`no report schedule is named '${name}'`);
  const { type, ...rest } = changes();
  const fields: Partial<ScheduleFields> = { ...rest, ...(type !== undefined && { report_type: type }) };
  const now = new Date();
  await checkSchedule({ ...current, ...fields }, { robots: new RobotRepository(db), urls: policy(config), now });
  const timing = ['cron', 'timezone', 'enabled'].some((k) => k in fields);
  const row = await repository.update(
    current.id,
    (before) => ({ fields, nextDueAt: timing ? nextDueAt({ ...before, ...fields }, now) : before.next_due_at }),
    BY_CLI,
    now,
  );
  const view = scheduleView(row);
  io.out(
    `updated report schedule ${view.name}: ${view.enabled ? `next run ${view.next_due_at ?? 'never'}` : 'disabled'}\n`,
  );
}

function policy(config: FleetConfig): WebhookUrlPolicy {
  return new WebhookUrlPolicy(config.alerting.webhookAllowedHosts);
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function secretFrom(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** Validates with the API's schema; an error names the command-line option, not the JSON field. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  try {
    return parseOrThrow(schema, input, 'schedule');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const named = error.issues.map((i) => `${OPTION_OF[i.path.split('.')[0] ?? ''] ?? i.path}: ${i.message}`);
    throw new InvalidInputError(named.join('; '), error.issues, { cause: error });
  }
}

function printTable(io: CliIo, header: string[], rows: string[][]): void {
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)));
  for (const row of table)
    io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}
