import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { numberLike, robotTimestampSchema } from './fields.schema';

/**
 * `tonypi/sensors/{robotId}`: one reading per message. The TonyPi client sends its IMU axes
 * (`accelerometer_x`, `gyroscope_z`, ...), `ultrasonic_distance`, `cpu_temperature`, `light_level` and
 * `light_sensor_dark` (0 or 1) this way, each with its unit (`m/s^2`, `deg/s`, `cm`, `C`, `%`, `bool`, or `""`).
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', sensor_type: 'cpu_temperature', value: 52.6, unit: 'C',
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const sensorsPayloadSchema = z.looseObject({
  robot_id: robotIdSchema.nullish(),
  sensor_type: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits and _ . : / - only'),
  value: numberLike.describe('The reading, in `unit`.'),
  unit: z.string().max(32).nullish().describe('m/s^2, deg/s, cm, C, %, bool, ... or empty'),
  timestamp: robotTimestampSchema,
});
export type SensorsPayload = z.output<typeof sensorsPayloadSchema>;
