import { z } from 'zod';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

/** `limit` is capped so no client can ask for the whole table in one page. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  offset: z.coerce.number().int().min(0).default(0),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

/** One page of results with the total number of matching rows, for "page 3 of 12" and "load more". */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** The schema of a {@link Page} of `item`, for documenting list answers. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}
