import { z } from 'zod';
import { robotIdSchema } from './robot.schema';

/** TonyPi's severities, least to most severe. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const alertSeveritySchema = z.enum(ALERT_SEVERITIES);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

/** Whether `severity` is at least `floor` (`critical` ≥ `warning` ≥ `info`). */
export function severityAtLeast(severity: AlertSeverity, floor: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(floor);
}

/**
 * Alert types: TonyPi's (`temperature, battery, servo, system, network, performance`), plus `emergency_stop` and
 * `sensor` (a threshold on any other sensor reading).
 */
export const ALERT_TYPES = [
  'temperature',
  'battery',
  'servo',
  'system',
  'network',
  'performance',
  'emergency_stop',
  'sensor',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** The metrics Fleet reads from robot messages itself; a threshold on any other name applies to that sensor_type. */
export const ALERT_METRICS = [
  'cpu',
  'memory',
  'temperature',
  'battery',
  'servo_temp',
  'servo_voltage',
  'disk',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** What happens to an alert, in the order it can happen (`deleted`: removed by an admin, its last event). */
export const ALERT_EVENT_TYPES = ['opened', 'escalated', 'acknowledged', 'resolved', 'deleted'] as const;
export const alertEventTypeSchema = z.enum(ALERT_EVENT_TYPES);
export type AlertEventType = z.infer<typeof alertEventTypeSchema>;

/** The event stream alert changes are published on; the API pushes them to dashboards. */
export const ALERT_STREAM = 'alerts';

/** An alert as published and sent to webhooks (the `alerts` row, times as ISO strings). */
export const alertSnapshotSchema = z.object({
  id: z.number().int(),
  robot_id: z.string().nullable(),
  alert_type: z.string(),
  severity: alertSeveritySchema,
  title: z.string(),
  message: z.string(),
  source: z.string().nullable(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  acknowledged: z.boolean(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: z.iso.datetime().nullable(),
  resolved: z.boolean(),
  resolved_at: z.iso.datetime().nullable(),
  resolved_by: z.string().nullable(),
  resolution: z.enum(['auto', 'manual', 'superseded']).nullable(),
  resolution_note: z.string().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime().nullable(),
});
export type AlertSnapshot = z.infer<typeof alertSnapshotSchema>;

/**
 * One change to an alert, on {@link ALERT_STREAM} and in each webhook delivery's body.
 *
 * @example
 * { event: 'escalated', at: '2026-01-24T10:31:15.000Z', actor: null,
 *   alert: { id: 42, robot_id: 'tonypi_01', alert_type: 'battery', severity: 'critical', value: 9, ... } }
 */
export const alertEventSchema = z.object({
  event: alertEventTypeSchema,
  at: z.iso.datetime(),
  /** Who did it: a user name, or null for Fleet itself. */
  actor: z.string().nullable(),
  alert: alertSnapshotSchema,
});
export type AlertEvent = z.infer<typeof alertEventSchema>;

/** Quiets a robot's alerts (all, or one type) until a time. New alerts are not opened while it lasts. */
export const snoozeInputSchema = z.object({
  robot_id: robotIdSchema,
  alert_type: z.enum(ALERT_TYPES).nullable().default(null),
  until: z
    .preprocess(
      // A Date is already an instant; only text needs its zone spelled out.
      (value: string | Date) =>
        value instanceof Date && Number.isFinite(value.getTime()) ? value.toISOString() : value,
      z.iso.datetime({
        offset: true,
        error: 'must be an ISO 8601 date-time with a zone (Z or an offset such as +08:00)',
      }),
    )
    .transform((text) => new Date(text))
    // Required: a preprocessed field would otherwise be documented as optional.
    .nonoptional()
    .describe('When the snooze ends: ISO 8601 with Z or an offset, e.g. 2026-01-24T18:00:00+08:00'),
  reason: z.string().max(1000).nullable().default(null),
});
export type SnoozeInput = z.input<typeof snoozeInputSchema>;

/** A webhook alert changes are posted to; with a secret, each delivery is signed (HMAC-SHA256). */
export const webhookInputSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_. -]+$/, 'letters, digits, spaces and _ . - only'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
  secret: z.string().min(16, 'at least 16 characters').max(256).nullable().default(null),
  min_severity: alertSeveritySchema.default('warning'),
  events: z
    .array(alertEventTypeSchema)
    .min(1)
    .default([...ALERT_EVENT_TYPES]),
  enabled: z.boolean().default(true),
});
export type WebhookInput = z.input<typeof webhookInputSchema>;

/**
 * A delivery that says it is a test, shaped as every alert event is: what "test this webhook" sends.
 *
 * @example
 * JSON.stringify(webhookTestEvent(new Date(), 'warning', 'Sent by the operator; no alert was raised.', 'cli'))
 */
export function webhookTestEvent(now: Date, severity: AlertSeverity, message: string, source: string): AlertEvent {
  const at = now.toISOString();
  return {
    event: 'opened',
    at,
    actor: null,
    alert: {
      id: 0,
      robot_id: null,
      alert_type: 'system',
      severity,
      title: 'Test delivery from Fleet',
      message,
      source,
      value: null,
      threshold: null,
      details: { test: true },
      acknowledged: false,
      acknowledged_by: null,
      acknowledged_at: null,
      resolved: false,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      resolution_note: null,
      created_at: at,
      updated_at: null,
    },
  };
}
