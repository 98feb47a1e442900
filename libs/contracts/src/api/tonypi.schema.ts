import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';
import { commandTypeSchema } from './command-api.schema';
import { newPasswordSchema, userRoleSchema, usernameSchema } from '../user.schema';

/*
 * The REST contract of the TonyPi dashboard (FastAPI backend + React frontend), served by Fleet under `/tonypi`.
 * Field names, nesting and types are TonyPi's: the dashboard reads them as they are.
 */

// ---- time ranges ----

const DURATION = /^([1-9]\d{0,5})(s|m|h|d|w)$/;
const DURATION_UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** The widest `time_range` the telemetry routes take. */
export const TONYPI_MAX_RANGE_DAYS = 31;

/**
 * A TonyPi `time_range` (an InfluxDB duration such as `1m`, `5m`, `10m`, `1h`, `24h`, `7d`) in milliseconds, or
 * undefined if it is not one.
 *
 * @example
 * tonypiDurationMs('10m'); // 600000
 */
export function tonypiDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS];
}

/** A `time_range` query parameter, parsed to milliseconds. */
const timeRange = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(DURATION, 'a count and a unit: 30s, 5m, 1h, 24h, 7d')
    .refine(
      (text) => (tonypiDurationMs(text) ?? Infinity) <= TONYPI_MAX_RANGE_DAYS * 86_400_000,
      `at most ${TONYPI_MAX_RANGE_DAYS} days`,
    )
    .default(fallback)
    .describe(`How far back to look (\`1m\`, \`5m\`, \`1h\`, \`24h\`, \`7d\`); default ${fallback}`)
    // Parsed to milliseconds; the pattern above guarantees a duration.
    .transform((text) => tonypiDurationMs(text) ?? 0);

const optionalRobotId = robotIdSchema.optional().describe('Only this robot');

// ---- queries and bodies ----

/** `GET /robot-data/sensors`. TonyPi's aliases name measurements: sensors, servos, battery, location. */
export const tonypiSensorsQuerySchema = z.object({
  measurement: z.string().trim().min(1).max(64).describe('sensors (sensor_data), servos, battery, location'),
  time_range: timeRange('1h'),
  robot_id: optionalRobotId,
});

export const tonypiServosQuerySchema = z.object({ time_range: timeRange('5m') });
export const tonypiPerfQuerySchema = z.object({ time_range: timeRange('5m') });

export const tonypiJobHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  robot_id: optionalRobotId,
});

export const tonypiRobotFilterSchema = z.object({ robot_id: optionalRobotId });

/** TonyPi user ids are uuids kept as text. */
export const tonypiUserIdSchema = z.string().trim().min(1).max(36);

export const tonypiUserCreateSchema = z.object({
  username: usernameSchema,
  email: z.email().max(100),
  password: newPasswordSchema,
  role: userRoleSchema.default('viewer'),
});

export const tonypiUserUpdateSchema = z
  .object({
    email: z.email().max(100).optional(),
    password: newPasswordSchema.optional(),
    role: userRoleSchema.optional(),
    is_active: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'No fields to update');

/** `PUT /management/robots/{id}/config`: one section of the robot's settings, sent to the robot as well. */
export const tonypiConfigUpdateSchema = z.object({
  config_type: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
  config_data: z.record(z.string(), z.unknown()),
});

/** A command's own parameters (`move`: direction, distance, speed); TonyPi sent `null` for none. */
const commandParameters = z.record(z.string(), z.unknown()).nullish();

/** The robot TonyPi's management routes command when the body names none. */
export const TONYPI_DEFAULT_ROBOT_ID = 'tonypi_01';

/**
 * `POST /management/command`: one command for one robot.
 *
 * @example
 * { command: 'move', parameters: { direction: 'forward', distance: 1 }, robot_id: 'tonypi_01' }
 */
export const tonypiManagementCommandSchema = z.object({
  command: commandTypeSchema,
  parameters: commandParameters,
  robot_id: robotIdSchema.default(TONYPI_DEFAULT_ROBOT_ID),
});

/**
 * `POST /robot-data/command`: the command itself, as the robot receives it: `type` (or `command`), its parameters
 * beside it, and `robot_id` (every robot online when absent). Fleet assigns `id` and `timestamp`: any sent are
 * ignored.
 *
 * @example
 * { robot_id: 'tonypi_01', type: 'move', direction: 'forward', distance: 1 }
 */
export const tonypiRobotCommandSchema = z
  .looseObject({
    robot_id: robotIdSchema.optional().describe('Every robot online when absent'),
    type: commandTypeSchema.optional(),
    command: commandTypeSchema.optional().describe("TonyPi's other name for `type`"),
  })
  .refine((body) => body.type !== undefined || body.command !== undefined, {
    message: "give the command's 'type'",
    path: ['type'],
  })
  .refine((body) => body.type === undefined || body.command === undefined || body.type === body.command, {
    message: "'type' and 'command' name different commands",
    path: ['command'],
  });

/** `POST /management/robots/{id}/emergency-stop`: the robot `broadcast`, or `broadcast: true`, stops every robot. */
export const tonypiEmergencyStopSchema = z.object({
  reason: z.string().trim().min(1).max(500).default('User triggered emergency stop'),
  broadcast: z.boolean().optional(),
});

/** `POST /management/emergency-stop/broadcast`. */
export const tonypiBroadcastStopSchema = z.object({
  reason: z.string().trim().min(1).max(500).default('Broadcast emergency stop'),
});

/** `POST /robot-data/trigger-scan`: a QR scan as if the robot had made it (a test aid). */
export const tonypiTriggerScanSchema = z.object({
  robot_id: robotIdSchema,
  qr: z.string().trim().min(1).max(500),
});

export type TonyPiSensorsQuery = z.infer<typeof tonypiSensorsQuerySchema>;
export type TonyPiJobHistoryQuery = z.infer<typeof tonypiJobHistoryQuerySchema>;
export type TonyPiUserCreate = z.infer<typeof tonypiUserCreateSchema>;
export type TonyPiUserUpdate = z.infer<typeof tonypiUserUpdateSchema>;
export type TonyPiConfigUpdate = z.infer<typeof tonypiConfigUpdateSchema>;
export type TonyPiManagementCommand = z.infer<typeof tonypiManagementCommandSchema>;
export type TonyPiRobotCommand = z.infer<typeof tonypiRobotCommandSchema>;
export type TonyPiEmergencyStop = z.infer<typeof tonypiEmergencyStopSchema>;
export type TonyPiBroadcastStop = z.infer<typeof tonypiBroadcastStopSchema>;
export type TonyPiTriggerScan = z.infer<typeof tonypiTriggerScanSchema>;

// ---- answers ----

const time = z.string().describe('ISO 8601');
const json = z.unknown();

export const tonypiUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: userRoleSchema,
  is_active: z.boolean(),
  created_at: time.nullable(),
  updated_at: time.nullable(),
});

export const tonypiLoginResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  user: tonypiUserSchema,
});

export const tonypiHealthSchema = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  message: z.string(),
  timestamp: time,
  services: z.record(z.string(), z.enum(['healthy', 'unhealthy'])),
});

export const tonypiSensorReadingSchema = z.object({
  timestamp: time,
  measurement: z.string(),
  field: z.literal('value'),
  value: z.number(),
  robot_id: z.string(),
  sensor_type: z.string(),
  unit: z.string().nullable(),
});

export const tonypiLocationSchema = z.object({ x: z.number(), y: z.number(), z: z.number() });

export const tonypiRobotStatusSchema = z.object({
  robot_id: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  last_seen: time.nullable(),
  battery_percentage: z.number().nullable(),
  location: tonypiLocationSchema.nullable(),
  ip_address: z.string().nullable(),
  camera_url: z.string().nullable(),
});

const fieldValues = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));

export const tonypiLatestDataSchema = z.object({
  robot_id: z.string(),
  sensors: fieldValues,
  battery: fieldValues,
  location: fieldValues,
  status: fieldValues,
});

export const tonypiServoSchema = z.object({
  id: z.number().int().nullable(),
  name: z.string(),
  robot_id: z.string(),
  alert_level: z.string().nullable(),
  torque_enabled: z.boolean().nullable(),
  position: z.number(),
  temperature: z.number(),
  voltage: z.number(),
});

export const tonypiServoDataSchema = z.object({
  robot_id: z.string(),
  servos: z.record(z.string(), tonypiServoSchema),
  servo_count: z.number().int(),
  timestamp: time,
  message: z.string().optional().describe('Only when there is no servo data'),
});

export const tonypiJobSchema = z.object({
  id: z.number().int(),
  robot_id: z.string(),
  start_time: time.nullable(),
  end_time: time.nullable(),
  items_total: z.number().int().nullable(),
  items_done: z.number().int(),
  percent_complete: z.number(),
  last_item: json,
  status: z.string(),
  task_name: z.string().nullable(),
  phase: z.string().nullable(),
  estimated_duration: z.number().nullable(),
  action_duration: z.number().nullable(),
  success: z.boolean().nullable(),
  cancel_reason: z.string().nullable(),
  created_at: time.nullable(),
  updated_at: time.nullable(),
});

export const tonypiJobSummarySchema = z.object({
  robot_id: z.string(),
  start_time: time.nullable(),
  end_time: time.nullable(),
  items_total: z.number().int(),
  items_done: z.number().int(),
  percent_complete: z.number(),
  last_item: json,
  task_name: z.string().nullable(),
  phase: z.string().nullable(),
  status: z.string().describe('active, completed, cancelled, failed; idle when the robot has no job'),
  estimated_duration: z.number().nullable(),
  action_duration: z.number().nullable(),
  success: z.boolean().nullable(),
  cancel_reason: z.string().nullable(),
  history: z.array(z.object({ time, item: json })),
});

export const tonypiCumulativeStatsSchema = z.object({
  robot_id: z.string().nullable(),
  cumulative: z.object({
    total_jobs: z.number().int(),
    completed_jobs: z.number().int(),
    cancelled_jobs: z.number().int(),
    failed_jobs: z.number().int(),
    active_jobs: z.number().int(),
    total_items_done: z.number().int(),
    total_items_target: z.number().int(),
    total_duration_seconds: z.number(),
    average_duration_seconds: z.number(),
    success_rate_percent: z
      .number()
      .nullable()
      .describe('Completed jobs among finished ones (completed, cancelled, failed); null before any finished'),
  }),
  current_job: tonypiJobSchema.nullable(),
});

export const tonypiOverallStatsSchema = z.object({
  total_robots_with_jobs: z.number().int(),
  total_jobs: z.number().int(),
  active_jobs: z.number().int(),
  completed_jobs: z.number().int().describe('All time, as TonyPi counts it'),
  total_items_done: z.number().int(),
  total_items_target: z.number().int(),
  total_duration_seconds: z.number(),
  average_completion_percent: z.number(),
});

export const tonypiDatabaseStatsSchema = z.object({
  total_robots: z.number().int(),
  online_robots: z.number().int(),
  offline_robots: z.number().int(),
  total_jobs: z.number().int(),
  active_jobs: z.number().int(),
  completed_jobs_today: z.number().int().describe('Completed since midnight UTC'),
  open_alerts: z.number().int(),
  unacknowledged_alerts: z.number().int(),
});

export const tonypiManagedRobotSchema = z.object({
  robot_id: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.string(),
  last_seen: time.nullable(),
  capabilities: z.array(z.string()),
  battery_level: z.number().nullable(),
});

export const tonypiRobotConfigSchema = z
  .object({ robot_id: z.string() })
  .catchall(json)
  .describe("The robot's settings, one key per section (`navigation`, `sensors`, `behavior`, ...)");

export const tonypiSystemStatusSchema = z.object({
  system_uptime: z.string(),
  active_robots: z.number().int(),
  total_commands_today: z.number().int().describe('Commands (emergency stops included) created since midnight UTC'),
  system_health: z.enum(['healthy', 'degraded']),
  services: z.record(z.string(), z.enum(['running', 'down'])),
  resource_usage: z.object({
    cpu_percent: z.number(),
    memory_percent: z.number(),
    disk_usage_percent: z.number().nullable(),
  }),
});

export const tonypiPerfRecordSchema = z.object({
  time,
  measurement: z.literal('robot_status'),
  field: z.string(),
  value: z.number(),
  robot_id: z.string(),
  status_type: z.string(),
});

export const tonypiAiStatusSchema = z.object({
  gemini_available: z.boolean(),
  pdf_available: z.boolean(),
  message: z.string(),
});

export const tonypiMessageSchema = z.object({ message: z.string() });

/** A command or emergency stop accepted: `command_id` is the id the robot receives and answers with. */
export const tonypiCommandResultSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  command_id: z.string(),
});

/** `POST /robot-data/command`: the topic it goes out on, and the body echoed with the id Fleet gave it. */
export const tonypiCommandSentSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  topic: z.string().describe('`tonypi/commands/{robot_id}` or `tonypi/commands/broadcast`'),
  command: z.looseObject({ command_id: z.string() }),
});

/** `POST /robot-data/trigger-scan`: what was published, and where. */
export const tonypiScanTriggeredSchema = z.object({
  success: z.literal(true),
  topic: z.string(),
  payload: z.object({ robot_id: z.string(), qr: z.string(), timestamp: time }),
});

export type TonyPiUser = z.infer<typeof tonypiUserSchema>;
export type TonyPiHealth = z.infer<typeof tonypiHealthSchema>;
export type TonyPiSensorReading = z.infer<typeof tonypiSensorReadingSchema>;
export type TonyPiRobotStatus = z.infer<typeof tonypiRobotStatusSchema>;
export type TonyPiLatestData = z.infer<typeof tonypiLatestDataSchema>;
export type TonyPiServo = z.infer<typeof tonypiServoSchema>;
export type TonyPiServoData = z.infer<typeof tonypiServoDataSchema>;
export type TonyPiJob = z.infer<typeof tonypiJobSchema>;
export type TonyPiJobSummary = z.infer<typeof tonypiJobSummarySchema>;
export type TonyPiCumulativeStats = z.infer<typeof tonypiCumulativeStatsSchema>;
export type TonyPiOverallStats = z.infer<typeof tonypiOverallStatsSchema>;
export type TonyPiDatabaseStats = z.infer<typeof tonypiDatabaseStatsSchema>;
export type TonyPiManagedRobot = z.infer<typeof tonypiManagedRobotSchema>;
export type TonyPiRobotConfig = z.infer<typeof tonypiRobotConfigSchema>;
export type TonyPiSystemStatus = z.infer<typeof tonypiSystemStatusSchema>;
export type TonyPiPerfRecord = z.infer<typeof tonypiPerfRecordSchema>;
export type TonyPiAiStatus = z.infer<typeof tonypiAiStatusSchema>;
export type TonyPiCommandResult = z.infer<typeof tonypiCommandResultSchema>;
export type TonyPiCommandSent = z.infer<typeof tonypiCommandSentSchema>;
export type TonyPiScanTriggered = z.infer<typeof tonypiScanTriggeredSchema>;
