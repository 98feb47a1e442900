import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { intLike, numberLike, robotTimestampSchema } from './fields.schema';

/** One bus servo: position in degrees, temperature in °C, voltage in V; `alert_level` is normal, warning or critical. */
export const servoReadingSchema = z.looseObject({
  id: intLike.optional(),
  name: z.string().max(100).optional(),
  position: numberLike.optional().describe('Degrees, -90 to 90.'),
  temperature: numberLike.optional().describe('°C.'),
  voltage: numberLike.optional().describe('Volts.'),
  torque_enabled: z.boolean().optional(),
  alert_level: z.string().max(32).optional().describe('normal, warning or critical'),
});
export type ServoReading = z.output<typeof servoReadingSchema>;

/**
 * `tonypi/servos/{robotId}`: every 3 s, all servos keyed `servo_1` ... `servo_6`.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', servo_count: 6, timestamp: '2026-01-24T10:30:45.123456',
 *   servos: { servo_1: { id: 1, name: 'Left Hip', position: 12.3, temperature: 45.2, voltage: 5.02,
 *   torque_enabled: true, alert_level: 'normal' }, ... } }
 */
export const servosPayloadSchema = z.looseObject({
  robot_id: robotIdSchema.nullish(),
  servos: z.record(z.string().min(1).max(64), servoReadingSchema, {
    error: (issue) => (issue.code === 'invalid_key' ? 'servo keys are 1 to 64 characters' : undefined),
  }),
  servo_count: intLike.optional(),
  timestamp: robotTimestampSchema,
});
export type ServosPayload = z.output<typeof servosPayloadSchema>;
