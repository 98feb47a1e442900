import { sql } from 'kysely';
import { ConflictError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page } from '@fleet/contracts';

/** A `LIKE` pattern matching `text` anywhere, with the user's `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Limit and offset within bounds, whatever the caller passed. */
export function pageBounds(query: { limit?: number; offset?: number }): { limit: number; offset: number } {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const offset = Math.max(Math.trunc(query.offset ?? 0), 0);
  return { limit, offset };
}

/** `count(*) AS total`, for the count query beside a page query. */
export const TOTAL = sql<string>`count(*)`.as('total');

/** One page of rows and the number of all matching rows, queried together. */
export async function fetchPage<T>(
  bounds: { limit: number; offset: number },
  items: Promise<T[]>,
  count: Promise<{ total: string }>,
): Promise<Page<T>> {
  const [rows, { total }] = await Promise.all([items, count]);
  return { items: rows, total: Number(total), ...bounds };
}

/** Runs `write`, turning a unique-constraint violation into a {@link ConflictError} with `message`. */
export async function conflictOnDuplicate<T>(
  write: () => Promise<T>,
  message: (constraint: string) => string,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const pgError = error as { code?: string; constraint?: string };
    if (pgError.code === '23505') throw new ConflictError(message(pgError.constraint ?? ''), { cause: error });
    throw error;
  }
}

/** JSON text for a `jsonb` column (undefined stays undefined, so an update leaves the column alone). */
export function jsonb<T>(value: T | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === null ? null : JSON.stringify(value);
}
