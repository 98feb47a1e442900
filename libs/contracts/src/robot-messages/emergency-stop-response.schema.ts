import { z } from 'zod';
import { robotResponseFields } from './command-response.schema';

/**
 * `tonypi/emergency_stop/response`: a robot's acknowledgement of an emergency stop (the same message is copied to
 * `tonypi/commands/response`). `state` reports what stopped.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', command_id: 'emg_1769250645', type: 'emergency_stop', success: true,
 *   message: 'Emergency stop activated: Operator pressed stop', reason: 'Operator pressed stop',
 *   state: { emergency_stopped: true, motors_stopped: true }, timestamp: '2026-01-24T10:30:45.123456' }
 */
export const emergencyStopResponsePayloadSchema = z.looseObject({
  ...robotResponseFields,
  state: z
    .looseObject({
      emergency_stopped: z.boolean().optional(),
      motors_stopped: z.boolean().optional(),
      job_stopped: z.boolean().optional(),
    })
    .nullish(),
});
export type EmergencyStopResponsePayload = z.output<typeof emergencyStopResponsePayloadSchema>;
