/** How much of a refusing receiver's answer is kept as the error text. */
const ERROR_TEXT_BYTES = 2_048;

/** What became of one POST: accepted (2xx), or why not, with the status when the receiver answered. */
export type PostOutcome = { ok: true; status: number } | { ok: false; status?: number; error: string };

/**
 * POSTs one delivery and says how it went; never throws. Only a 2xx answer counts: redirects are not followed (a
 * webhook's URL must be the one that accepts deliveries, and following one would send the signed body elsewhere),
 * and answers are not read beyond the first 2 KiB of an error, so a receiver cannot make Fleet hold a large body.
 *
 * @example
 * const outcome = await postWebhook(url, headers, body, 10_000);
 * if (!outcome.ok) log.warn({ status: outcome.status, error: outcome.error }, 'refused');
 */
export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { status } = response;
    if (status >= 200 && status < 300) {
      await discard(response);
      return { ok: true, status };
    }
    if (status >= 300 && status < 400) {
      await discard(response);
      const location = response.headers.get('location');
      return {
        ok: false,
        status,
        error: `HTTP ${status} redirect${location ? ` to ${location}` : ''}: redirects are not followed, set the webhook's URL to where deliveries are accepted`,
      };
    }
    const text = await readStart(response);
    return { ok: false, status, error: `HTTP ${status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    return { ok: false, error: describeFailure(error, url, timeoutMs) };
  }
}

/** Why fetch threw, in words an operator can act on (fetch's own message is just "fetch failed"). */
function describeFailure(error: unknown, url: string, timeoutMs: number): string {
  // Read by shape: errors from fetch need not be instances of this realm's Error.
  const { name, message, cause } = (error ?? {}) as { name?: string; message?: string; cause?: { message?: string } };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const reason = cause?.message ?? message ?? String(error);
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // An unparsable URL is described by the reason itself.
  }
  return `cannot reach ${host}: ${reason}`;
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** The first {@link ERROR_TEXT_BYTES} of an answer, on one line; what cannot be read in time is left out. */
async function readStart(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_TEXT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short (or too slow) still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, ERROR_TEXT_BYTES).toString('utf8');
  return text.replace(/\s+/g, ' ').trim();
}
