import { z } from 'zod';
import { robotCommandIdSchema, sentAtSchema } from './robot-command.schema';

/**
 * An emergency stop Fleet publishes on `tonypi/emergency_stop/{robotId}` or `tonypi/emergency_stop/broadcast`.
 * The robot stops its motors, refuses further commands until `resume`, and acknowledges on
 * `tonypi/emergency_stop/response` (and `tonypi/commands/response`).
 *
 * @example
 * { type: 'emergency_stop', reason: 'Operator pressed stop', id: 'emg_01HN3', timestamp: '2026-01-24T10:30:45.123Z' }
 */
export const emergencyStopMessageSchema = z.strictObject({
  type: z.literal('emergency_stop'),
  reason: z.string().min(1).max(500),
  id: robotCommandIdSchema,
  timestamp: sentAtSchema,
});
export type EmergencyStopMessage = z.output<typeof emergencyStopMessageSchema>;
