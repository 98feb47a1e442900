import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { describeValue, numberLike, robotTimestampSchema } from './fields.schema';

/** A bounding box: `[x1, y1, x2, y2]` as the TonyPi client sends it, or `{ x1, y1, x2, y2 }`. */
export const boundingBoxSchema = z.union(
  [z.array(numberLike).length(4), z.looseObject({ x1: numberLike, y1: numberLike, x2: numberLike, y2: numberLike })],
  { error: (issue) => `expected [x1, y1, x2, y2] or {x1, y1, x2, y2}, got ${describeValue(issue.input)}` },
);

/**
 * `tonypi/vision/{robotId}`: one detection result. Every field but the id may be null: the client fills the
 * message from whatever its detector returned.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', detection: true, label: 'cardboard', confidence: 0.87,
 *   bbox: [120, 80, 360, 300], center_x: 240, frame_width: 640, state: 'SEARCHING', is_locked: false,
 *   navigation_command: 'TURN_LEFT', error: -80, timestamp: '2026-01-24T10:30:45.123456' }
 */
export const visionPayloadSchema = z.looseObject({
  robot_id: robotIdSchema.nullish(),
  detection: z.boolean().nullish(),
  label: z.string().max(100).nullish(),
  confidence: numberLike.nullish().describe('0-1.'),
  bbox: boundingBoxSchema.nullish(),
  center_x: numberLike.nullish(),
  frame_width: numberLike.nullish(),
  frame_height: numberLike.nullish(),
  state: z.string().max(50).nullish().describe('IDLE, SEARCHING, ACTING, NAVIGATE_QR, ...'),
  is_locked: z.boolean().nullish(),
  navigation_command: z.string().max(50).nullish().describe('TURN_LEFT, TURN_RIGHT or LOCKED'),
  error: numberLike.nullish().describe('How far the target is off centre, in pixels.'),
  timestamp: robotTimestampSchema,
});
export type VisionPayload = z.output<typeof visionPayloadSchema>;
