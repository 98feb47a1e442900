import { z } from 'zod';
import { sentAtSchema } from './robot-command.schema';

/**
 * Configuration Fleet publishes on `tonypi/config/{robotId}`: one section (`navigation`, `sensors`, `behavior`, ...)
 * with its settings. The stock TonyPi client does not subscribe to it; robots that do apply `config_data`.
 *
 * @example
 * { config_type: 'navigation', config_data: { max_speed: 1.5, obstacle_avoidance: true },
 *   timestamp: '2026-01-24T10:30:45.123Z' }
 */
export const robotConfigMessageSchema = z.strictObject({
  config_type: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only'),
  config_data: z.record(z.string(), z.unknown()),
  timestamp: sentAtSchema,
});
export type RobotConfigMessage = z.output<typeof robotConfigMessageSchema>;
