import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { numberLike, robotTimestampSchema } from './fields.schema';

/**
 * `tonypi/battery`: every 30 s. The topic carries no robot id, so `robot_id` is required. `percentage` is 0-100,
 * `voltage` in volts (a 3S LiPo: 9.0-12.6 V).
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', percentage: 87.3, voltage: 12.08, charging: false,
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const batteryPayloadSchema = z.looseObject({
  robot_id: robotIdSchema,
  percentage: numberLike.describe('0-100.'),
  voltage: numberLike.optional().describe('Volts.'),
  charging: z.boolean().optional(),
  current: numberLike.optional(),
  temperature: numberLike.optional(),
  timestamp: robotTimestampSchema,
});
export type BatteryPayload = z.output<typeof batteryPayloadSchema>;
