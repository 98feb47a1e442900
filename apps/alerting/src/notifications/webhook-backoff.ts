export const WEBHOOK_BACKOFF_FIRST_MS = 5_000;
export const WEBHOOK_BACKOFF_MAX_MS = 60 * 60 * 1000;
/** ±20%, so deliveries that failed together (a receiver that was down) do not all come back at the same moment. */
export const WEBHOOK_BACKOFF_JITTER = 0.2;

/**
 * How long to wait after `attempts` failed attempts before the next one: 5 s, 10 s, 20 s, ... doubling up to an
 * hour, each ±20%, never more than an hour. `random` returns a number in [0, 1), as `Math.random` does.
 *
 * @example
 * const next = new Date(now.getTime() + webhookBackoffMs(row.attempts));
 */
export function webhookBackoffMs(attempts: number, random: () => number = Math.random): number {
  const doublings = Math.min(Math.max(Math.trunc(attempts) - 1, 0), 30);
  const base = Math.min(WEBHOOK_BACKOFF_FIRST_MS * 2 ** doublings, WEBHOOK_BACKOFF_MAX_MS);
  const jitter = (random() * 2 - 1) * WEBHOOK_BACKOFF_JITTER;
  return Math.min(Math.round(base * (1 + jitter)), WEBHOOK_BACKOFF_MAX_MS);
}
