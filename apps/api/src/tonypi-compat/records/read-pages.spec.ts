import { MAX_PAGE_SIZE, type Page } from '@fleet/contracts';
import { rangeStart, readPages } from './read-pages';

/** A list of `total` numbers served a page at a time, recording each read. */
function pages(total: number) {
  const reads: [number, number][] = [];
  const read = (limit: number, offset: number): Promise<Page<number>> => {
    reads.push([limit, offset]);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
    return Promise.resolve({ items, total, limit, offset });
  };
  return { read, reads };
}

describe('reading a TonyPi list across pages', () => {
  it('reads one page when the limit fits in one', async () => {
    const { read, reads } = pages(1000);
    expect(await readPages(read, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(reads).toEqual([[100, 0]]);
  });

  it('reads as many full pages as the limit needs, from the offset', async () => {
    const { read, reads } = pages(2000);
    const items = await readPages(read, 1000, 5);
    expect(items).toHaveLength(1000);
    expect(items[0]).toBe(5);
    expect(items[999]).toBe(1004);
    expect(reads).toEqual([
      [MAX_PAGE_SIZE, 5],
      [MAX_PAGE_SIZE, 5 + MAX_PAGE_SIZE],
    ]);
  });

  it('stops at the first short page', async () => {
    const { read, reads } = pages(620);
    expect(await readPages(read, Number.POSITIVE_INFINITY)).toHaveLength(620);
    expect(reads).toEqual([
      [MAX_PAGE_SIZE, 0],
      [MAX_PAGE_SIZE, MAX_PAGE_SIZE],
    ]);
  });

  it('answers an empty list with one read', async () => {
    const { read, reads } = pages(0);
    expect(await readPages(read, 100)).toEqual([]);
    expect(reads).toHaveLength(1);
  });
});

describe('a TonyPi time range', () => {
  it('starts that long before now', () => {
    expect(rangeStart(new Date('2026-01-24T10:00:00Z'), 3_600_000)).toBe('2026-01-24T09:00:00.000Z');
  });
});
