import { COLOR, CONTENT_WIDTH, lineHeight, type PdfLayout, type TextStyle } from './pdf-layout';
import type { AttentionBlock, CellValue, Column, DataTable, StatItem, StatsBlock } from './report-model';
import { formatDateTime, formatDecimal, formatDurationOrDash, formatPercent, NO_VALUE } from './text';

/** Tables, headline tiles and the servo ranking, as the PDF draws them. */

/** Rows the PDF lists of one table; the CSV has them all. */
export const PDF_ROW_LIMIT = 50;
const ATTENTION_LIMIT = 25;

const BODY: TextStyle = { size: 7.5 };
const HEAD: TextStyle = { font: 'Helvetica-Bold', size: 7.5 };
const NOTE: TextStyle = { font: 'Helvetica-Oblique', size: 7.5, color: COLOR.muted };
const PAD_X = 4;
const PAD_Y = 3;
const LINE = lineHeight(7.5);
const MAX_WRAP_LINES = 4;

function isNumeric(c: Column): boolean {
  return c.kind !== 'text' && c.kind !== 'time' && c.kind !== 'flag';
}

/** How the PDF shows times: in the report's zone, the year left out when the whole period is in one year. */
export interface TimeFormat {
  timezone: string;
  withYear: boolean;
}

/** A value as the PDF shows it in its column; see {@link Column.kind}. */
export function formatCell(
  value: CellValue,
  column: Pick<Column, 'kind' | 'digits' | 'nullText'>,
  time: TimeFormat,
): string {
  if (value === null) return column.nullText ?? NO_VALUE;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') {
    return column.kind === 'time' ? formatDateTime(value, time.timezone, time.withYear) : value;
  }
  switch (column.kind) {
    case 'integer':
      return formatDecimal(value, 0);
    case 'number':
    case 'percent':
      return formatDecimal(value, column.digits ?? 1);
    case 'duration':
      return formatDurationOrDash(value);
    case 'time':
      return formatDateTime(value, time.timezone, time.withYear);
    case 'id':
    case 'text':
    case 'flag':
      return String(value);
  }
}

/** Rows in the table's PDF order: by one column, nulls last, ties in document order. */
export function orderedRows(t: DataTable): CellValue[][] {
  const order = t.pdfOrder;
  if (!order) return t.rows;
  const index = t.columns.findIndex((c) => c.key === order.key);
  if (index < 0) return t.rows;
  const sign = order.direction === 'asc' ? 1 : -1;
  return t.rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const x = a.row[index] ?? null;
      const y = b.row[index] ?? null;
      if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.i - b.i;
      const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * cmp || a.i - b.i;
    })
    .map((e) => e.row);
}

/** How a column may give way when a table is too wide: wrapping text first, then cut text; numbers never. */
export type ColumnGive = 'wrap' | 'cut' | 'none';

/**
 * Column widths that fit the page: each column as wide as its widest cell, headers allowed onto a second line, the
 * spare room spread over a table that is wide anyway; too wide and wrapping columns give first (down to 60 pt),
 * then text columns (down to 40 pt), then everything in proportion.
 */
export function fitColumns(natural: number[], headerFull: number[], give: ColumnGive[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0);
  for (const [kind, floor] of [
    ['wrap', 60],
    ['cut', 40],
  ] as const) {
    const over = total() - width;
    if (over <= 0) break;
    const slack = widths.map((w, i) => (give[i] === kind ? Math.max(0, w - floor) : 0));
    const room = slack.reduce((a, b) => a + b, 0);
    if (room <= 0) continue;
    const take = Math.min(1, over / room);
    widths.forEach((w, i) => (widths[i] = w - (slack[i] ?? 0) * take));
  }
  let sum = total();
  if (sum > width) return widths.map((w) => (w * width) / sum);
  // Room to spare: first towards headers on one line (in proportion, when not all of them can have it), then
  // stretch a table that is wide already.
  const need = headerFull.map((full, i) => Math.max(0, full - (widths[i] ?? 0)));
  const needed = need.reduce((a, b) => a + b, 0);
  const share = needed > 0 ? Math.min(1, (width - sum) / needed) : 0;
  widths.forEach((w, i) => (widths[i] = w + (need[i] ?? 0) * share));
  sum = total();
  return sum >= width * 0.55 ? widths.map((w) => (w * width) / sum) : widths;
}

interface PreparedRow {
  lines: string[][];
  height: number;
}

/**
 * A table with a shaded header, zebra rows and right-aligned numbers; a long one continues on the next page with
 * its header again, and past {@link PDF_ROW_LIMIT} rows says how many more the CSV has.
 */
export function drawTable(l: PdfLayout, t: DataTable, time: TimeFormat, section: string): void {
  if (t.title) l.subheading(t.title, 40);
  if (t.note) l.paragraph(t.note, { ...NOTE, gap: 3 });
  if (t.rows.length === 0) {
    l.paragraph(t.empty, { ...NOTE, gap: 8 });
    return;
  }
  const columns = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => !c.csvOnly);
  const all = orderedRows(t);
  const rows = all.slice(0, PDF_ROW_LIMIT);
  const texts = rows.map((row) => columns.map(({ c, i }) => formatCell(row[i] ?? null, c, time)));
  const numeric = columns.map(({ c }) => isNumeric(c));
  const natural = columns.map(({ c }, k) => {
    const widest = Math.max(0, ...texts.map((r) => l.measure(l.clip(r[k] ?? '', 400, BODY), BODY)));
    const cap = c.wrap ? 170 : 150;
    const word = Math.max(...c.label.split(' ').map((w) => l.measure(w, HEAD)));
    return Math.max(Math.min(widest, cap), word, 14) + 2 * PAD_X;
  });
  const headerFull = columns.map(({ c }) => l.measure(c.label, HEAD) + 2 * PAD_X);
  const give = columns.map(({ c }): ColumnGive => (c.kind !== 'text' ? 'none' : c.wrap ? 'wrap' : 'cut'));
  const widths = fitColumns(natural, headerFull, give, CONTENT_WIDTH);
  const header = columns.map(({ c }, k) => l.wrap(c.label, (widths[k] ?? 0) - 2 * PAD_X, HEAD, 3));
  const headerHeight = Math.max(...header.map((h) => h.length)) * LINE + 2 * PAD_Y;
  const prepared: PreparedRow[] = texts.map((r) => {
    const lines = r.map((text, k) => {
      const inner = (widths[k] ?? 0) - 2 * PAD_X;
      return columns[k]?.c.wrap ? l.wrap(text, inner, BODY, MAX_WRAP_LINES) : [l.clip(text, inner, BODY)];
    });
    return { lines, height: Math.max(...lines.map((x) => x.length)) * LINE + 2 * PAD_Y };
  });
  const tableWidth = widths.reduce((a, b) => a + b, 0);

  const drawHeader = () => {
    l.doc.rect(l.left, l.y, tableWidth, headerHeight).fill(COLOR.headerFill);
    let x = l.left;
    header.forEach((lines, k) => {
      const w = widths[k] ?? 0;
      const top = l.y + headerHeight - PAD_Y - lines.length * LINE;
      lines.forEach((line, n) => {
        l.draw(line, x + PAD_X, top + n * LINE, {
          ...HEAD,
          width: w - 2 * PAD_X,
          align: numeric[k] ? 'right' : 'left',
        });
      });
      x += w;
    });
    l.y += headerHeight;
  };

  l.ensure(headerHeight + (prepared[0]?.height ?? 0) + 4);
  drawHeader();
  prepared.forEach((row, r) => {
    if (l.ensure(row.height)) {
      l.draw(`${t.title ? `${section}: ${t.title}` : section} (continued)`, l.left, l.y, NOTE);
      l.y += 12;
      drawHeader();
    }
    if (r % 2 === 1) l.doc.rect(l.left, l.y, tableWidth, row.height).fill(COLOR.zebra);
    let x = l.left;
    row.lines.forEach((lines, k) => {
      const w = widths[k] ?? 0;
      const align = numeric[k] ? 'right' : columns[k]?.c.kind === 'flag' ? 'center' : 'left';
      lines.forEach((line, n) => {
        l.draw(line, x + PAD_X, l.y + PAD_Y + n * LINE, { ...BODY, width: w - 2 * PAD_X, align });
      });
      x += w;
    });
    l.y += row.height;
  });
  l.doc
    .moveTo(l.left, l.y)
    .lineTo(l.left + tableWidth, l.y)
    .lineWidth(0.5)
    .strokeColor(COLOR.rule)
    .stroke();
  l.y += 4;
  const more = all.length - rows.length;
  if (more > 0) {
    l.ensure(12);
    const column = t.columns.find((c) => c.key === t.pdfOrder?.key);
    const which = t.pdfOrder?.direction === 'asc' ? 'lowest' : 'highest';
    const listed = column ? `; listed: the ${rows.length} with the ${which} ${column.label.toLowerCase()}` : '';
    l.draw(`… and ${more} more rows (see the CSV)${listed}.`, l.left, l.y, { ...NOTE, width: CONTENT_WIDTH });
    l.y += 12;
  }
  l.y += 8;
}

function statText(item: StatItem, time: TimeFormat): string {
  if (item.kind === 'percent' && typeof item.value === 'number') return formatPercent(item.value, item.digits ?? 1);
  return formatCell(item.value, item, time);
}

/** Headline numbers as tiles, five to a row. */
export function drawStats(l: PdfLayout, block: StatsBlock, time: TimeFormat): void {
  const perRow = 5;
  const gap = 6;
  const w = (CONTENT_WIDTH - gap * (perRow - 1)) / perRow;
  const h = 36;
  for (let start = 0; start < block.items.length; start += perRow) {
    l.ensure(h + gap);
    block.items.slice(start, start + perRow).forEach((item, k) => {
      const x = l.left + k * (w + gap);
      l.doc.roundedRect(x, l.y, w, h, 3).fill(COLOR.box);
      l.draw(item.label, x + 6, l.y + 5, { size: 7, color: COLOR.muted, width: w - 12 });
      l.draw(statText(item, time), x + 6, l.y + 16, { font: 'Helvetica-Bold', size: 13, width: w - 12 });
    });
    l.y += h + gap;
  }
  l.y += 6;
}

const URGENCY_COLOR = { critical: COLOR.critical, warning: COLOR.warning } as const;

/** The servo ranking: rank in the urgency's colour, the servo, and its evidence as bullets. */
export function drawAttention(l: PdfLayout, block: AttentionBlock): void {
  if (block.items.length === 0) {
    l.paragraph('No servo needs attention: none crossed a rule in this period.', { ...NOTE, size: 9, gap: 8 });
    return;
  }
  const textX = l.left + 26;
  const width = l.right - textX;
  const bullet: TextStyle = { size: 8, color: COLOR.text };
  for (const item of block.items.slice(0, ATTENTION_LIMIT)) {
    const evidence = item.evidence.map((e) => l.wrap(e, width - 10, bullet, 3));
    const height = 14 + evidence.reduce((n, e) => n + e.length * lineHeight(8), 0) + 6;
    l.ensure(Math.min(height, 120));
    const color = URGENCY_COLOR[item.urgency];
    l.doc.roundedRect(l.left, l.y, 20, 13, 2).fill(color);
    l.draw(String(item.rank), l.left, l.y + 3, {
      font: 'Helvetica-Bold',
      size: 8,
      color: '#ffffff',
      width: 20,
      align: 'center',
    });
    const label = `${item.urgency.toUpperCase()}  ·  score ${formatDecimal(item.score, 1)}`;
    const labelWidth = l.measure(label, { size: 7.5 });
    l.draw(item.heading, textX, l.y + 1.5, { font: 'Helvetica-Bold', size: 9.5, width: width - labelWidth - 10 });
    l.draw(label, l.right - labelWidth, l.y + 3, { size: 7.5, color });
    l.y += 16;
    for (const lines of evidence) {
      lines.forEach((line, n) => {
        l.ensure(lineHeight(8));
        if (n === 0) l.draw('•', textX, l.y, { ...bullet, color: COLOR.muted });
        l.draw(line, textX + 10, l.y, bullet);
        l.y += lineHeight(8);
      });
    }
    l.y += 6;
  }
  const more = block.items.length - ATTENTION_LIMIT;
  if (more > 0) l.paragraph(`… and ${more} more servos (see the CSV).`, { ...NOTE, gap: 8 });
}
