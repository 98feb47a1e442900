import { z } from 'zod';

/** Identifies one command (or emergency stop) so the robot's answer can be matched to it; echoed as `command_id`. */
export const robotCommandIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** When Fleet sent the message, ISO 8601 in UTC (robots log it, none acts on it). */
export const sentAtSchema = z.iso.datetime({ offset: true });

const envelope = { id: robotCommandIdSchema, timestamp: sentAtSchema };

/** Directions the TonyPi client maps to action groups (`forward` → `go_forward`, `left` → `turn_left`, ...). */
export const MOVE_DIRECTIONS = [
  'forward',
  'backward',
  'left',
  'right',
  'stop',
  'stand',
  'squat',
  'wave',
  'bow',
  'kick_left',
  'kick_right',
] as const;

/** `move`: walk or play a gesture; `distance` (default 1) and `speed` (default 0.5) are in the robot's units. */
export const moveCommandSchema = z.strictObject({
  type: z.literal('move'),
  ...envelope,
  direction: z.enum(MOVE_DIRECTIONS),
  distance: z.number().positive().max(1_000).optional(),
  speed: z.number().positive().max(100).optional(),
});

/** `resume`: clears an emergency stop; the only movement-related command a stopped robot accepts. */
export const resumeCommandSchema = z.strictObject({ type: z.literal('resume'), ...envelope });

/** `set_servo` (simulator): target position of one servo in degrees. */
export const setServoCommandSchema = z.strictObject({
  type: z.literal('set_servo'),
  ...envelope,
  servo_id: z.number().int().min(1).max(64),
  position: z.number().min(-90).max(90),
});

/** `start_job` (simulator): begin a simulated job of `items_total` items. */
export const startJobCommandSchema = z.strictObject({
  type: z.literal('start_job'),
  ...envelope,
  items_total: z.number().int().min(1).max(100_000).optional(),
});

/** Commands that take no parameters. */
export const PLAIN_COMMAND_TYPES = [
  'stop',
  'status_request',
  'battery_request',
  'shutdown',
  'head_nod',
  'head_shake',
  'stop_job',
  'clear_emergency',
] as const;

/** `stop`, `status_request`, `battery_request`, `shutdown`, `head_nod`, `head_shake`, `stop_job`, `clear_emergency`. */
export const plainCommandSchema = z.strictObject({ type: z.enum(PLAIN_COMMAND_TYPES), ...envelope });

/**
 * A command Fleet publishes on `tonypi/commands/{robotId}` or `tonypi/commands/broadcast`: `{ type, id, ...params,
 * timestamp }`. The TonyPi client handles move, stop, resume, status_request, battery_request, shutdown, head_nod and
 * head_shake; the simulator also start_job, stop_job and set_servo; the robot-side module also clear_emergency.
 * A robot answers on `tonypi/commands/response` with the `id` as `command_id`.
 *
 * @example
 * { type: 'move', id: 'cmd_01HN3', direction: 'forward', distance: 1, speed: 0.5,
 *   timestamp: '2026-01-24T10:30:45.123Z' }
 */
export const robotCommandSchema = z.discriminatedUnion('type', [
  moveCommandSchema,
  resumeCommandSchema,
  setServoCommandSchema,
  startJobCommandSchema,
  plainCommandSchema,
]);
export type RobotCommand = z.output<typeof robotCommandSchema>;
export type RobotCommandType = RobotCommand['type'];

export const ROBOT_COMMAND_TYPES: readonly RobotCommandType[] = [
  'move',
  'resume',
  'set_servo',
  'start_job',
  ...PLAIN_COMMAND_TYPES,
];
