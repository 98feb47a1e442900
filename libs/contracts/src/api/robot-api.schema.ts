import { z } from 'zod';
import { pageQuerySchema } from '../pagination.schema';
import { robotIdSchema, robotStatusSchema } from '../robot.schema';
import { robotConfigMessageSchema } from '../robot-messages/robot-config.schema';
import { cameraUrlSchema } from '../robot-messages/status.schema';

/**
 * The measurements Fleet writes, the telemetry store's and the API's one list. Names follow what the TonyPi backend's
 * code writes (not its design document).
 */
export const TELEMETRY_MEASUREMENTS = [
  'sensor_data',
  'robot_status',
  'battery_status',
  'robot_location',
  'servo_data',
  'vision_data',
  'robot_logs',
  'job_progress',
] as const;
export const telemetryMeasurementSchema = z.enum(TELEMETRY_MEASUREMENTS);
export type TelemetryMeasurement = z.infer<typeof telemetryMeasurementSchema>;

/** How the points of one bucket become one value. */
export const TELEMETRY_AGGREGATIONS = ['mean', 'min', 'max', 'last', 'count'] as const;
export const telemetryAggregationSchema = z.enum(TELEMETRY_AGGREGATIONS);

/** The widest range one history query may cover. */
export const MAX_HISTORY_RANGE_DAYS = 31;
/** The most buckets one history query may ask for with `every`. */
export const MAX_HISTORY_BUCKETS = 20_000;
/** The range a history query covers when it names neither end. */
export const DEFAULT_HISTORY_RANGE_MS = 60 * 60 * 1000;

const INTERVAL_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const INTERVAL = /^([1-9]\d{0,6})(ms|s|m|h|d)$/;

/**
 * A bucket width written as `<count><unit>` (`ms`, `s`, `m`, `h`, `d`) in milliseconds, or undefined if it is not one.
 *
 * @example
 * intervalMs('5m'); // 300000
 */
export function intervalMs(text: string): number | undefined {
  const match = INTERVAL.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * INTERVAL_UNITS_MS[match[2] as keyof typeof INTERVAL_UNITS_MS];
}

const isoTime = z.iso.datetime({ offset: true });
const fieldName = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'field names are letters, digits and _ . : - only');

/** `a,b,c` → `['a', 'b', 'c']`, each a field name; blanks between commas are ignored. */
const fieldList = z
  .string()
  .max(1000)
  .transform((text) => [...new Set(text.split(',').map((f) => f.trim()))].filter((f) => f !== ''))
  .pipe(z.array(fieldName).min(1, 'name at least one field').max(20, 'at most 20 fields'))
  .describe('Comma-separated numeric fields, e.g. `percentage,voltage`');

const every = z
  .string()
  .regex(INTERVAL, 'a count and a unit: 30s, 1m, 5m, 1h, 1d')
  .describe('Bucket width (`30s`, `1m`, `5m`, `1h`, `1d`); omitted: chosen so the range has at most 1000 buckets');

/** A time range of at most 31 days; by default the last hour. */
const historyRange = {
  from: isoTime.optional().describe('ISO 8601 with zone; default: an hour before `to`'),
  to: isoTime.optional().describe('ISO 8601 with zone, exclusive; default: now'),
};

// ---- robots ----

export const robotLocationSchema = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  z: z.number().finite().optional(),
  heading: z.number().finite().optional(),
});

/** What an admin may set on a robot; thresholds are percentages (battery) and °C (temperature). */
const robotFields = {
  name: z.string().trim().min(1).max(100).nullable().optional(),
  description: z.string().max(2000).nullable().optional(),
  location: robotLocationSchema.nullable().optional(),
  status: robotStatusSchema.optional().describe('Usually reported by the robot; admins set `maintenance` by hand'),
  ip_address: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
  camera_url: cameraUrlSchema.nullable().optional(),
  battery_threshold_low: z.number().min(0).max(100).optional(),
  battery_threshold_critical: z.number().min(0).max(100).optional(),
  temp_threshold_warning: z.number().min(-40).max(200).optional(),
  temp_threshold_critical: z.number().min(-40).max(200).optional(),
  settings: z.record(z.string(), z.unknown()).nullable().optional(),
  device_type: z
    .string()
    .trim()
    .min(1)
    .max(30)
    .regex(/^[a-z0-9_-]+$/, 'lower-case letters, digits, _ and - only')
    .optional(),
  offline_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .nullable()
    .optional()
    .describe('Seconds of silence before the robot counts as offline; null: the fleet default'),
};

export const robotCreateSchema = z.object({ robot_id: robotIdSchema, ...robotFields }).strict();

export const robotUpdateSchema = z
  .object({
    ...robotFields,
    is_active: z.boolean().optional().describe('true reactivates a deleted (deactivated) robot'),
  })
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'name at least one field to change');

/** One section of the robot's settings, replaced as a whole and sent to the robot on `tonypi/config/{robotId}`. */
export const robotConfigUpdateSchema = robotConfigMessageSchema.pick({ config_type: true, config_data: true });
export type RobotConfigUpdate = z.infer<typeof robotConfigUpdateSchema>;

export const robotListQuerySchema = pageQuerySchema.extend({
  status: robotStatusSchema.optional(),
  search: z.string().trim().max(100).optional().describe('Part of the robot id or name, any case'),
  device_type: z.string().max(30).optional(),
  include_inactive: z.stringbool().default(false).describe('Include deleted (deactivated) robots'),
});

export const robotViewSchema = z.object({
  id: z.number().int(),
  robot_id: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  location: robotLocationSchema.nullable(),
  status: z.string(),
  ip_address: z.string().nullable(),
  camera_url: z.string().nullable(),
  battery_threshold_low: z.number(),
  battery_threshold_critical: z.number(),
  temp_threshold_warning: z.number(),
  temp_threshold_critical: z.number(),
  settings: z.record(z.string(), z.unknown()).nullable(),
  last_seen: isoTime.nullable(),
  created_at: isoTime,
  updated_at: isoTime.nullable(),
  is_active: z.boolean(),
  device_type: z.string(),
  offline_timeout_s: z.number().int().nullable(),
});

export const robotPageSchema = z.object({
  items: z.array(robotViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

// ---- live state ----

const liveValue = z.union([z.number(), z.string(), z.boolean()]);

export const robotStateSchema = z.object({
  robot_id: z.string(),
  name: z.string().nullable(),
  is_active: z.boolean(),
  /** Whether the live store knows anything about the robot; false: only the registry's values are shown. */
  live: z.boolean(),
  status: z.string(),
  status_at: isoTime.nullable(),
  last_seen: isoTime.nullable(),
  emergency_stopped: z.boolean().nullable(),
  battery: z
    .object({
      time: isoTime,
      percentage: z.number().nullable(),
      voltage: z.number().nullable(),
      charging: z.boolean().nullable(),
    })
    .catchall(liveValue.nullable())
    .nullable(),
  /** The robot's last `system_info` (cpu_percent, memory_percent, disk_usage, temperature, uptime, ...). */
  system: z.object({ time: isoTime }).catchall(liveValue.nullable()).nullable(),
  location: z
    .object({ time: isoTime, x: z.number().nullable(), y: z.number().nullable() })
    .catchall(liveValue.nullable())
    .nullable(),
  servos: z.array(
    z
      .object({
        time: isoTime,
        id: z.string(),
        name: z.string().nullable(),
        position: z.number().nullable(),
        temperature: z.number().nullable(),
        voltage: z.number().nullable(),
      })
      .catchall(liveValue.nullable()),
  ),
  sensors: z.array(
    z.object({
      time: isoTime,
      sensor_type: z.string(),
      value: liveValue.nullable(),
      unit: z.string().nullable(),
    }),
  ),
  job: z.object({ time: isoTime }).catchall(liveValue.nullable()).nullable(),
  vision: z.object({ time: isoTime }).catchall(liveValue.nullable()).nullable(),
});

// ---- history ----

export const telemetryQuerySchema = z.object({
  measurement: telemetryMeasurementSchema,
  fields: fieldList.optional(),
  ...historyRange,
  every: every.optional(),
  fn: telemetryAggregationSchema.default('mean'),
  sensor_type: z.string().max(64).optional().describe('Only this sensor (sensor_data)'),
  servo_id: z.string().max(64).optional().describe('Only this servo (servo_data)'),
});

export const snapshotQuerySchema = z.object({
  fields: fieldList.optional().describe('Comma-separated robot_status fields; default: the system_* fields reported'),
  ...historyRange,
  every: every.optional(),
  fn: telemetryAggregationSchema.default('last'),
});

export const telemetryHistorySchema = z.object({
  robot_id: z.string(),
  measurement: telemetryMeasurementSchema,
  fields: z.array(z.string()),
  fn: telemetryAggregationSchema,
  every_ms: z.number().int(),
  from: isoTime,
  to: isoTime,
  /** Start of each bucket with at least one point, in epoch milliseconds, oldest first. */
  time: z.array(z.number().int()),
  /** For each field, one value per entry of `time`: null where that bucket has no point of the field. */
  values: z.record(z.string(), z.array(z.number().nullable())),
});

export const robotConnectionQuerySchema = pageQuerySchema.extend({
  from: isoTime.optional(),
  to: isoTime.optional(),
});

export const robotConnectionPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      robot_id: z.string(),
      event: z.enum(['connected', 'disconnected', 'timeout']),
      timestamp: isoTime,
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

// ---- MQTT credentials ----

export const robotCredentialViewSchema = z.object({
  id: z.string(),
  robot_id: z.string(),
  username: z.string(),
  active: z.boolean(),
  created_at: isoTime,
  created_by: z.string().nullable(),
  last_used_at: isoTime.nullable(),
  revoked_at: isoTime.nullable(),
});

export const robotCredentialListSchema = z.object({ items: z.array(robotCredentialViewSchema) });

/** A new credential: the only time its password is ever shown. */
export const robotCredentialIssuedSchema = robotCredentialViewSchema.extend({
  password: z.string().describe('Shown only this once; Fleet keeps a hash'),
  replaced: z.boolean().describe('Whether an active credential stopped working'),
  note: z.string(),
});

// ---- fleet ----

export const fleetSummarySchema = z.object({
  robots: z.object({
    total: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    /** Robots in any other status (emergency_stopped, error, maintenance, ...), by status. */
    other: z.record(z.string(), z.number().int()),
    /** `live`: from the live state; `registry`: from the robots table, while nothing live is known. */
    source: z.enum(['live', 'registry']),
  }),
  active_jobs: z.number().int(),
  open_alerts: z.object({
    total: z.number().int(),
    critical: z.number().int(),
    warning: z.number().int(),
    info: z.number().int(),
  }),
  battery: z.object({ average: z.number().nullable(), reporting: z.number().int() }),
  generated_at: isoTime,
});

export type RobotCreate = z.infer<typeof robotCreateSchema>;
export type RobotUpdate = z.infer<typeof robotUpdateSchema>;
export type RobotListQuery = z.infer<typeof robotListQuerySchema>;
export type RobotState = z.infer<typeof robotStateSchema>;
export type TelemetryQuery = z.infer<typeof telemetryQuerySchema>;
export type SnapshotQuery = z.infer<typeof snapshotQuerySchema>;
export type TelemetryHistory = z.infer<typeof telemetryHistorySchema>;
export type RobotConnectionQuery = z.infer<typeof robotConnectionQuerySchema>;
export type FleetSummaryView = z.infer<typeof fleetSummarySchema>;
