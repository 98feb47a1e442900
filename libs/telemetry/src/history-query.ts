import { InvalidInputError, type FieldIssue } from '@fleet/contracts';
import { columnsText, joinColumnsText, rememberColumnsText } from './history-text';
import { unstorable } from './postgres-telemetry.points';
import { AGGREGATIONS, type Aggregation, type HistoryQuery, type HistoryResult } from './telemetry-store';

const ISSUES_IN_MESSAGE = 10;

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && Number.isFinite(value.getTime());
}

/**
 * Checks a history query as both stores take it, and says its aggregation and its fields, each once, in the order
 * asked. Throws {@link InvalidInputError} naming every problem.
 */
export function checkHistoryQuery(query: HistoryQuery): { fn: Aggregation; fields: string[] } {
  const issues: FieldIssue[] = [];
  const fn = query.fn ?? 'mean';
  if (!AGGREGATIONS.includes(fn)) issues.push({ path: 'fn', message: `must be one of ${AGGREGATIONS.join(', ')}` });
  if (!Array.isArray(query.fields) || query.fields.length === 0)
    issues.push({ path: 'fields', message: 'must name at least one field' });
  else if (query.fields.some((f) => typeof f !== 'string' || f === '' || unstorable(f)))
    issues.push({ path: 'fields', message: 'must be non-empty field names' });
  for (const key of ['from', 'to'] as const)
    if (!isValidDate(query[key])) issues.push({ path: key, message: 'must be a valid date' });
  if (query.everyMs !== undefined && !(Number.isSafeInteger(query.everyMs) && query.everyMs > 0))
    issues.push({ path: 'everyMs', message: 'must be a positive whole number of milliseconds' });
  if (issues.length > 0) {
    const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${i.path} ${i.message}`);
    throw new InvalidInputError(`invalid history query: ${shown.join('; ')}`, issues);
  }
  return { fn, fields: [...new Set(query.fields)] };
}

/** A history without buckets. */
export function emptyHistory(everyMs: number, fn: Aggregation, fields: readonly string[]): HistoryResult {
  return { everyMs, fn, times: [], values: Object.fromEntries(fields.map((f) => [f, []])) };
}

/**
 * Joins histories of the same fields and bucket width whose buckets follow one another (each part's buckets all
 * after the previous part's), oldest part first.
 */
export function concatHistories(
  everyMs: number,
  fn: Aggregation,
  fields: readonly string[],
  parts: readonly Pick<HistoryResult, 'times' | 'values'>[],
): HistoryResult {
  const nonEmpty = parts.filter((p) => p.times.length > 0);
  if (nonEmpty.length === 0) return emptyHistory(everyMs, fn, fields);
  if (nonEmpty.length === 1) return { everyMs, fn, times: nonEmpty[0].times, values: nonEmpty[0].values };
  for (let i = 1; i < nonEmpty.length; i++) {
    if (nonEmpty[i].times[0] <= (nonEmpty[i - 1].times.at(-1) ?? -Infinity))
      throw new Error('history parts overlap or are out of order');
  }
  const joined: HistoryResult = {
    everyMs,
    fn,
    times: ([] as number[]).concat(...nonEmpty.map((p) => p.times)),
    values: Object.fromEntries(
      fields.map((field) => [field, ([] as (number | null)[]).concat(...nonEmpty.map((p) => p.values[field]))]),
    ),
  };
  // A part read from a cache keeps its text: the whole is its parts' texts joined.
  rememberColumnsText(joined, () =>
    joinColumnsText(
      nonEmpty.map((p) => columnsText(p)),
      fields,
    ),
  );
  return joined;
}
