import { COLOR, CONTENT_WIDTH, SERIES_COLORS, lineHeight, type PdfLayout, type TextStyle } from './pdf-layout';
import { OUTCOME_COLORS, type BarChartBlock, type TimeChartBlock } from './report-model';
import { formatDecimal } from './text';
import { niceTicks, timeTicks } from './ticks';

/** Vector charts drawn with pdfkit paths: time series (lines or stacked columns) and horizontal bars. */

export interface ChartPeriod {
  from: number;
  to: number;
  timezone: string;
}

const TITLE: TextStyle = { font: 'Helvetica-Bold', size: 9.5 };
const AXIS: TextStyle = { size: 7, color: COLOR.muted };
const LEGEND: TextStyle = { size: 7.5 };
const NOTE: TextStyle = { font: 'Helvetica-Oblique', size: 7.5, color: COLOR.muted };
const PLOT_HEIGHT = 150;
/** More lines than this make a chart nobody can read; the table has every robot. */
const MAX_LINES = 8;

function colorOf(name: string, index: number, named: Record<string, string> | undefined): string {
  return named?.[name] ?? SERIES_COLORS[index % SERIES_COLORS.length] ?? COLOR.accent;
}

interface LegendItem {
  name: string;
  color: string;
}

/** Legend entries flowed into rows; returns the rows' item positions relative to the legend's top left. */
function layoutLegend(l: PdfLayout, items: LegendItem[], width: number) {
  const placed: { item: LegendItem; x: number; row: number; text: string }[] = [];
  let x = 0;
  let row = 0;
  for (const item of items) {
    const text = l.clip(item.name, width * 0.6, LEGEND);
    const w = 14 + l.measure(text, LEGEND) + 12;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    placed.push({ item, x, row, text });
    x += w;
  }
  return { placed, rows: items.length ? row + 1 : 0 };
}

function drawLegend(l: PdfLayout, legend: ReturnType<typeof layoutLegend>, top: number, square: boolean): void {
  for (const { item, x, row, text } of legend.placed) {
    const y = top + row * 11;
    if (square) l.doc.rect(l.left + x, y + 1.5, 8, 6).fill(item.color);
    else
      l.doc
        .moveTo(l.left + x, y + 4.5)
        .lineTo(l.left + x + 10, y + 4.5)
        .lineWidth(1.6)
        .strokeColor(item.color)
        .stroke();
    l.draw(text, l.left + x + 14, y, LEGEND);
  }
}

function noData(l: PdfLayout, height: number, text = 'No data in this period.'): void {
  l.ensure(height);
  l.doc.rect(l.left, l.y, CONTENT_WIDTH, height).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
  l.draw(text, l.left, l.y + height / 2 - 5, { ...NOTE, width: CONTENT_WIDTH, align: 'center' });
  l.y += height + 8;
}

/**
 * A time series chart: x in the report's zone with ticks at round times, y at round numbers with the unit, a
 * legend, gaps where a value is null. `stacked` draws a column per bucket instead (counts by outcome).
 */
export function drawTimeChart(l: PdfLayout, block: TimeChartBlock, period: ChartPeriod): void {
  const { chart, mode } = block;
  const bucketMs = Math.max(1, chart.bucket_s) * 1000;
  const points = chart.points
    .map((p) => ({ time: Date.parse(p.time), values: p.values }))
    .filter((p) => Number.isFinite(p.time));
  const maxOf = (i: number) =>
    points.reduce((m, p) => {
      const v = p.values[i];
      return v !== null && v !== undefined && Number.isFinite(v) && v > m ? v : m;
    }, -Infinity);
  let shown = chart.series.map((_, i) => i).filter((i) => maxOf(i) > -Infinity);
  let note: string | null = null;
  if (mode === 'lines' && shown.length > MAX_LINES) {
    const total = shown.length;
    shown = [...shown].sort((a, b) => maxOf(b) - maxOf(a) || a - b).slice(0, MAX_LINES);
    shown.sort((a, b) => a - b);
    note = `The ${MAX_LINES} of ${total} series that reach the highest values; the CSV has all of them.`;
  }
  l.ensure(14);
  l.draw(block.title, l.left, l.y, { ...TITLE, width: CONTENT_WIDTH });
  l.y += 14;
  if (shown.length === 0 || points.length === 0) {
    noData(l, 60);
    return;
  }
  const named = mode === 'stacked' ? OUTCOME_COLORS : undefined;
  const legend = layoutLegend(
    l,
    shown.map((i) => ({ name: chart.series[i] ?? '', color: colorOf(chart.series[i] ?? '', i, named) })),
    CONTENT_WIDTH,
  );
  const legendHeight = legend.rows * 11 + 4;
  const height = legendHeight + 10 + PLOT_HEIGHT + 24 + (note ? 11 : 0);
  if (l.ensure(height)) {
    l.draw(`${block.title} (continued)`, l.left, l.y, { ...TITLE, width: CONTENT_WIDTH });
    l.y += 14;
  }
  drawLegend(l, legend, l.y, mode === 'stacked');
  l.y += legendHeight;

  // The value axis.
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    let stack = 0;
    for (const i of shown) {
      const v = p.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      if (mode === 'stacked') stack += Math.max(0, v);
      else {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (mode === 'stacked') hi = Math.max(hi, stack);
  }
  // Non-negative data reads honestly only from zero (8 robots online out of 10 is not "none"), except
  // temperatures and voltages, where zero is far off the scale; those too when they span half of it.
  const physical = /°C|\bV\b/.test(chart.unit);
  if (mode === 'stacked' || (lo >= 0 && (!physical || lo <= hi / 2))) lo = 0;
  const integer = points.every((p) => shown.every((i) => Number.isInteger(p.values[i] ?? 0)));
  const yTicks = niceTicks(lo, hi, 6, integer);
  const yLabels = yTicks.values.map((v) => formatDecimal(v, yTicks.digits));
  const labelWidth = Math.max(...yLabels.map((t) => l.measure(t, AXIS)), l.measure(chart.unit, AXIS) - 6);
  const plot = { x: l.left + labelWidth + 6, y: l.y + 10, w: 0, h: PLOT_HEIGHT };
  plot.w = l.right - plot.x;
  const from = Math.min(period.from, points[0]?.time ?? period.from);
  const to = Math.max(period.to, (points[points.length - 1]?.time ?? period.to) + (mode === 'stacked' ? bucketMs : 0));
  const xOf = (t: number) => plot.x + ((t - from) / (to - from || 1)) * plot.w;
  const yOf = (v: number) => plot.y + plot.h - ((v - yTicks.min) / (yTicks.max - yTicks.min || 1)) * plot.h;

  l.draw(chart.unit, l.left, plot.y - 10, AXIS);
  yTicks.values.forEach((v, i) => {
    const y = yOf(v);
    l.doc
      .moveTo(plot.x, y)
      .lineTo(plot.x + plot.w, y)
      .lineWidth(0.4)
      .strokeColor(i === 0 ? COLOR.faint : COLOR.grid)
      .stroke();
    l.draw(yLabels[i] ?? '', l.left, y - 3, { ...AXIS, width: labelWidth, align: 'right' });
  });
  const xTicks = timeTicks(from, to, period.timezone, Math.max(3, Math.floor(plot.w / 70)));
  for (const tick of xTicks) {
    const x = xOf(tick.time);
    l.doc
      .moveTo(x, plot.y + plot.h)
      .lineTo(x, plot.y + plot.h + 3)
      .lineWidth(0.5)
      .strokeColor(COLOR.faint)
      .stroke();
    for (const [row, text] of [tick.label, tick.sublabel].entries()) {
      if (!text) continue;
      const w = l.measure(text, AXIS);
      const left = Math.min(Math.max(x - w / 2, plot.x - labelWidth), l.right - w);
      l.draw(text, left, plot.y + plot.h + 5 + row * lineHeight(7), AXIS);
    }
  }

  l.doc.save();
  l.doc.rect(plot.x, plot.y - 1, plot.w, plot.h + 1).clip();
  if (mode === 'stacked') drawColumns(l, points, shown, chart.series, bucketMs, xOf, yOf);
  else drawLines(l, points, shown, chart.series, bucketMs, xOf, yOf);
  l.doc.restore();
  l.y = plot.y + plot.h + 24;
  if (note) {
    l.draw(note, l.left, l.y, { ...NOTE, width: CONTENT_WIDTH });
    l.y += 11;
  }
  l.y += 6;
}

type Point = { time: number; values: readonly (number | null)[] };

function drawLines(
  l: PdfLayout,
  points: Point[],
  shown: number[],
  names: readonly string[],
  bucketMs: number,
  xOf: (t: number) => number,
  yOf: (v: number) => number,
): void {
  for (const i of shown) {
    const color = colorOf(names[i] ?? '', i, undefined);
    const lone: [number, number][] = [];
    let run = 0;
    for (const [k, p] of points.entries()) {
      const v = p.values[i];
      // A bucket's value stands for its middle.
      const x = xOf(p.time + bucketMs / 2);
      if (v === null || v === undefined || !Number.isFinite(v)) {
        run = 0;
        continue;
      }
      const y = yOf(v);
      if (run === 0) {
        l.doc.moveTo(x, y);
        const next = points[k + 1]?.values[i];
        if (next === null || next === undefined) lone.push([x, y]);
      } else l.doc.lineTo(x, y);
      run++;
    }
    l.doc.lineWidth(1.2).lineJoin('round').strokeColor(color).stroke();
    for (const [x, y] of lone) l.doc.circle(x, y, 1.4).fill(color);
  }
}

function drawColumns(
  l: PdfLayout,
  points: Point[],
  shown: number[],
  names: readonly string[],
  bucketMs: number,
  xOf: (t: number) => number,
  yOf: (v: number) => number,
): void {
  const base = points.map(() => 0);
  for (const i of shown) {
    let any = false;
    for (const [k, p] of points.entries()) {
      const v = p.values[i];
      if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) continue;
      const x0 = xOf(p.time);
      const w = Math.max(0.6, xOf(p.time + bucketMs) - x0);
      const gap = w > 3 ? Math.min(2, w * 0.15) : 0;
      const below = base[k] ?? 0;
      const top = yOf(below + v);
      l.doc.rect(x0 + gap / 2, top, w - gap, yOf(below) - top);
      base[k] = below + v;
      any = true;
    }
    if (any) l.doc.fill(colorOf(names[i] ?? '', i, OUTCOME_COLORS));
  }
}

function barValue(value: number, unit: string): string {
  if (unit === '%') return `${formatDecimal(value, 1)}%`;
  return formatDecimal(value, Number.isInteger(value) ? 0 : 1);
}

/** Horizontal bars, one per category, the series stacked, each bar's total at its end. */
export function drawBarChart(l: PdfLayout, block: BarChartBlock): void {
  const BAR = 10;
  const ROW = 15;
  // The builders pick the bars that matter; this only keeps a chart on one page whatever it is given.
  const MAX_BARS = 30;
  const categories = block.categories.slice(0, MAX_BARS).map((c) => l.clip(c, CONTENT_WIDTH * 0.28, AXIS));
  const totals = categories.map((_, i) => block.series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0));
  const legend =
    block.series.length > 1
      ? layoutLegend(
          l,
          block.series.map((s, i) => ({ name: s.name, color: colorOf(s.name, i, block.colors) })),
          CONTENT_WIDTH,
        )
      : null;
  const legendHeight = legend ? legend.rows * 11 + 4 : 0;
  const height = 14 + legendHeight + categories.length * ROW + 18 + (block.note ? 11 : 0);
  l.ensure(Math.min(height, l.bottom - 80));
  l.draw(block.title, l.left, l.y, { ...TITLE, width: CONTENT_WIDTH });
  l.y += 14;
  if (legend) {
    drawLegend(l, legend, l.y, true);
    l.y += legendHeight;
  }
  const ticks = niceTicks(0, block.max ?? Math.max(...totals, 0), 6);
  const labelWidth = Math.max(...categories.map((c) => l.measure(c, AXIS)));
  const valueWidth = Math.max(...totals.map((t) => l.measure(barValue(t, block.unit), AXIS))) + 6;
  const plot = { x: l.left + labelWidth + 8, y: l.y, w: 0, h: categories.length * ROW };
  plot.w = l.right - valueWidth - plot.x;
  const xOf = (v: number) => plot.x + (Math.min(v, ticks.max) / (ticks.max || 1)) * plot.w;
  for (const v of ticks.values) {
    const x = xOf(v);
    l.doc
      .moveTo(x, plot.y)
      .lineTo(x, plot.y + plot.h)
      .lineWidth(0.4)
      .strokeColor(v === 0 ? COLOR.faint : COLOR.grid)
      .stroke();
    const text = formatDecimal(v, ticks.digits);
    const w = l.measure(text, AXIS);
    l.draw(text, x - w / 2, plot.y + plot.h + 4, AXIS);
  }
  block.series.forEach((s, si) => {
    let any = false;
    categories.forEach((_, ci) => {
      const before = block.series.slice(0, si).reduce((sum, prev) => sum + Math.max(0, prev.values[ci] ?? 0), 0);
      const v = Math.max(0, s.values[ci] ?? 0);
      if (v <= 0) return;
      const x0 = xOf(before);
      l.doc.rect(x0, plot.y + ci * ROW + (ROW - BAR) / 2, Math.max(0.5, xOf(before + v) - x0), BAR);
      any = true;
    });
    if (any) l.doc.fill(colorOf(s.name, si, block.colors));
  });
  categories.forEach((c, ci) => {
    const y = plot.y + ci * ROW + (ROW - 7) / 2 - 1;
    l.draw(c, l.left, y, { ...AXIS, color: COLOR.text, width: labelWidth, align: 'right' });
    l.draw(barValue(totals[ci] ?? 0, block.unit), xOf(totals[ci] ?? 0) + 4, y, AXIS);
  });
  l.y = plot.y + plot.h + 18;
  if (block.note) {
    l.draw(block.note, l.left, l.y, { ...NOTE, width: CONTENT_WIDTH });
    l.y += 11;
  }
  l.y += 6;
}
