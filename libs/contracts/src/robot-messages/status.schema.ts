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

/** The longest camera URL the robot registry keeps (`robots.camera_url`). */
export const CAMERA_URL_MAX = 255;

/**
 * Where a robot's camera streams: an http or https URL (the TonyPi client serves MJPEG over http). Dashboards put
 * it in an `<img src>`, so `javascript:`, `data:` and other schemes are refused; so is rtsp, which no browser shows.
 *
 * @example
 * cameraUrlSchema.parse('http://192.168.149.1:8080/?action=stream');
 */
export const cameraUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(CAMERA_URL_MAX)
  .describe('http or https URL of the camera stream');

/**
 * `value` when it is a camera URL dashboards may show ({@link cameraUrlSchema}), else null: for URLs stored before
 * they were checked, or in an adopted TonyPi database.
 *
 * @example
 * safeCameraUrl('javascript:alert(1)'); // null
 */
export function safeCameraUrl(value: string | null | undefined): string | null {
  return typeof value === 'string' && cameraUrlSchema.safeParse(value).success ? value : null;
}

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
  // An unusable camera URL does not cost the message: the vital signs that come with it still count. Ingest keeps
  // only an http(s) URL as the robot's camera and reports any other value in the system log.
  camera_url: z
    .unknown()
    .optional()
    .describe('http or https URL of the camera stream; any other value is reported, and the rest of the message kept'),
  snapshot_url: z.string().max(2048).nullish(),
  emergency_stopped: z.boolean().optional(),
  emergency_reason: z.string().max(1000).nullish(),
  timestamp: robotTimestampSchema,
});
export type StatusPayload = z.output<typeof statusPayloadSchema>;
