import { createHmac } from 'node:crypto';
import { verifyWebhookSignature, webhookHeaders, webhookSignature } from './webhook-signature';

const SECRET = 'a-secret-of-sixteen+';
const BODY = '{"event":"opened","alert":{"id":42}}';
const AT = new Date('2026-01-24T10:00:00.000Z');
const TS = AT.getTime() / 1000;

describe('webhook signature', () => {
  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret', () => {
    const hex = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(webhookSignature(SECRET, TS, BODY)).toBe(`sha256=${hex}`);
  });

  it('puts the event, delivery id, timestamp and signature in the headers', () => {
    const headers = webhookHeaders({ event: 'opened', deliveryId: '7', timestamp: TS, body: BODY, secret: SECRET });
    expect(headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Fleet-Webhooks/1',
      'x-fleet-event': 'opened',
      'x-fleet-delivery': '7',
      'x-fleet-timestamp': String(TS),
      'x-fleet-signature': webhookSignature(SECRET, TS, BODY),
    });
  });

  it('leaves the signature out when the webhook has no secret', () => {
    const headers = webhookHeaders({ event: 'resolved', deliveryId: '8', timestamp: TS, body: BODY, secret: null });
    expect(headers).not.toHaveProperty('x-fleet-signature');
    expect(headers['x-fleet-event']).toBe('resolved');
  });

  it('verifies what it signed', () => {
    const header = webhookSignature(SECRET, TS, BODY);
    expect(verifyWebhookSignature(SECRET, String(TS), BODY, header, { now: AT })).toBe(true);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, { now: AT })).toBe(true);
  });

  it('refuses another body, secret or timestamp, a malformed header and a missing one', () => {
    const header = webhookSignature(SECRET, TS, BODY);
    const now = { now: AT };
    expect(verifyWebhookSignature(SECRET, TS, `${BODY} `, header, now)).toBe(false);
    expect(verifyWebhookSignature('another-secret-16chars', TS, BODY, header, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS + 1, BODY, header, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, `${TS}.0`, BODY, header, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header.slice(0, -1), now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, BODY, 'sha256=', now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, BODY, undefined, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, undefined, BODY, header, now)).toBe(false);
  });

  it('refuses a delivery replayed after the tolerance, either way of the clock', () => {
    const header = webhookSignature(SECRET, TS, BODY);
    const at = (s: number) => ({ now: new Date(AT.getTime() + s * 1000) });
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, at(300))).toBe(true);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, at(301))).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, at(-301))).toBe(false);
    expect(verifyWebhookSignature(SECRET, TS, BODY, header, { ...at(3600), toleranceS: 3600 })).toBe(true);
  });
});
