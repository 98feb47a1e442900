import { z } from 'zod';
import { alertSeveritySchema } from '../alert.schema';
import { robotLocationSchema } from './robot-api.schema';
import { robotIdSchema, robotStatusSchema } from '../robot.schema';
import { LOG_CATEGORIES, logCategorySchema, logLevelSchema } from '../system-log.schema';
import { metricDirection, thresholdOrderProblem } from './alert-api.schema';
import { metricTypeSchema } from '../threshold.schema';

/*
 * The TonyPi dashboard's records under `/tonypi`: alerts, thresholds, the system log and the robot registry, in
 * TonyPi's field names and shapes (bare arrays, `{message}` results, query parameters on side-effect routes).
 */

// ---- time ranges ----

/** The ranges TonyPi's alert and log pages offer, in hours; any other value means 24 hours, as in TonyPi. */
export const TONYPI_RECORD_RANGES = { '1h': 1, '6h': 6, '24h': 24, '7d': 168, '30d': 720 } as const;
const DEFAULT_RECORD_RANGE_HOURS = 24;

/**
 * A `time_range` of the alert and log routes in milliseconds: one of `1h, 6h, 24h, 7d, 30d`, anything else 24 h.
 *
 * @example
 * tonypiRecordRangeMs('7d'); // 604800000
 * tonypiRecordRangeMs('2w'); // 86400000
 */
export function tonypiRecordRangeMs(text: string | undefined): number {
  const hours =
    text !== undefined && Object.hasOwn(TONYPI_RECORD_RANGES, text)
      ? TONYPI_RECORD_RANGES[text as keyof typeof TONYPI_RECORD_RANGES]
      : DEFAULT_RECORD_RANGE_HOURS;
  return hours * 3_600_000;
}

const recordRange = z
  .string()
  .trim()
  .max(16)
  .optional()
  .describe('How far back: 1h, 6h, 24h, 7d or 30d; any other value means 24h (default 24h)')
  .transform(tonypiRecordRangeMs);

const limit = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`At most this many (default ${fallback})`);

/** A filter on a free-text robot id column (log entries may name robots that were never registered). */
const robotFilter = z.string().trim().min(1).max(50).optional().describe('Only this robot');

/** `acknowledged_by` as TonyPi takes it; the signed-in user is recorded instead. */
const acknowledgedBy = z
  .string()
  .max(100)
  .optional()
  .describe('Accepted for TonyPi clients and not used: the signed-in user is recorded as the one who acknowledged');

// ---- alerts ----

export const tonypiAlertListQuerySchema = z.object({
  robot_id: robotIdSchema.optional().describe('Only this robot'),
  alert_type: z.string().trim().min(1).max(50).optional(),
  severity: alertSeveritySchema.optional(),
  acknowledged: z.stringbool().optional(),
  resolved: z.stringbool().optional(),
  time_range: recordRange,
  limit: limit(100, 500),
});

export const tonypiAlertStatsQuerySchema = z.object({
  time_range: recordRange,
  robot_id: robotIdSchema.optional().describe('Only this robot'),
});

/** An alert a client raises itself (alerting raises the others from thresholds). */
export const tonypiAlertCreateSchema = z.object({
  alert_type: z.string().trim().min(1).max(50),
  severity: alertSeveritySchema,
  title: z.string().trim().min(1).max(200),
  message: z.string().min(1).max(10_000),
  robot_id: robotIdSchema.nullable().optional(),
  source: z.string().trim().min(1).max(100).nullable().optional(),
  value: z.number().finite().nullable().optional(),
  threshold: z.number().finite().nullable().optional(),
  details: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const tonypiAcknowledgeQuerySchema = z.object({ acknowledged_by: acknowledgedBy });

export const tonypiAcknowledgeAllQuerySchema = z.object({
  robot_id: robotIdSchema.optional().describe("One robot's alerts; omitted, every robot's"),
  acknowledged_by: acknowledgedBy,
});

// ---- thresholds ----

export const tonypiThresholdQuerySchema = z.object({
  robot_id: robotIdSchema
    .optional()
    .describe("Omitted: the global rows; given: the robot's own rows and every global row"),
});

/** Creates or replaces the row for (robot or global, metric). */
export const tonypiThresholdCreateSchema = z
  .object({
    metric_type: metricTypeSchema,
    warning_threshold: z.number().finite(),
    critical_threshold: z.number().finite(),
    robot_id: robotIdSchema.nullable().optional().describe('Omitted or null: the global row for the metric'),
    enabled: z.boolean().default(true),
  })
  .superRefine((t, ctx) => {
    const direction = metricDirection(t.metric_type);
    if (direction === undefined) return;
    const problem = thresholdOrderProblem(direction, t.warning_threshold, t.critical_threshold);
    if (problem) ctx.addIssue({ code: 'custom', path: ['critical_threshold'], message: problem });
  });

export const tonypiThresholdUpdateSchema = z
  .object({
    warning_threshold: z.number().finite().optional(),
    critical_threshold: z.number().finite().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), 'No fields to update');

// ---- logs ----

/** A level as TonyPi takes it: any case, stored and matched upper case. */
const logLevel = z.string().trim().toUpperCase().pipe(logLevelSchema);
/** A category as TonyPi takes it: any case, stored and matched lower case. */
const logCategory = z.string().trim().toLowerCase().pipe(logCategorySchema);

export const tonypiLogListQuerySchema = z.object({
  level: logLevel.optional(),
  category: logCategory.optional(),
  robot_id: robotFilter,
  search: z.string().trim().min(1).max(200).optional().describe('Text the message contains (any case)'),
  time_range: recordRange,
  limit: limit(100, 1000),
  offset: z.coerce.number().int().min(0).default(0),
});

export const tonypiLogStatsQuerySchema = z.object({ time_range: recordRange, robot_id: robotFilter });

/** `GET /logs/commands` and `GET /logs/errors`. */
export const tonypiLogRecentQuerySchema = z.object({
  robot_id: robotFilter,
  time_range: recordRange,
  limit: limit(50, 200),
});

export const tonypiLogExportQuerySchema = z.object({
  time_range: recordRange,
  level: logLevel.optional(),
  category: logCategory.optional(),
  robot_id: robotFilter,
});

export const tonypiLogExportFormatSchema = z.enum(['json', 'csv']);

export const tonypiLogClearQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30).describe('Delete entries older than this many days'),
});

export const tonypiLogCreateSchema = z.object({
  level: logLevel,
  category: logCategory,
  message: z.string().min(1).max(10_000),
  robot_id: z.string().trim().min(1).max(50).nullable().optional(),
  details: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** `GET /robots-db/logs`: newest entries, no time filter. */
export const tonypiRobotLogsQuerySchema = z.object({
  limit: limit(100, 1000),
  level: logLevel.optional(),
  category: logCategory.optional(),
  robot_id: robotFilter,
});

/**
 * TonyPi's log categories, as its log page lists them, then the ones Fleet writes that TonyPi does not have.
 */
export const TONYPI_LOG_CATEGORIES: readonly string[] = [
  ...new Set([
    'mqtt',
    'api',
    'database',
    'system',
    'command',
    'robot',
    'alert',
    'report',
    'servo',
    'vision',
    'battery',
    'sensor',
    'job',
    'movement',
    ...LOG_CATEGORIES,
  ]),
];

// ---- robots ----

const threshold = (min: number, max: number) => z.number().min(min).max(max).optional();

export const tonypiRobotCreateSchema = z.object({
  robot_id: robotIdSchema,
  name: z.string().trim().min(1).max(100).nullable().optional().describe('Defaults to the robot id'),
  description: z.string().max(2000).nullable().optional(),
  location: robotLocationSchema.nullable().optional().describe('Where the robot is: {x, y, z}'),
  battery_threshold_low: threshold(0, 100),
  battery_threshold_critical: threshold(0, 100),
  temp_threshold_warning: threshold(-40, 200),
  temp_threshold_critical: threshold(-40, 200),
});

export const tonypiRobotUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    description: z.string().max(2000).nullable().optional(),
    location: robotLocationSchema.nullable().optional(),
    status: robotStatusSchema.optional(),
    battery_threshold_low: threshold(0, 100),
    battery_threshold_critical: threshold(0, 100),
    temp_threshold_warning: threshold(-40, 200),
    temp_threshold_critical: threshold(-40, 200),
    is_active: z.boolean().optional(),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), 'No fields to update');

export type TonyPiAlertListQuery = z.infer<typeof tonypiAlertListQuerySchema>;
export type TonyPiAlertStatsQuery = z.infer<typeof tonypiAlertStatsQuerySchema>;
export type TonyPiAlertCreate = z.infer<typeof tonypiAlertCreateSchema>;
export type TonyPiAcknowledgeAllQuery = z.infer<typeof tonypiAcknowledgeAllQuerySchema>;
export type TonyPiThresholdQuery = z.infer<typeof tonypiThresholdQuerySchema>;
export type TonyPiThresholdCreate = z.infer<typeof tonypiThresholdCreateSchema>;
export type TonyPiThresholdUpdate = z.infer<typeof tonypiThresholdUpdateSchema>;
export type TonyPiLogListQuery = z.infer<typeof tonypiLogListQuerySchema>;
export type TonyPiLogStatsQuery = z.infer<typeof tonypiLogStatsQuerySchema>;
export type TonyPiLogRecentQuery = z.infer<typeof tonypiLogRecentQuerySchema>;
export type TonyPiLogExportQuery = z.infer<typeof tonypiLogExportQuerySchema>;
export type TonyPiLogExportFormat = z.infer<typeof tonypiLogExportFormatSchema>;
export type TonyPiLogCreate = z.infer<typeof tonypiLogCreateSchema>;
export type TonyPiRobotLogsQuery = z.infer<typeof tonypiRobotLogsQuerySchema>;
export type TonyPiRobotCreate = z.infer<typeof tonypiRobotCreateSchema>;
export type TonyPiRobotUpdate = z.infer<typeof tonypiRobotUpdateSchema>;

// ---- answers ----

const time = z.string().describe('ISO 8601');
const jsonObject = z.record(z.string(), z.unknown());

export const tonypiAlertSchema = z.object({
  id: z.number().int(),
  robot_id: z.string().nullable(),
  alert_type: z.string(),
  severity: alertSeveritySchema,
  title: z.string(),
  message: z.string(),
  source: z.string().nullable(),
  value: z.number().nullable().describe('null, never missing: the dashboard formats it when it and threshold are set'),
  threshold: z.number().nullable(),
  acknowledged: z.boolean(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: time.nullable(),
  resolved: z.boolean(),
  resolved_at: time.nullable(),
  details: jsonObject.nullable(),
  created_at: time,
});

/** Over the alerts created in the range; severities count open alerts, `unacknowledged` open ones nobody has seen. */
export const tonypiAlertStatsSchema = z.object({
  total: z.number().int(),
  critical: z.number().int(),
  warning: z.number().int(),
  info: z.number().int(),
  unacknowledged: z.number().int(),
  unresolved: z.number().int(),
});

export const tonypiAcknowledgeResultSchema = z.object({
  message: z.string(),
  acknowledged_by: z.string().nullable().describe('Who acknowledged it: the signed-in user, or whoever did first'),
});

export const tonypiAcknowledgeAllResultSchema = z.object({
  message: z.string(),
  acknowledged: z.number().int(),
  remaining: z.number().int().describe('Open unacknowledged alerts left past the limit of one call: call again'),
});

export const tonypiThresholdSchema = z.object({
  id: z.number().int(),
  robot_id: z.string().nullable().describe('null: the global row every robot without its own inherits'),
  metric_type: z.string(),
  warning_threshold: z.number(),
  critical_threshold: z.number(),
  enabled: z.boolean(),
  created_at: time.nullable(),
  updated_at: time.nullable(),
});

export const tonypiDefaultThresholdsSchema = z
  .record(z.string(), z.object({ warning: z.number(), critical: z.number() }))
  .describe('The defaults Fleet ships with, by metric');

export const tonypiLogEntrySchema = z.object({
  id: z.number().int(),
  level: z.string(),
  category: z.string(),
  message: z.string(),
  robot_id: z.string().nullable(),
  details: jsonObject.nullable(),
  timestamp: time.nullable(),
});

export const tonypiLogStatsSchema = z.object({
  total: z.number().int(),
  debug: z.number().int(),
  info: z.number().int(),
  warning: z.number().int(),
  error: z.number().int(),
  critical: z.number().int(),
  by_category: z.record(z.string(), z.number().int()).describe('Every known category, 0 when it has no entries'),
});

export const tonypiLogLevelsSchema = z.record(z.string(), z.object({ color: z.string(), priority: z.number().int() }));

export const tonypiRobotRecordSchema = z.object({
  id: z.number().int(),
  robot_id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  location: robotLocationSchema.nullable(),
  status: z.string(),
  ip_address: z.string().nullable(),
  camera_url: z.string().nullable().describe('http or https URL of the camera stream; null for any other stored value'),
  battery_threshold_low: z.number(),
  battery_threshold_critical: z.number(),
  temp_threshold_warning: z.number(),
  temp_threshold_critical: z.number(),
  settings: jsonObject.nullable(),
  last_seen: time.nullable(),
  created_at: time.nullable(),
  updated_at: time.nullable(),
  is_active: z.boolean(),
});

export type TonyPiAlert = z.infer<typeof tonypiAlertSchema>;
export type TonyPiAlertStats = z.infer<typeof tonypiAlertStatsSchema>;
export type TonyPiThreshold = z.infer<typeof tonypiThresholdSchema>;
export type TonyPiDefaultThresholds = z.infer<typeof tonypiDefaultThresholdsSchema>;
export type TonyPiLogEntry = z.infer<typeof tonypiLogEntrySchema>;
export type TonyPiLogStats = z.infer<typeof tonypiLogStatsSchema>;
export type TonyPiLogLevels = z.infer<typeof tonypiLogLevelsSchema>;
export type TonyPiRobotRecord = z.infer<typeof tonypiRobotRecordSchema>;
