import type { MetricStats } from '@fleet/contracts';
import { formatValue } from './text';
import type { CellValue, Column, ColumnKind, DataTable, StatItem } from './report-model';

/** Small builders the sections share. */

export function col(key: string, label: string, kind: ColumnKind, extra: Partial<Column> = {}): Column {
  return { key, label, kind, ...extra };
}

export function table(
  name: string,
  title: string | null,
  columns: Column[],
  rows: CellValue[][],
  empty: string,
): DataTable {
  return { kind: 'table', name, title, columns, rows, empty };
}

export function stat(key: string, label: string, value: CellValue, kind: ColumnKind, digits?: number): StatItem {
  return digits === undefined ? { key, label, value, kind } : { key, label, value, kind, digits };
}

export const ROBOT = col('robot_id', 'Robot', 'text');

/** Bars for the first `limit` rows by `value`, largest first unless `ascending`. */
export function topBy<T>(rows: readonly T[], value: (row: T) => number | null, limit: number, ascending = false): T[] {
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .filter((e): e is { row: T; index: number; v: number } => e.v !== null && Number.isFinite(e.v))
    .sort((a, b) => (ascending ? a.v - b.v : b.v - a.v) || a.index - b.index)
    .slice(0, limit)
    .map((e) => e.row);
}

/** "Warning 70 %, critical 90 %" when every robot had the same thresholds; the CSV has each robot's. */
export function thresholdNote(stats: (MetricStats | null)[], unit: string): string | undefined {
  const thresholds = stats.flatMap((s) => (s?.threshold ? [s.threshold] : []));
  const first = thresholds[0];
  if (!first) return undefined;
  const same = thresholds.every(
    (t) => t.warning === first.warning && t.critical === first.critical && t.direction === first.direction,
  );
  if (!same) return 'Thresholds differ between robots (each robot’s are in the CSV).';
  const direction = first.direction === 'above' ? 'above' : 'below';
  const value = (n: number) => `${formatValue(n)} ${unit}`;
  return `Time past: warning ${direction} ${value(first.warning)}, critical ${direction} ${value(first.critical)}.`;
}

/** The columns of one metric's statistics, prefixed for the CSV (`temperature_mean`) when `prefix` is set. */
export function statColumns(prefix: string, label: string, unit: string, show: (keyof MetricStats)[]): Column[] {
  const key = (k: string) => (prefix ? `${prefix}_${k}` : k);
  const l = (text: string) => (label ? `${label} ${text}` : text.charAt(0).toUpperCase() + text.slice(1));
  const all: [keyof MetricStats, Column][] = [
    ['mean', col(key('mean'), l(`mean (${unit})`), 'number')],
    ['p95', col(key('p95'), l(`p95 (${unit})`), 'number')],
    ['min', col(key('min'), l(`min (${unit})`), 'number')],
    ['max', col(key('max'), l(`max (${unit})`), 'number')],
    ['past_warning_s', col(key('past_warning_s'), l('past warning'), 'duration')],
    ['past_critical_s', col(key('past_critical_s'), l('past critical'), 'duration')],
    ['minutes', col(key('minutes'), l('minutes with data'), 'integer')],
    ['samples', col(key('samples'), l('samples'), 'integer')],
  ];
  const columns = all.map(([k, c]) => (show.includes(k) ? c : { ...c, csvOnly: true }));
  columns.push(col(key('warning'), l('warning'), 'number', { csvOnly: true }));
  columns.push(col(key('critical'), l('critical'), 'number', { csvOnly: true }));
  return columns;
}

export function statValues(s: MetricStats | null): CellValue[] {
  if (!s) return [null, null, null, null, null, null, null, null, null, null];
  return [
    s.mean,
    s.p95,
    s.min,
    s.max,
    s.past_warning_s,
    s.past_critical_s,
    s.minutes,
    s.samples,
    s.threshold?.warning ?? null,
    s.threshold?.critical ?? null,
  ];
}

export function withOrder(t: DataTable, key: string, direction: 'asc' | 'desc'): DataTable {
  t.pdfOrder = { key, direction };
  return t;
}
