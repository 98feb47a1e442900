import { z } from 'zod';
import { robotIdSchema, robotStatusSchema } from '../robot.schema';
import { numberLike, robotTimestampSchema } from './fields.schema';

/**
 * The host's vital signs in a status message. When the client cannot read them it sends `{ error }` alone.
 * `temperature` and `cpu_temperature` carry the same reading (the first for older dashboards).
 */
export const systemInfoSchema = z.looseObject({
  platform: z.string().max(200).optional(),
  cpu_percent: numberLike.optional(),
  memory_percent: numberLike.optional(),
  disk_usage: numberLike.optional(),
  temperature: numberLike.optional(),
  cpu_temperature: numberLike.optional(),
  uptime: numberLike.optional().describe('Seconds since the host booted.'),
  hardware_mode: z.boolean().optional(),
  hardware_sdk: z.boolean().optional(),
  error: z.string().max(1000).optional(),
});
export type SystemInfo = z.output<typeof systemInfoSchema>;

/**
 * `tonypi/status/{robotId}`: every 10 s and on connect; `status: 'offline'` when the client shuts down cleanly
 * (the simulator's offline message has no `system_info`).
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', status: 'online', timestamp: '2026-01-24T10:30:45.123456',
 *   system_info: { cpu_percent: 23.5, memory_percent: 41.2, ... }, ip_address: '192.168.149.1',
 *   camera_url: 'http://192.168.149.1:8081/?action=stream', emergency_stopped: false, emergency_reason: null }
 */
export const statusPayloadSchema = z.looseObject({
  robot_id: robotIdSchema.nullish(),
  status: robotStatusSchema,
  system_info: systemInfoSchema.optional(),
  hardware_available: z.boolean().optional(),
  ip_address: z.string().max(100).nullish(),
  camera_url: z.string().max(2048).nullish(),
  snapshot_url: z.string().max(2048).nullish(),
  emergency_stopped: z.boolean().optional(),
  emergency_reason: z.string().max(1000).nullish(),
  timestamp: robotTimestampSchema,
});
export type StatusPayload = z.output<typeof statusPayloadSchema>;
