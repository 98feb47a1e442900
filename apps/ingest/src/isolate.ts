import { InvalidInputError } from '@fleet/contracts';
import { InfluxError } from '@fleet/telemetry';

/**
 * Whether retrying the same write can never succeed: the store refused the data itself (a Postgres data or
 * constraint error, an InfluxDB 4xx such as a field type conflict, a point the store validates away), as opposed to
 * the store being unreachable or overloaded, which retrying outlasts.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof InvalidInputError) return true;
  if (error instanceof InfluxError) return !error.retriable;
  const code = (error as { code?: unknown }).code;
  // SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * Writes `items`; when the store refuses them for what they are, splits them in halves until the refused ones are
 * alone, writes the rest, and hands each refused item to `refused`. Writing again what was already written is
 * harmless (every write ingest makes is idempotent). Errors that are not permanent are thrown for the caller to retry.
 * Returns how many items were written.
 */
export async function writeIsolating<T>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<unknown>,
  refused: (item: T, error: unknown) => void,
): Promise<number> {
  if (items.length === 0) return 0;
  try {
    await write(items);
    return items.length;
  } catch (error) {
    if (!isPermanent(error)) throw error;
    if (items.length === 1) {
      refused(items[0], error);
      return 0;
    }
    const half = Math.ceil(items.length / 2);
    return (
      (await writeIsolating(items.slice(0, half), write, refused)) +
      (await writeIsolating(items.slice(half), write, refused))
    );
  }
}
