import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';
import {
  customReportDataSchema,
  GENERATED_REPORT_TYPES,
  reportDocumentSchema,
  reportTypeSchema,
} from './report-document.schema';

const instant = z.iso.datetime({ offset: true });
const time = z.iso.datetime();

/** The event stream report changes are published on (see `liveRecordEventSchema`); the API pushes them live. */
export const REPORT_STREAM = 'reports';
/** The API announces a report to generate here, so a reports replica takes it up at once. */
export const REPORT_REQUEST_STREAM = 'report-requests';

export const REPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export const reportStatusSchema = z.enum(REPORT_STATUSES);
export type ReportStatusName = z.infer<typeof reportStatusSchema>;

export const REPORT_FORMATS = ['pdf', 'json', 'csv'] as const;
export const reportFormatSchema = z.enum(REPORT_FORMATS);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

/** TonyPi's `time_range` values, and how long each is. */
export const REPORT_TIME_RANGES = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
export type ReportTimeRange = keyof typeof REPORT_TIME_RANGES;
export const reportTimeRangeSchema = z.enum(Object.keys(REPORT_TIME_RANGES) as [ReportTimeRange, ...ReportTimeRange[]]);

/** The longest period one report may cover. */
export const MAX_REPORT_PERIOD_DAYS = 366;

/** An IANA time zone name (`Europe/Paris`) or `UTC`. */
export const timezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as UTC or Europe/Paris');

const formatsSchema = z
  .array(reportFormatSchema)
  .min(1)
  .max(REPORT_FORMATS.length)
  .refine((f) => new Set(f).size === f.length, 'formats must not repeat');

const robotsShape = {
  robot_id: robotIdSchema.optional().describe('a report on one robot'),
  robot_ids: z.array(robotIdSchema).min(1).max(1_000).optional().describe('a report on these robots'),
};

/**
 * A report to generate: one robot, some robots or (naming none) the whole fleet, over `from`..`to` or TonyPi's
 * `time_range` back from now (24 h when neither is given).
 */
export const reportGenerateSchema = z
  .object({
    type: z.enum(GENERATED_REPORT_TYPES),
    ...robotsShape,
    from: instant.optional(),
    to: instant.optional(),
    time_range: reportTimeRangeSchema.optional(),
    timezone: timezoneSchema.optional().describe('the zone times are shown in; default REPORTS_TIMEZONE'),
    formats: formatsSchema.default(['pdf', 'json']),
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2_000).optional(),
    summary: z.boolean().default(false).describe('add a language-model summary, where one is configured'),
  })
  .strict()
  .refine((r) => !(r.robot_id && r.robot_ids), { message: 'give robot_id or robot_ids, not both', path: ['robot_ids'] })
  .refine((r) => !(r.time_range && (r.from || r.to)), {
    message: 'give time_range or from/to, not both',
    path: ['time_range'],
  })
  .refine((r) => (r.from === undefined) === (r.to === undefined), {
    message: 'give both from and to',
    path: ['from'],
  })
  .refine((r) => r.from === undefined || r.to === undefined || Date.parse(r.from) < Date.parse(r.to), {
    message: "'from' must be before 'to'",
    path: ['to'],
  })
  .refine(
    (r) =>
      r.from === undefined ||
      r.to === undefined ||
      Date.parse(r.to) - Date.parse(r.from) <= MAX_REPORT_PERIOD_DAYS * 86_400_000,
    { message: `a report covers at most ${MAX_REPORT_PERIOD_DAYS} days`, path: ['to'] },
  );
export type ReportGenerate = z.infer<typeof reportGenerateSchema>;

/** A report id in a path, with or without the format: `12`, `12.pdf`. */
export const reportIdSchema = z.coerce
  .number({ error: 'a report id is a whole number' })
  .int()
  .min(1)
  .max(2_147_483_647);

const listOf = <T extends z.ZodType<unknown, string>>(item: T, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((p) => p.split(','))
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, `give one or more ${what}`));

export const reportListQuerySchema = pageQuerySchema
  .extend({
    type: listOf(reportTypeSchema, 'report types').optional().describe('one or more types, comma-separated'),
    status: listOf(reportStatusSchema, 'statuses').optional(),
    robot_id: robotIdSchema.optional().describe('reports covering this robot (fleet reports included)'),
    from: instant.optional().describe('reports whose period ends after this instant'),
    to: instant.optional().describe('reports whose period starts before this instant'),
    created_by: z.string().trim().min(1).max(100).optional(),
    schedule_id: z.uuid().optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), {
    message: "'from' must be before 'to'",
    path: ['to'],
  });
export type ReportListQuery = z.infer<typeof reportListQuerySchema>;

export const reportFileSchema = z.object({
  format: reportFormatSchema,
  bytes: z.number().int().nullable().describe('null until the file is made'),
  url: z.string().describe('where to download it (with the API token)'),
});

/** A report as lists show it; `GET /api/v1/reports/{id}` adds `data`. */
export const reportViewSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  report_type: z.string(),
  status: reportStatusSchema,
  robot_id: z.string().nullable().describe('the robot, for a report on one robot'),
  robot_ids: z.array(z.string()).nullable().describe('the robots covered; null: the whole fleet'),
  period_from: time.nullable(),
  period_to: time.nullable(),
  time_range: z.string().nullable(),
  timezone: z.string().nullable(),
  formats: z.array(z.string()),
  files: z.array(reportFileSchema),
  findings: z.number().int().nullable().describe('how many findings, once done'),
  error: z.string().nullable().describe('why the last attempt failed'),
  attempts: z.number().int(),
  schedule_id: z.string().nullable(),
  due_at: time.nullable().describe('for a scheduled report, the due time it was made for'),
  created_at: time,
  created_by: z.string().nullable(),
  started_at: time.nullable(),
  finished_at: time.nullable(),
});
export type ReportView = z.infer<typeof reportViewSchema>;
export const reportDetailSchema = reportViewSchema.extend({
  data: z
    .union([reportDocumentSchema, customReportDataSchema])
    .nullable()
    .describe('the report document once done (by `type`); for a report stored through TonyPi, its data as given'),
});
export type ReportDetail = z.infer<typeof reportDetailSchema>;
export const reportPageSchema = pageSchema(reportViewSchema);

export const REPORT_SCHEDULE_PERIODS = ['day', 'week', 'month'] as const;

/** A five-field cron expression (minute hour day-of-month month day-of-week), checked by the scheduler's parser. */
const cronSchema = z.string().trim().min(9).max(100);

const scheduleShape = {
  name: z.string().trim().min(1).max(100),
  type: z.enum(GENERATED_REPORT_TYPES),
  robot_ids: z.array(robotIdSchema).min(1).max(1_000).nullable().describe('null or left out: the whole fleet'),
  period: z.enum(REPORT_SCHEDULE_PERIODS).describe('the previous day, week (Monday to Sunday) or month'),
  cron: cronSchema.describe('when it runs, e.g. `0 6 * * *` (06:00 every day) or `0 7 * * 1` (Mondays 07:00)'),
  timezone: timezoneSchema.describe('the zone of the cron expression and of the period'),
  formats: formatsSchema,
  enabled: z.boolean(),
  missed: z
    .enum(['run_once', 'skip'])
    .describe('after downtime, make the most recent missed report once (`run_once`) or skip it (`skip`)'),
  webhook_url: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .nullable()
    .describe('told of each report made, with its links'),
  webhook_secret: z.string().min(16).max(200).nullable().describe('signs webhook deliveries (never shown again)'),
};

export const reportScheduleCreateSchema = z
  .object({
    ...scheduleShape,
    robot_ids: scheduleShape.robot_ids.optional(),
    timezone: scheduleShape.timezone.optional(),
    formats: scheduleShape.formats.default(['pdf', 'json']),
    enabled: scheduleShape.enabled.default(true),
    missed: scheduleShape.missed.default('run_once'),
    webhook_url: scheduleShape.webhook_url.optional(),
    webhook_secret: scheduleShape.webhook_secret.optional(),
  })
  .strict();
export type ReportScheduleCreate = z.infer<typeof reportScheduleCreateSchema>;

export const reportScheduleUpdateSchema = z
  .object(scheduleShape)
  .partial()
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'give at least one field to change');
export type ReportScheduleUpdate = z.infer<typeof reportScheduleUpdateSchema>;

export const reportScheduleIdSchema = z.uuid({ error: 'a schedule id is a UUID' });

export const reportScheduleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  robot_ids: z.array(z.string()).nullable(),
  period: z.enum(REPORT_SCHEDULE_PERIODS),
  cron: z.string(),
  timezone: z.string(),
  formats: z.array(z.string()),
  enabled: z.boolean(),
  missed: z.enum(['run_once', 'skip']),
  webhook_url: z.string().nullable(),
  has_webhook_secret: z.boolean(),
  next_due_at: time.nullable().describe('when it next runs; null while disabled'),
  last_due_at: time.nullable(),
  last_report_id: z.number().int().nullable(),
  created_by: z.string().nullable(),
  created_at: time,
  updated_at: time.nullable(),
});
export type ReportScheduleView = z.infer<typeof reportScheduleViewSchema>;
export const reportScheduleListQuerySchema = pageQuerySchema;
export const reportSchedulePageSchema = pageSchema(reportScheduleViewSchema);

/** What a schedule's webhook receives for each report it made. */
export const reportWebhookPayloadSchema = z.object({
  event: z.enum(['report.done', 'report.failed']),
  at: time,
  schedule: z.object({ id: z.string(), name: z.string() }),
  report: z.object({
    id: z.number().int(),
    title: z.string(),
    report_type: z.string(),
    status: reportStatusSchema,
    period_from: time,
    period_to: time,
    due_at: time.nullable(),
    error: z.string().nullable(),
    files: z.array(reportFileSchema),
  }),
});
export type ReportWebhookPayload = z.infer<typeof reportWebhookPayloadSchema>;
