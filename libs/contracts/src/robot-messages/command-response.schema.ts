import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { numberLike, robotTimestampSchema } from './fields.schema';

/** What every answer a robot publishes on `tonypi/commands/response` or `tonypi/emergency_stop/response` has. */
export const robotResponseFields = {
  robot_id: robotIdSchema,
  command_id: z
    .string()
    .max(100)
    .nullish()
    .describe(
      'The id of the command answered; null or absent when it had none (or an items reply), sometimes unknown.',
    ),
  success: z.boolean(),
  message: z.string().max(10_000).nullish(),
  type: z
    .string()
    .max(50)
    .nullish()
    .describe('Set by some answers: emergency_stop, resume, emergency_stop_ack, resume_ack.'),
  reason: z.string().max(1000).nullish(),
  timestamp: robotTimestampSchema,
};

/**
 * `tonypi/commands/response`: a robot's answer to a command, and to an items reply (then without `command_id`,
 * with `item`). Extra keys depend on the command: `data` (status_request, battery_request), `new_location` and
 * `battery_level` (move), `state` and `previous_reason` (resume). A robot also copies its emergency-stop
 * acknowledgements here.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', command_id: '7d0c5e0e-...', success: true, message: 'Robot stopped successfully',
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const commandResponsePayloadSchema = z.looseObject({
  ...robotResponseFields,
  data: z.record(z.string(), z.unknown()).nullish(),
  new_location: z
    .looseObject({ x: numberLike.optional(), y: numberLike.optional(), z: numberLike.optional() })
    .nullish(),
  battery_level: numberLike.nullish(),
  previous_reason: z.string().max(1000).nullish(),
  state: z.record(z.string(), z.unknown()).nullish(),
  item: z.unknown().optional(),
});
export type CommandResponsePayload = z.output<typeof commandResponsePayloadSchema>;
