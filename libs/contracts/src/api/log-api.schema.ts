import { z } from 'zod';
import { pageQuerySchema } from '../pagination.schema';
import { LOG_LEVELS, logCategorySchema, logLevelSchema } from '../system-log.schema';

/** The most rows one export sends; narrow the range (`from`, `to`) or the filters to get the rest. */
export const LOG_EXPORT_MAX_ROWS = 1_000_000;

export const LOG_EXPORT_FORMATS = ['csv', 'json'] as const;
export type LogExportFormat = (typeof LOG_EXPORT_FORMATS)[number];

const instant = z.iso.datetime({ offset: true });

/** `level=ERROR,CRITICAL` or `level=ERROR&level=CRITICAL`; case does not matter. */
const levelsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((part) => part.split(','))
      .map((level) => level.trim().toUpperCase())
      .filter((level) => level !== ''),
  )
  .pipe(z.array(logLevelSchema).min(1, `give one or more of ${LOG_LEVELS.join(', ')}`))
  .describe(`one or more of ${LOG_LEVELS.join(', ')}, comma-separated`);

const rangeShape = {
  from: instant.optional().describe('entries at or after this instant'),
  to: instant.optional().describe('entries before this instant'),
};

/** `from` must come before `to` when both are given. */
function rangeInOrder(query: { from?: string; to?: string }): boolean {
  return query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to);
}
const RANGE_ORDER = { message: "'from' must be before 'to'", path: ['to'] };

const logFilterShape = {
  level: levelsSchema.optional(),
  category: z.string().trim().min(1).max(50).optional(),
  robot_id: z.string().trim().min(1).max(50).optional(),
  search: z.string().trim().min(1).max(200).optional().describe('text the message contains (any case)'),
  ...rangeShape,
};

export const logListQuerySchema = pageQuerySchema.extend(logFilterShape).refine(rangeInOrder, RANGE_ORDER);

export const logStatsQuerySchema = z
  .object({ robot_id: logFilterShape.robot_id, ...rangeShape })
  .refine(rangeInOrder, RANGE_ORDER);

export const logExportQuerySchema = z
  .object({
    ...logFilterShape,
    format: z.enum(LOG_EXPORT_FORMATS).default('csv'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(LOG_EXPORT_MAX_ROWS)
      .default(LOG_EXPORT_MAX_ROWS)
      .describe(`at most this many rows, newest first (at most ${LOG_EXPORT_MAX_ROWS})`),
  })
  .refine(rangeInOrder, RANGE_ORDER);

export const logClearQuerySchema = z.object({
  older_than_days: z.coerce
    .number({ error: 'a whole number of days, 1 or more' })
    .int()
    .min(1)
    .max(36_500)
    .describe('delete entries older than this many days'),
});

/** One `system_logs` entry as the API shows it. */
/** An entry written through the API, as robots and services write theirs; level and category in any case. */
export const logCreateSchema = z
  .object({
    level: z.string().trim().toUpperCase().pipe(logLevelSchema),
    category: z.string().trim().toLowerCase().pipe(logCategorySchema),
    message: z.string().min(1).max(10_000),
    robot_id: z.string().trim().min(1).max(50).nullable().optional(),
    details: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .strict();
export type LogCreate = z.output<typeof logCreateSchema>;

export const logEntryViewSchema = z.object({
  id: z.number().int(),
  level: z.string(),
  category: z.string(),
  message: z.string(),
  robot_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  timestamp: z.iso.datetime().nullable(),
});

export const logPageSchema = z.object({
  items: z.array(logEntryViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const logStatsSchema = z.object({
  total: z.number().int(),
  by_level: z.record(z.string(), z.number().int()),
  by_category: z.record(z.string(), z.number().int()),
});

export const logClearResultSchema = z.object({
  deleted: z.number().int(),
  older_than_days: z.number().int(),
  cutoff: z.iso.datetime(),
});

export const deadLetterQuerySchema = pageQuerySchema
  .extend({
    reason: z.string().trim().min(1).max(32).optional(),
    robot_id: z.string().trim().min(1).max(50).optional(),
    topic: z.string().min(1).max(1024).optional(),
    ...rangeShape,
  })
  .refine(rangeInOrder, RANGE_ORDER);

export const deadLetterReasonsQuerySchema = z
  .object({ robot_id: z.string().trim().min(1).max(50).optional(), ...rangeShape })
  .refine(rangeInOrder, RANGE_ORDER);

/** A message ingest rejected: why, and the first 4 KiB of what the robot sent. */
export const deadLetterViewSchema = z.object({
  id: z.string(),
  message_key: z.string(),
  received_at: z.iso.datetime(),
  topic: z.string(),
  robot_id: z.string().nullable(),
  reason: z.string(),
  detail: z.string(),
  payload: z.string(),
  payload_bytes: z.number().int(),
});

export const deadLetterPageSchema = z.object({
  items: z.array(deadLetterViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const deadLetterReasonsSchema = z.object({
  total: z.number().int(),
  by_reason: z.record(z.string(), z.number().int()),
});

export type LogListQuery = z.infer<typeof logListQuerySchema>;
export type LogStatsQuery = z.infer<typeof logStatsQuerySchema>;
export type LogExportQuery = z.infer<typeof logExportQuerySchema>;
export type LogClearQuery = z.infer<typeof logClearQuerySchema>;
export type DeadLetterListQuery = z.infer<typeof deadLetterQuerySchema>;
export type DeadLetterReasonsQuery = z.infer<typeof deadLetterReasonsQuerySchema>;
