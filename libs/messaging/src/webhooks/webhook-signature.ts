import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertEventType } from '@fleet/contracts';

export const WEBHOOK_USER_AGENT = 'Fleet-Webhooks/1';

/** How far a delivery's timestamp may be from the receiver's clock before {@link verifyWebhookSignature} refuses it. */
export const WEBHOOK_TOLERANCE_S = 300;

/** What one delivery is made of: its body is signed as sent, byte for byte. */
export interface DeliveryToSign {
  /** An alert event (`opened`, ...) or a report event (`report.done`, `report.failed`). */
  event: AlertEventType | 'report.done' | 'report.failed';
  /** Unique per delivery (the queue row's id); a retry repeats it, so receivers deduplicate with it. */
  deliveryId: string;
  /** When this attempt is sent, in unix seconds; a retry is signed again with its own time. */
  timestamp: number;
  /** The JSON body exactly as posted. */
  body: string;
  /** The webhook's secret; without one the delivery is not signed. */
  secret: string | null;
}

/**
 * `sha256=<hex>`: HMAC-SHA256 with the webhook's secret of `<timestamp>.<body>`. The timestamp is part of the signed
 * text, so a captured delivery cannot be passed off as a new one later: the receiver checks the timestamp is recent.
 */
export function webhookSignature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The headers of a delivery.
 *
 * @example
 * const headers = webhookHeaders({ event: 'opened', deliveryId: '42', timestamp: 1769248800, body, secret });
 * await fetch(url, { method: 'POST', headers, body });
 */
export function webhookHeaders(delivery: DeliveryToSign): Record<string, string> {
  const timestamp = String(delivery.timestamp);
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'x-fleet-event': delivery.event,
    'x-fleet-delivery': delivery.deliveryId,
    'x-fleet-timestamp': timestamp,
    ...(delivery.secret !== null && {
      'x-fleet-signature': webhookSignature(delivery.secret, timestamp, delivery.body),
    }),
  };
}

/**
 * For receivers: whether `header` (`x-fleet-signature`) is the signature of `body` (the raw request body, before any
 * JSON parsing) sent at `timestamp` (`x-fleet-timestamp`) with `secret`, and that timestamp is within
 * `toleranceS` of `now`. Compares in constant time, so timing does not reveal how much of a forgery was right.
 *
 * @example
 * const ok = verifyWebhookSignature(secret, req.headers['x-fleet-timestamp'], rawBody, req.headers['x-fleet-signature']);
 * if (!ok) return res.writeHead(401).end();
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string,
  header: string | undefined | null,
  options: { toleranceS?: number; now?: Date } = {},
): boolean {
  if (header === undefined || header === null || timestamp === undefined) return false;
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || String(seconds) !== String(timestamp)) return false;
  const nowS = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(nowS - seconds) > (options.toleranceS ?? WEBHOOK_TOLERANCE_S)) return false;
  const expected = Buffer.from(webhookSignature(secret, seconds, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
