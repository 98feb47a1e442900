import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { sentAtSchema } from './robot-command.schema';

/**
 * Fleet's answer to a QR scan, on `tonypi/items/{robotId}`. The TonyPi client reads `found`, `item` and `message`;
 * when `found` it counts one more item done and publishes legacy job progress.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', qr: 'QR12345', found: true, item: { name: 'Widget A', sku: 'WA-1' },
 *   timestamp: '2026-01-24T10:30:45.123Z' }
 */
export const itemsReplySchema = z.strictObject({
  robot_id: robotIdSchema,
  qr: z.string().min(1).max(2048),
  found: z.boolean(),
  item: z.record(z.string(), z.unknown()).optional(),
  message: z.string().max(1000).optional(),
  timestamp: sentAtSchema,
});
export type ItemsReply = z.output<typeof itemsReplySchema>;
