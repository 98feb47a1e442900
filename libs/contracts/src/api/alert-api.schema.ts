import { z } from 'zod';
import {
  ALERT_METRICS,
  alertEventTypeSchema,
  alertSeveritySchema,
  alertSnapshotSchema,
  webhookInputSchema,
  type AlertMetric,
} from '../alert.schema';
import { pageQuerySchema } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';
import { metricTypeSchema, thresholdDirectionSchema, type ThresholdDirection } from '../threshold.schema';

const instant = z.iso.datetime({ offset: true });

/** A serial id in a path (alerts, snoozes, thresholds, webhooks). */
export const serialIdSchema = z.coerce.number().int().min(1).max(2_147_483_647);

/** `from` must come before `to` when both are given. */
function alertRangeInOrder(query: { from?: string; to?: string }): boolean {
  return query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to);
}
const ALERT_RANGE_ORDER = { message: "'from' must be before 'to'", path: ['to'] };

const alertRangeShape = {
  robot_id: robotIdSchema.optional(),
  from: instant.optional().describe('alerts created at or after this instant'),
  to: instant.optional().describe('alerts created before this instant'),
};

// ---- Alerts ----

export const alertListQuerySchema = pageQuerySchema
  .extend({
    ...alertRangeShape,
    alert_type: z.string().trim().min(1).max(50).optional(),
    severity: alertSeveritySchema.optional(),
    acknowledged: z.stringbool().optional(),
    resolved: z.stringbool().optional(),
  })
  .refine(alertRangeInOrder, ALERT_RANGE_ORDER);
export type AlertListQueryInput = z.infer<typeof alertListQuerySchema>;

export const alertStatsQuerySchema = z.object(alertRangeShape).refine(alertRangeInOrder, ALERT_RANGE_ORDER);
export type AlertStatsQueryInput = z.infer<typeof alertStatsQuerySchema>;

/** A `Page<T>` of `item`, for documenting list answers. */
function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}

export const alertPageSchema = pageOf(alertSnapshotSchema);

/** Counts over the alerts created in the range; the severities and `by_type` count open alerts only. */
export const alertStatsSchema = z.object({
  total: z.number().int(),
  open: z.number().int(),
  unacknowledged: z.number().int().describe('open and not acknowledged: what still needs someone'),
  critical: z.number().int(),
  warning: z.number().int(),
  info: z.number().int(),
  by_type: z.record(z.string(), z.number().int()),
  resolved: z.number().int(),
});

/** The most open alerts one acknowledge-all call acknowledges; `remaining` says whether to call again. */
export const ACKNOWLEDGE_ALL_LIMIT = 1_000;

export const alertAcknowledgeAllSchema = z
  .object({
    robot_id: robotIdSchema.optional().describe("one robot's alerts; omitted, every robot's"),
    before: instant
      .optional()
      .describe('only alerts created at or before this instant (what the operator has seen); omitted, now'),
  })
  .strict();
export type AlertAcknowledgeAll = z.infer<typeof alertAcknowledgeAllSchema>;

export const alertAcknowledgeAllResultSchema = z.object({
  acknowledged: z.number().int().describe(`open alerts acknowledged, at most ${ACKNOWLEDGE_ALL_LIMIT}`),
  remaining: z.number().int().describe('open unacknowledged alerts still matching: call again to acknowledge them'),
  alert_ids: z.array(z.number().int()),
});

/**
 * An alert raised by hand (an operator saw something Fleet cannot measure). Like alerting's own, one alert at most is
 * open per robot, type and source.
 */
export const alertCreateSchema = z
  .object({
    alert_type: z.string().trim().min(1).max(50),
    severity: alertSeveritySchema,
    title: z.string().trim().min(1).max(200),
    message: z.string().min(1).max(10_000),
    robot_id: robotIdSchema.nullable().optional().describe('the robot it is about; omitted or null: the fleet'),
    source: z.string().trim().min(1).max(100).nullable().optional(),
    value: z.number().finite().nullable().optional(),
    threshold: z.number().finite().nullable().optional(),
    details: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .strict();
export type AlertCreate = z.infer<typeof alertCreateSchema>;

export const alertResolveSchema = z
  .object({ note: z.string().trim().min(1).max(1000).optional().describe('why it is resolved, in words') })
  .strict();
export type AlertResolve = z.infer<typeof alertResolveSchema>;

// ---- Snoozes ----

/** The longest a snooze may run; a robot out of service for longer is put in `maintenance` instead. */
export const MAX_SNOOZE_DAYS = 30;

export const snoozeListQuerySchema = pageQuerySchema.extend({ robot_id: robotIdSchema.optional() });
export type SnoozeListQuery = z.infer<typeof snoozeListQuerySchema>;

export const snoozeViewSchema = z.object({
  id: z.number().int(),
  robot_id: z.string(),
  alert_type: z.string().nullable().describe('null: every alert type of the robot'),
  until: z.iso.datetime(),
  reason: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime(),
});

export const snoozePageSchema = pageOf(snoozeViewSchema);

// ---- Thresholds ----

/**
 * Which way is bad for each built-in metric: a threshold on one of them must say the same (a battery alert when
 * the charge goes *up* is never what anyone meant).
 */
export const METRIC_DIRECTIONS: Readonly<Record<AlertMetric, ThresholdDirection>> = {
  cpu: 'above',
  memory: 'above',
  temperature: 'above',
  battery: 'below',
  servo_temp: 'above',
  servo_voltage: 'below',
  disk: 'above',
};

/** The direction a built-in metric requires, or undefined for any other (sensor) metric. */
export function metricDirection(metric: string): ThresholdDirection | undefined {
  return (ALERT_METRICS as readonly string[]).includes(metric) ? METRIC_DIRECTIONS[metric as AlertMetric] : undefined;
}

/** Why a direction does not suit a metric, or null when it does. */
export function metricDirectionProblem(metric: string, direction: ThresholdDirection): string | null {
  const required = metricDirection(metric);
  if (required === undefined || required === direction) return null;
  return `must be '${required}' for ${metric}: ${required === 'below' ? 'lower' : 'higher'} values are worse`;
}

/** Why warning and critical are out of order for the direction, or null when they are in order. */
export function thresholdOrderProblem(direction: ThresholdDirection, warning: number, critical: number): string | null {
  if (direction === 'above') {
    return critical >= warning ? null : 'must be at least warning_threshold when higher values are worse';
  }
  return critical <= warning ? null : 'must be at most warning_threshold when lower values are worse';
}

export const thresholdQuerySchema = z.object({
  robot_id: robotIdSchema
    .optional()
    .describe("omitted: the global defaults; given: the robot's own rows and the defaults it inherits"),
});
export type ThresholdQuery = z.infer<typeof thresholdQuerySchema>;

/** Creates or replaces the row for (robot or global, metric). */
export const thresholdUpsertSchema = z
  .object({
    robot_id: robotIdSchema.nullable().default(null).describe('null or omitted: the global default for the metric'),
    metric_type: metricTypeSchema,
    warning_threshold: z.number().finite(),
    critical_threshold: z.number().finite(),
    direction: thresholdDirectionSchema
      .optional()
      .describe(
        "omitted: the metric's own (battery and servo_voltage below, other built-in metrics above), else as the row or the global row has it, else above",
      ),
    enabled: z.boolean().default(true),
    pending_s: z.number().int().min(0).max(86_400).optional(),
    clear_margin: z.number().finite().min(0).optional(),
    auto_resolve: z.boolean().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.direction !== undefined) {
      const problem = metricDirectionProblem(t.metric_type, t.direction);
      if (problem) ctx.addIssue({ code: 'custom', path: ['direction'], message: problem });
    }
    const direction = t.direction ?? metricDirection(t.metric_type);
    if (direction === undefined) return;
    const order = thresholdOrderProblem(direction, t.warning_threshold, t.critical_threshold);
    if (order) ctx.addIssue({ code: 'custom', path: ['critical_threshold'], message: order });
  });
export type ThresholdUpsert = z.infer<typeof thresholdUpsertSchema>;

/** Changes to one row; its robot and metric stay. The row that results is checked as a whole. */
export const thresholdPatchSchema = z
  .object({
    warning_threshold: z.number().finite().optional(),
    critical_threshold: z.number().finite().optional(),
    direction: thresholdDirectionSchema.optional(),
    enabled: z.boolean().optional(),
    pending_s: z.number().int().min(0).max(86_400).optional(),
    clear_margin: z.number().finite().min(0).optional(),
    auto_resolve: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), { message: 'give at least one field' });
export type ThresholdPatch = z.infer<typeof thresholdPatchSchema>;

export const thresholdViewSchema = z.object({
  id: z.number().int(),
  robot_id: z.string().nullable(),
  metric_type: z.string(),
  warning_threshold: z.number(),
  critical_threshold: z.number(),
  direction: thresholdDirectionSchema,
  enabled: z.boolean().nullable(),
  pending_s: z.number().int(),
  clear_margin: z.number(),
  auto_resolve: z.boolean(),
  created_at: z.iso.datetime().nullable(),
  updated_at: z.iso.datetime().nullable(),
  scope: z
    .enum(['global', 'robot'])
    .describe("global: the default for robots without their own row; robot: one robot's own"),
  inherited: z.boolean().describe("a global default shown in a robot's list because the robot has no row of its own"),
});

export const thresholdListSchema = z.object({
  robot_id: z.string().nullable(),
  items: z.array(thresholdViewSchema),
});

/** A default Fleet ships with, beside the global row as it now is (null when that row is gone). */
export const thresholdDefaultSchema = z.object({
  metric_type: z.string(),
  warning_threshold: z.number(),
  critical_threshold: z.number(),
  direction: thresholdDirectionSchema,
  pending_s: z.number().int(),
  clear_margin: z.number(),
  auto_resolve: z.boolean(),
  current: thresholdViewSchema.nullable(),
  changed: z.boolean().describe('whether the global row now differs from the shipped default'),
});

// ---- Webhooks ----

export const webhookListQuerySchema = pageQuerySchema;

/** A webhook as the API shows it: never its secret, only whether it has one. */
export const webhookViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  min_severity: alertSeveritySchema,
  events: z.array(alertEventTypeSchema),
  enabled: z.boolean(),
  has_secret: z.boolean(),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime().nullable(),
  pending: z.number().int().describe('deliveries not yet made'),
  failed: z.number().int().describe('deliveries given up'),
});

export const webhookPageSchema = pageOf(webhookViewSchema);

/** The fields of a webhook to change; the others are kept. `secret: null` removes the secret. */
export const webhookPatchSchema = z
  .object({
    name: webhookInputSchema.shape.name.optional(),
    url: webhookInputSchema.shape.url.optional(),
    secret: z.string().min(16, 'at least 16 characters').max(256).nullable().optional(),
    min_severity: alertSeveritySchema.optional(),
    events: z.array(alertEventTypeSchema).min(1).optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), { message: 'give at least one field' });
export type WebhookPatch = z.infer<typeof webhookPatchSchema>;

export const webhookTestResultSchema = z.object({
  delivered: z.boolean().describe('whether the receiver answered 2xx'),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
});
