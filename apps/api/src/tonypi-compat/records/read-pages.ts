import { MAX_PAGE_SIZE, type Page } from '@fleet/contracts';

/**
 * Up to `limit` items from `offset` on, read a page of at most {@link MAX_PAGE_SIZE} at a time: TonyPi answers
 * lists as one bare array, and its clients may ask for more than one of Fleet's pages holds.
 *
 * @example
 * const entries = await readPages((limit, offset) => logs.list({ ...filters, limit, offset }), 1000);
 */
export async function readPages<T>(
  read: (limit: number, offset: number) => Promise<Page<T>>,
  limit: number,
  offset = 0,
): Promise<T[]> {
  const items: T[] = [];
  while (items.length < limit) {
    const size = Math.min(MAX_PAGE_SIZE, limit - items.length);
    const page = await read(size, offset + items.length);
    items.push(...page.items);
    if (page.items.length < size) break;
  }
  return items;
}

/** Where a TonyPi `time_range` (in milliseconds) ending now starts, as the ISO instant Fleet's queries take. */
export function rangeStart(now: Date, rangeMs: number): string {
  return new Date(now.getTime() - rangeMs).toISOString();
}
