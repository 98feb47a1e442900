import type { GeneratedReport, ReportDocument, ReportFinding } from '@fleet/contracts';
import type { Block, CellValue, DataTable } from './report-model';
import { reportSections } from './report-sections';

/** Rows of a custom report's data the CSV writes; past it, a last row says how much was left out. */
export const CUSTOM_ROW_LIMIT = 10_000;
/** Nesting the CSV follows; deeper data (no report has it) is one cell, so paths stay short and time linear. */
const MAX_DEPTH = 64;

/** Text a spreadsheet would run as a formula (or that hides one behind a control character). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: RFC 4180 quoting; a text a spreadsheet would take for a formula gets a leading apostrophe
 * (numbers never do, so -3.5 stays a number); a non-finite number or null is empty.
 *
 * @example csvCell('=HYPERLINK("x")') // '"\'=HYPERLINK(""x"")"'
 */
export function csvCell(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface CsvTable {
  name: string;
  header: string[];
  rows: CellValue[][];
}

function keyValues(name: string, rows: [string, CellValue][]): CsvTable {
  return { name, header: ['key', 'value'], rows };
}

function findingsTable(findings: readonly ReportFinding[]): CsvTable {
  return {
    name: 'findings',
    header: ['severity', 'robot_id', 'subject', 'rule', 'text'],
    rows: findings.map((f) => [f.severity, f.robot_id, f.subject, f.rule, f.text]),
  };
}

function reportTable(doc: GeneratedReport): CsvTable {
  const cov = doc.coverage;
  return keyValues('report', [
    ['title', doc.title],
    ['type', doc.type],
    ['period_from', doc.period.from],
    ['period_to', doc.period.to],
    ['timezone', doc.period.timezone],
    ['time_range', doc.period.time_range],
    ['generated_at', doc.generated_at],
    ['scope', cov.scope],
    ['robots_covered', cov.robots.length],
    ['robots_with_data', cov.with_data.length],
    ['robots_without_data', cov.without_data.length],
    ['without_data', cov.without_data.join(', ')],
    ['resolution', cov.resolution],
    ['telemetry_until', cov.telemetry_until],
  ]);
}

function fromDataTable(t: DataTable): CsvTable {
  return { name: t.name, header: t.columns.map((c) => c.key), rows: t.rows };
}

function blockTables(block: Block): CsvTable[] {
  switch (block.kind) {
    case 'table':
      return [fromDataTable(block)];
    case 'attention':
      return [fromDataTable(block.table)];
    case 'stats':
      return [
        keyValues(
          block.name,
          block.items.map((i) => [i.key, i.value]),
        ),
      ];
    case 'time-chart':
      return [
        {
          name: block.name,
          header: ['time', ...block.chart.series],
          rows: block.chart.points.map((p) => [p.time, ...block.chart.series.map((_, i) => p.values[i] ?? null)]),
        },
      ];
    case 'bar-chart':
    case 'note':
      // A bar chart draws numbers a table of the same section already has.
      return [];
  }
}

/** `data` as dotted paths (arrays by index), depth first, at most `limit` rows and the count of all leaves. */
export function flattenData(data: unknown, limit: number): { rows: [string, CellValue][]; total: number } {
  const rows: [string, CellValue][] = [];
  let total = 0;
  const emit = (path: string, value: CellValue) => {
    total++;
    if (rows.length < limit) rows.push([path, value]);
  };
  // A stack instead of recursion, and ancestors to stop at a cycle (data given in code rather than parsed JSON).
  const stack: { path: string; value: unknown; ancestors: Set<object> }[] = [
    { path: '', value: data, ancestors: new Set() },
  ];
  while (stack.length) {
    const { path, value, ancestors } = stack.pop() as (typeof stack)[number];
    if (ancestors.size >= MAX_DEPTH && typeof value === 'object' && value !== null) {
      emit(path, '(nested too deep)');
      continue;
    }
    if (value === null || value === undefined) emit(path, null);
    else if (typeof value === 'string' || typeof value === 'boolean') emit(path, value);
    else if (typeof value === 'number') emit(path, Number.isFinite(value) ? value : null);
    else if (typeof value === 'bigint') emit(path, value.toString());
    else if (typeof value === 'object') {
      if (ancestors.has(value)) {
        emit(path, '(circular)');
        continue;
      }
      const entries = Array.isArray(value)
        ? value.map((v, i): [string, unknown] => [String(i), v])
        : Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) {
        emit(path, Array.isArray(value) ? '[]' : '{}');
        continue;
      }
      const inner = new Set(ancestors).add(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] ?? ['', undefined];
        stack.push({ path: path ? `${path}.${key}` : key, value: child, ancestors: inner });
      }
    } else emit(path, typeof value === 'symbol' ? value.toString() : '(function)');
  }
  return { rows, total };
}

function tablesOf(doc: ReportDocument): CsvTable[] {
  const tables = [reportTable(doc), findingsTable(doc.findings)];
  for (const section of reportSections(doc)) for (const block of section.blocks) tables.push(...blockTables(block));
  return tables;
}

function toCsv(tables: readonly CsvTable[]): string {
  const lines: string[] = [];
  for (const t of tables) {
    lines.push(csvCell(`# ${t.name}`));
    lines.push(t.header.map(csvCell).join(','));
    for (const row of t.rows) lines.push(row.map(csvCell).join(','));
    lines.push('');
  }
  // The BOM makes Excel read the file as UTF-8 (robot names in any script survive).
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/**
 * The report's tables as CSV (UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting).
 *
 * Each table is a `# <name>` line, a header row, its rows and a blank line: first `# report` (what it covers), then
 * `# findings`, then the type's tables with every row. Durations in seconds, times as ISO instants, null as empty.
 */
export function renderCsv(doc: ReportDocument): string {
  return toCsv(tablesOf(doc));
}

/** A stored custom (TonyPi) report: the `# report` table, then its `data` as dotted paths, capped. */
export interface CustomReport {
  title: string;
  generated_at: string;
  data: unknown;
}

/**
 * A custom report as CSV, in the same form as {@link renderCsv}: `# report`, then `# data` with one `path,value`
 * row per leaf (dotted paths, arrays by index), at most {@link CUSTOM_ROW_LIMIT} rows.
 *
 * @example renderCustomCsv({ title: 'Robot data', generated_at, data: { robots: [{ id: 'tonypi_01' }] } })
 * // … # data / path,value / robots.0.id,tonypi_01
 */
export function renderCustomCsv(report: CustomReport): string {
  const { rows, total } = flattenData(report.data, CUSTOM_ROW_LIMIT);
  if (total > rows.length) rows.push(['(truncated)', `${rows.length} of ${total} values written`]);
  return toCsv([
    keyValues('report', [
      ['title', report.title],
      ['type', 'custom'],
      ['generated_at', report.generated_at],
    ]),
    { name: 'data', header: ['path', 'value'], rows },
  ]);
}
