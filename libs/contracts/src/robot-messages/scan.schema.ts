import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { robotTimestampSchema } from './fields.schema';

const code = z.string().min(1).max(2048);

/**
 * `tonypi/scan/{robotId}`: a QR code the robot read. Clients name the code `qr_data` (current client), `qr`
 * (early client and the TonyPi backend's test endpoint) or `qr_code` (the robot-side module), and the station
 * `station_name` or `station`. At least one code field is required. Fleet answers on `tonypi/items/{robotId}`.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', qr_data: 'STATION_A', station_name: 'Station A', action: 'scanned',
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const scanPayloadSchema = z
  .looseObject({
    robot_id: robotIdSchema.nullish(),
    qr: code.optional().describe('The code (early client). One of qr, qr_data, qr_code is required.'),
    qr_data: code.optional().describe('The code (current client).'),
    qr_code: code.optional().describe('The code (robot-side module).'),
    station_name: z.string().max(200).nullish(),
    station: z.string().max(200).nullish(),
    action: z.string().max(100).nullish().describe('scanned, navigation_complete, ...'),
    timestamp: robotTimestampSchema,
  })
  .superRefine((scan, ctx) => {
    if (scan.qr === undefined && scan.qr_data === undefined && scan.qr_code === undefined) {
      ctx.addIssue({ code: 'custom', path: ['qr'], message: 'required: one of qr, qr_data or qr_code' });
    }
  });
export type ScanPayload = z.output<typeof scanPayloadSchema>;

/** The scanned code, whichever field carried it. */
export function scannedCode(scan: ScanPayload): string {
  // The schema guarantees one of the three.
  return (scan.qr_data ?? scan.qr ?? scan.qr_code) as string;
}

/** The station the robot was at, whichever field carried it. */
export function scannedStation(scan: ScanPayload): string | undefined {
  return scan.station_name ?? scan.station ?? undefined;
}
