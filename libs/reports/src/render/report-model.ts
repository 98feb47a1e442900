import type { ReportChart } from '@fleet/contracts';

/**
 * What a report shows, independent of the output: the PDF draws these blocks and the CSV writes their data, so both
 * always carry the same tables.
 */

export type CellValue = string | number | boolean | null;

/**
 * How a column's values read: the PDF formats them (`duration` as "2 h 10 min", `time` in the report's zone), the
 * CSV writes them raw (seconds, ISO instants). An `id` is a number without thousands separators (job 12000).
 */
export type ColumnKind = 'text' | 'id' | 'integer' | 'number' | 'percent' | 'duration' | 'time' | 'flag';

export interface Column {
  /** The CSV header. */
  key: string;
  /** The PDF header. */
  label: string;
  kind: ColumnKind;
  /** Decimals in the PDF for `number` and `percent` (1 unless set). */
  digits?: number;
  /** Text columns that may wrap onto a few lines in the PDF instead of being cut. */
  wrap?: boolean;
  /** The PDF's text for null, when "–" would not say what it means ("still offline"). */
  nullText?: string;
  /** Only in the CSV: detail a page has no room for. */
  csvOnly?: boolean;
}

export interface DataTable {
  kind: 'table';
  /** The CSV's `# <name>` line. */
  name: string;
  /** The caption above the table in the PDF; none when the section heading says it. */
  title: string | null;
  note?: string;
  columns: Column[];
  rows: CellValue[][];
  /** The PDF lists the rows in this order (nulls last), so a cut table keeps the ones that matter. */
  pdfOrder?: { key: string; direction: 'asc' | 'desc' };
  /** What the PDF says when there are no rows. */
  empty: string;
}

export interface StatItem {
  key: string;
  label: string;
  value: CellValue;
  kind: ColumnKind;
  digits?: number;
}

/** A few headline numbers: tiles in the PDF, key/value rows in the CSV. */
export interface StatsBlock {
  kind: 'stats';
  name: string;
  items: StatItem[];
}

export interface TimeChartBlock {
  kind: 'time-chart';
  name: string;
  title: string;
  chart: ReportChart;
  /** `stacked` draws a column per bucket (counts per day); `lines` a line per series. */
  mode: 'lines' | 'stacked';
}

export interface BarSeries {
  name: string;
  values: number[];
}

/** Horizontal bars, one row per category, series stacked. Drawn only: its numbers are in a table. */
export interface BarChartBlock {
  kind: 'bar-chart';
  title: string;
  unit: string;
  categories: string[];
  series: BarSeries[];
  /** A fixed end of the value axis (100 for percentages); otherwise the largest total. */
  max?: number;
  /** Series colours by name, for outcomes whose colour means something (failed is red). */
  colors?: Record<string, string>;
  note?: string;
}

export interface AttentionItem {
  rank: number;
  heading: string;
  urgency: 'critical' | 'warning';
  score: number;
  evidence: string[];
}

/** The maintenance ranking: a numbered list with evidence bullets in the PDF, a table in the CSV. */
export interface AttentionBlock {
  kind: 'attention';
  items: AttentionItem[];
  table: DataTable;
}

export interface NoteBlock {
  kind: 'note';
  text: string;
}

export type Block = DataTable | StatsBlock | TimeChartBlock | BarChartBlock | AttentionBlock | NoteBlock;

export interface Section {
  heading: string;
  blocks: Block[];
}

/** Colours of outcomes that mean the same everywhere. */
export const OUTCOME_COLORS: Record<string, string> = {
  completed: '#2e7d32',
  failed: '#c62828',
  cancelled: '#9e9e9e',
  superseded: '#bdbdbd',
  active: '#1e6fd9',
  critical: '#c62828',
  warning: '#e09400',
  info: '#1e6fd9',
};
