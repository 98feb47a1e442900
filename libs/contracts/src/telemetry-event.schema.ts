import { z } from 'zod';

/** The event stream ingest writes one event to per accepted robot message; alerting and jobs consume it. */
export const TELEMETRY_STREAM = 'telemetry';

/**
 * A robot message as ingest accepted it, normalised: the robot id resolved, the time decided, the payload parsed
 * and coerced. Delivered at least once: consumers recognise a redelivery by `messageKey`.
 *
 * @example
 * { messageKey: '5f0c…:1042', robotId: 'tonypi_01', kind: 'battery', time: '2026-01-24T10:30:45.123Z',
 *   receivedAt: '2026-01-24T10:30:45.200Z', clock: 'ok', data: { robot_id: 'tonypi_01', percentage: 19, ... } }
 */
export const telemetryEventSchema = z.object({
  messageKey: z.string().min(1),
  robotId: z.string().min(1),
  /** The kind of message (its topic): `sensors`, `status`, `servos`, `battery`, `location`, `job`, ... */
  kind: z.string().min(1),
  /** When it happened by the robot's clock, or when Fleet received it if that clock could not be trusted. */
  time: z.iso.datetime(),
  receivedAt: z.iso.datetime(),
  /** Whether the robot's own timestamp was used (`ok`) or why not. */
  clock: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;
