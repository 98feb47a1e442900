import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { numberLike, robotTimestampSchema } from './fields.schema';

/**
 * `tonypi/location`: every 5 s. The topic carries no robot id, so `robot_id` is required.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', x: 1.5, y: -0.5, z: 0, timestamp: '2026-01-24T10:30:45.123456' }
 */
export const locationPayloadSchema = z.looseObject({
  robot_id: robotIdSchema,
  x: numberLike,
  y: numberLike,
  z: numberLike.optional(),
  heading: numberLike.optional(),
  timestamp: robotTimestampSchema,
});
export type LocationPayload = z.output<typeof locationPayloadSchema>;
