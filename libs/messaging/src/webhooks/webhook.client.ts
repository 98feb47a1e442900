import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookUrlPolicy } from './webhook-url.policy';

/** How much of a refusing receiver's answer is kept as the error text. */
const ERROR_TEXT_BYTES = 2_048;

/** What became of one POST: accepted (2xx), or why not, with the status when the receiver answered. */
export type PostOutcome = { ok: true; status: number } | { ok: false; status?: number; error: string };

export interface PostOptions {
  /** The whole attempt, from connecting to the end of what is read of the answer. */
  timeoutMs: number;
  /** Which addresses may be connected to; it resolves the host itself, so what it checked is what is reached. */
  policy: WebhookUrlPolicy;
}

/**
 * POSTs one delivery and says how it went; never throws. The connection goes only to an address `policy` accepts,
 * checked as the host is resolved for this very connection (a loopback, private or link-local address is refused
 * unless allow-listed). Only a 2xx answer counts: redirects are not followed (a webhook's URL must be the one that
 * accepts deliveries, and following one would send the signed body elsewhere), and answers are not read beyond the
 * first 2 KiB of an error, so a receiver cannot make Fleet hold a large body.
 *
 * @example
 * const outcome = await postWebhook(url, headers, body, { timeoutMs: 10_000, policy });
 * if (!outcome.ok) log.warn({ status: outcome.status, error: outcome.error }, 'refused');
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  { timeoutMs, policy }: PostOptions,
): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, error: 'not a URL' });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.resolve({ ok: false, error: `not an http or https URL: ${target.protocol}` });
  }
  const refusal = policy.refusalOfLiteral(target.hostname);
  if (refusal !== null) return Promise.resolve({ ok: false, error: `not posted to ${target.host}: ${refusal}` });

  return new Promise((resolve) => {
    let status: number | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const answered = (code: number): PostOutcome => {
      const text = Buffer.concat(chunks).subarray(0, ERROR_TEXT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
      return { ok: false, status: code, error: `HTTP ${code}${text ? `: ${text}` : ''}` };
    };
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Nothing more is wanted from this connection; it is never reused (no agent keeps it).
      request.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      // A body cut short (or too slow) still leaves the status to report.
      finish(status === undefined ? { ok: false, error: `no answer within ${timeoutMs} ms` } : answered(status));
    }, timeoutMs);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      lookup: policy.lookupFunction(),
    });
    request.on('response', (response) => {
      const code = response.statusCode ?? 0;
      status = code;
      if (code >= 200 && code < 300) {
        finish({ ok: true, status: code });
      } else if (code >= 300 && code < 400) {
        const { location } = response.headers;
        finish({
          ok: false,
          status: code,
          error: `HTTP ${code} redirect${location ? ` to ${location}` : ''}: redirects are not followed, set the webhook's URL to where deliveries are accepted`,
        });
      } else {
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size >= ERROR_TEXT_BYTES) finish(answered(code));
        });
        response.on('end', () => finish(answered(code)));
        response.on('error', () => finish(answered(code)));
      }
    });
    request.on('error', (error) => {
      finish(status === undefined ? { ok: false, error: describeFailure(error, target) } : answered(status));
    });
    request.end(body);
  });
}

/** Why the request failed before an answer, in words an operator can act on. */
function describeFailure(error: unknown, target: URL): string {
  const { code, message, errors } = (error ?? {}) as {
    code?: string;
    message?: string;
    errors?: { message?: string }[];
  };
  // Connecting to each of several addresses in turn fails with all their reasons and no message of its own.
  const reason = message || errors?.map((e) => e.message).join('; ') || code || String(error);
  if (code === 'EWEBHOOKADDRESS') return `not posted to ${target.host}: ${reason}`;
  return `cannot reach ${target.host}: ${reason}`;
}
