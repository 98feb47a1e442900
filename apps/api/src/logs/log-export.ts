import type { LogExportFormat } from '@fleet/contracts';
import type { SystemLog } from '@fleet/database';

/** Entries in the order they are sent, a batch at a time. */
export type Batches = AsyncIterable<SystemLog[]> | Iterable<SystemLog[]>;

/** The columns of a CSV export, in order. */
export const CSV_COLUMNS = ['id', 'timestamp', 'level', 'category', 'robot_id', 'message', 'details'] as const;

/** What a spreadsheet would read as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, and prefixed with `'` when it starts
 * like a formula, so a message such as `=HYPERLINK(...)` opens as text in a spreadsheet.
 *
 * @example
 * csvCell('=1+2') // "'=1+2"
 * csvCell('a "b", c') // '"a ""b"", c"'
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One entry as the API and the JSON export show it. */
export function logEntryView(entry: SystemLog) {
  return {
    id: entry.id,
    level: entry.level,
    category: entry.category,
    message: entry.message,
    robot_id: entry.robot_id,
    details: entry.details,
    timestamp: entry.timestamp ? entry.timestamp.toISOString() : null,
  };
}

/** One CSV line, CRLF-terminated. */
export function csvLine(entry: SystemLog): string {
  const view = logEntryView(entry);
  return (
    [
      view.id,
      view.timestamp,
      view.level,
      view.category,
      view.robot_id,
      view.message,
      view.details === null ? null : JSON.stringify(view.details),
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}

async function* csvChunks(batches: Batches): AsyncGenerator<string> {
  yield CSV_COLUMNS.join(',') + '\r\n';
  for await (const batch of batches) yield batch.map(csvLine).join('');
}

async function* jsonChunks(batches: Batches): AsyncGenerator<string> {
  yield '[';
  let empty = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield (empty ? '\n' : ',\n') + batch.map((entry) => JSON.stringify(logEntryView(entry))).join(',\n');
    empty = false;
  }
  yield empty ? ']\n' : '\n]\n';
}

/**
 * The text of an export, one chunk per batch: a CSV file with a header line, or one JSON array. Nothing is held
 * beyond the batch being written.
 */
export function exportChunks(format: LogExportFormat, batches: Batches): AsyncGenerator<string> {
  switch (format) {
    case 'csv':
      return csvChunks(batches);
    case 'json':
      return jsonChunks(batches);
  }
}

export const EXPORT_CONTENT_TYPE: Record<LogExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** `fleet-logs-20260124T103045Z.csv`: sortable, and safe in a Content-Disposition header on every platform. */
export function exportFilename(format: LogExportFormat, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `fleet-logs-${stamp}.${format}`;
}
