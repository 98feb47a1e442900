import { TONYPI_LOG_CATEGORIES, type TonyPiLogLevels, type TonyPiLogStats } from '@fleet/contracts';
import { CSV_COLUMNS } from '../../logs/log-export';

/** TonyPi's levels with the colour and rank its log page gives them; Fleet adds DEBUG below INFO. */
export const TONYPI_LOG_LEVELS: TonyPiLogLevels = {
  DEBUG: { color: 'gray', priority: 0 },
  INFO: { color: 'blue', priority: 1 },
  WARNING: { color: 'yellow', priority: 2 },
  ERROR: { color: 'red', priority: 3 },
  CRITICAL: { color: 'purple', priority: 4 },
};

/** TonyPi's CSV header line; Fleet's export writes the same columns under its own names. */
export const TONYPI_CSV_HEADER = 'ID,Timestamp,Level,Category,Robot ID,Message,Details\r\n';
const FLEET_CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * TonyPi's log counts: one per level in lower case, and `by_category` with every known category (0 when it has no
 * entries) beside any other category found.
 */
export function tonypiLogStats(stats: {
  total: number;
  by_level: Record<string, number>;
  by_category: Record<string, number>;
}): TonyPiLogStats {
  const level = (name: string) => stats.by_level[name] ?? 0;
  return {
    total: stats.total,
    debug: level('DEBUG'),
    info: level('INFO'),
    warning: level('WARNING'),
    error: level('ERROR'),
    critical: level('CRITICAL'),
    by_category: { ...Object.fromEntries(TONYPI_LOG_CATEGORIES.map((c) => [c, 0])), ...stats.by_category },
  };
}

/**
 * A CSV export under TonyPi's header, or null when it holds no entry (TonyPi answers 404 then). Reads the
 * export's header and its first rows before answering, so the caller knows which it is before sending anything.
 */
export async function tonypiCsv(chunks: AsyncIterable<string>): Promise<AsyncIterable<string> | null> {
  const source = chunks[Symbol.asyncIterator]();
  const header = await source.next();
  if (header.done) return null;
  let first = await source.next();
  while (!first.done && first.value === '') first = await source.next();
  if (first.done) return null;
  const rows = first.value;
  async function* all(): AsyncGenerator<string> {
    yield header.value === FLEET_CSV_HEADER ? TONYPI_CSV_HEADER : header.value;
    yield rows;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  return all();
}
