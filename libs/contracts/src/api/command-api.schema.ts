import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { pageQuerySchema, pageSchema } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';
import { ROBOT_COMMAND_TYPES, robotCommandSchema, type RobotCommand } from '../robot-messages/robot-command.schema';
import { emergencyStopMessageSchema, type EmergencyStopMessage } from '../robot-messages/emergency-stop.schema';
import { fieldIssues } from '../validation';

const instant = z.iso.datetime({ offset: true });

/**
 * A command's life: `created` (stored, not yet published), `sent` (published, answers awaited), then one of
 * `completed` (every target acknowledged with success), `partial` (some succeeded, others refused, did not answer
 * or were cancelled), `failed` (none succeeded and at least one refused), `timed_out` (no target answered in
 * time, after the retries) or `cancelled` (by an operator before every target answered).
 */
export const COMMAND_STATUSES = [
  'created',
  'sent',
  'completed',
  'partial',
  'failed',
  'timed_out',
  'cancelled',
] as const;
export const commandStatusSchema = z.enum(COMMAND_STATUSES);
export type CommandStatus = z.infer<typeof commandStatusSchema>;

/** The states a command never leaves. */
export const FINAL_COMMAND_STATUSES: readonly CommandStatus[] = [
  'completed',
  'partial',
  'failed',
  'timed_out',
  'cancelled',
];

/**
 * One target robot's part: `waiting` (the robot is offline; the command is held for it), `pending` (sent, answer
 * awaited), `ack_success`, `ack_error` (the robot answered), `timed_out` (no answer after the retries, or the robot
 * stayed offline), `cancelled`.
 */
export const COMMAND_RESULT_STATUSES = [
  'waiting',
  'pending',
  'ack_success',
  'ack_error',
  'timed_out',
  'cancelled',
] as const;
export const commandResultStatusSchema = z.enum(COMMAND_RESULT_STATUSES);
export type CommandResultStatus = z.infer<typeof commandResultStatusSchema>;

/** The result states that still wait for something. */
export const OPEN_RESULT_STATUSES: readonly CommandResultStatus[] = ['waiting', 'pending'];

/**
 * Commands an emergency-stopped robot still accepts; it refuses every other one until `resume` (or
 * `clear_emergency`, the robot-side module's way out of the stop).
 */
export const COMMANDS_ALLOWED_WHILE_STOPPED: readonly string[] = [
  'resume',
  'clear_emergency',
  'status_request',
  'battery_request',
];

/** Commands that do the same when received twice, so resending one that was not answered is safe. */
export const REPEATABLE_COMMAND_TYPES: readonly string[] = [
  'emergency_stop',
  'resume',
  'stop',
  'status_request',
  'battery_request',
  'stop_job',
  'clear_emergency',
];

/** Resends when a command does not say: only one that is safe to receive twice is resent by default. */
export function defaultRetries(type: string, configured: number): number {
  return REPEATABLE_COMMAND_TYPES.includes(type) ? configured : 0;
}

/** What an operator can send with `POST /api/v1/commands` (emergency stops have their own routes). */
export const commandTypeSchema = z.enum(ROBOT_COMMAND_TYPES as [string, ...string[]]);

export const MAX_COMMAND_TARGETS = 1_000;

/**
 * The event stream the API writes the id of each command it stores on, so the jobs service sends it at once
 * rather than at its next look (see `COMMAND_CHECK_INTERVAL_MS`).
 */
export const COMMAND_REQUEST_STREAM = 'command-requests';

/**
 * A command for some robots (`robot_ids`) or every robot online (`broadcast: true`). `parameters` are the type's
 * own (`move`: direction, distance, speed). Unset `timeout_s` and `retries` take the configured defaults.
 *
 * @example
 * { robot_ids: ['tonypi_01'], type: 'move', parameters: { direction: 'forward', distance: 1 } }
 */
export const commandCreateSchema = z
  .strictObject({
    robot_ids: z.array(robotIdSchema).min(1).max(MAX_COMMAND_TARGETS).optional(),
    broadcast: z.boolean().optional(),
    type: commandTypeSchema,
    parameters: z.record(z.string(), z.unknown()).default({}),
    timeout_s: z.number().int().min(1).max(3_600).optional().describe('seconds to wait for each answer'),
    retries: z.number().int().min(0).max(10).optional().describe('resends to a robot that did not answer in time'),
    mission_id: z.uuid().optional().describe('the mission this command belongs to'),
  })
  .refine((c) => (c.broadcast === true) !== (c.robot_ids !== undefined), {
    message: "give either 'robot_ids' or 'broadcast: true'",
    path: ['robot_ids'],
  })
  .refine((c) => c.robot_ids === undefined || new Set(c.robot_ids).size === c.robot_ids.length, {
    message: 'robot ids must not repeat',
    path: ['robot_ids'],
  });
export type CommandCreate = z.infer<typeof commandCreateSchema>;

/** An emergency stop: `reason` is shown on the robot and kept with the command. */
export const emergencyStopRequestSchema = z.object({
  reason: z.string().trim().min(1).max(500).optional(),
});
export type EmergencyStopRequest = z.infer<typeof emergencyStopRequestSchema>;

/**
 * The message published to the robot for a command, or an {@link InvalidInputError} naming the parameter that is
 * wrong (`parameters.direction`), so the caller learns before anything is stored or sent.
 */
export function robotCommandMessage(
  type: string,
  id: string,
  parameters: Readonly<Record<string, unknown>>,
  at: Date,
): RobotCommand | EmergencyStopMessage {
  const envelope = { ...parameters, type, id, timestamp: at.toISOString() };
  const result =
    type === 'emergency_stop' ? emergencyStopMessageSchema.safeParse(envelope) : robotCommandSchema.safeParse(envelope);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error).map((i) => ({
    path: ['type', 'id', 'timestamp'].includes(i.path)
      ? i.path
      : i.path === '(root)'
        ? 'parameters'
        : `parameters.${i.path}`,
    message: i.message,
  }));
  throw new InvalidInputError(
    `invalid ${type} command: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}

export const commandIdSchema = z.uuid();

export const commandListQuerySchema = pageQuerySchema
  .extend({
    status: commandStatusSchema.optional(),
    robot_id: robotIdSchema.optional().describe('commands that target this robot'),
    type: z.string().trim().min(1).max(50).optional(),
    mission_id: z.uuid().optional(),
    from: instant.optional().describe('commands created at or after this instant'),
    to: instant.optional().describe('commands created before this instant'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), {
    message: "'from' must be before 'to'",
    path: ['to'],
  });
export type CommandListQuery = z.infer<typeof commandListQuerySchema>;

export const commandResultViewSchema = z.object({
  robot_id: z.string(),
  status: commandResultStatusSchema,
  message: z.string().nullable().describe("the robot's answer, or why there is none"),
  data: z.record(z.string(), z.unknown()).nullable().describe('what the robot sent with its answer'),
  attempts: z.number().int().describe('times the command was published to this robot'),
  sent_at: z.iso.datetime().nullable(),
  responded_at: z.iso.datetime().nullable(),
  deadline_at: z.iso.datetime().nullable().describe('when the answer (or the robot, while waiting) is due'),
});
export type CommandResultView = z.infer<typeof commandResultViewSchema>;

export const commandViewSchema = z.object({
  id: z.string(),
  type: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  broadcast: z.boolean(),
  status: commandStatusSchema,
  created_at: z.iso.datetime(),
  sent_at: z.iso.datetime().nullable(),
  completed_at: z.iso.datetime().nullable(),
  target_count: z.number().int(),
  success_count: z.number().int(),
  failure_count: z.number().int(),
  timeout_s: z.number().int(),
  retries: z.number().int(),
  attempts: z.number().int(),
  response: z.record(z.string(), z.unknown()).nullable().describe('robots skipped at send time, and why'),
  created_by: z.string().nullable(),
  mission_id: z.string().nullable(),
  results: z.array(commandResultViewSchema).optional().describe('per target robot, when one command is read'),
});
export type CommandView = z.infer<typeof commandViewSchema>;

export const commandPageSchema = pageSchema(commandViewSchema);

/** How many of a command's targets are in each state. */
export type CommandResultCounts = Readonly<Record<CommandResultStatus, number>>;

/**
 * A command's status from its targets' results: `sent` while any target is still waiting or pending, else
 * `completed` (all succeeded), `partial` (some succeeded), `failed` (none succeeded, some refused), `cancelled`
 * (its open results were cancelled before any target answered) or `timed_out` (none answered). A command without targets (a broadcast no robot was online for) is
 * `completed` once sent.
 */
export function settledCommandStatus(counts: CommandResultCounts): CommandStatus {
  if (counts.waiting + counts.pending > 0) return 'sent';
  const total = COMMAND_RESULT_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  if (counts.ack_success === total) return 'completed';
  if (counts.ack_success > 0) return 'partial';
  if (counts.ack_error > 0) return 'failed';
  return counts.cancelled > 0 ? 'cancelled' : 'timed_out';
}
