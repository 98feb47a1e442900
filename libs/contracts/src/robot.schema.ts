import { z } from 'zod';

/** TonyPi's robot states, plus `emergency_stopped` which its client reports. */
export const ROBOT_STATUSES = ['online', 'offline', 'error', 'maintenance', 'emergency_stopped'] as const;
export const robotStatusSchema = z.enum(ROBOT_STATUSES);
export type RobotStatus = z.infer<typeof robotStatusSchema>;

/** Robot ids appear in MQTT topics and InfluxDB tags, so they are kept to a safe alphabet. */
export const robotIdSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
