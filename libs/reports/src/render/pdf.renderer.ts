import type { GeneratedReport, ReportFinding } from '@fleet/contracts';
import { formatList } from '../format';
import { drawBarChart, drawTimeChart, type ChartPeriod } from './pdf-charts';
import { COLOR, CONTENT_WIDTH, PAGE, PdfLayout, lineHeight, type TextStyle } from './pdf-layout';
import { drawAttention, drawStats, drawTable, type TimeFormat } from './pdf-tables';
import type { Block } from './report-model';
import { reportSections } from './report-sections';
import { formatDateTime, formatDurationOrDash, formatValue, zonedParts, zoneLabel } from './text';

export interface PdfContext {
  /** The stored report's id, shown on the cover; null for a preview. */
  reportId: number | null;
  /** Who asked for it (`created_by`), e.g. 'operator-1' or 'schedule: daily-maintenance'. */
  createdBy: string | null;
  description: string | null;
}

export const REPORT_TYPE_NAMES: Record<GeneratedReport['type'], string> = {
  performance: 'Performance report',
  job: 'Job report',
  maintenance: 'Maintenance report (servos)',
  battery: 'Battery report',
  system: 'System health report',
  mission: 'Mission report',
};

/** Robots a cover lists by name before it says "and N more". */
const COVER_ROBOTS = 20;
const WITHOUT_DATA_ROBOTS = 12;
/** Findings the PDF lists; the CSV and JSON have them all. */
const FINDINGS_LIMIT = 40;

const SEVERITY_COLOR: Record<ReportFinding['severity'], string> = {
  critical: COLOR.critical,
  warning: COLOR.warning,
  info: COLOR.info,
};

const LABEL: TextStyle = { size: 9, color: COLOR.muted };
const VALUE: TextStyle = { size: 9.5 };
const NOTE: TextStyle = { font: 'Helvetica-Oblique', size: 9, color: COLOR.muted };

function periodText(doc: GeneratedReport): string {
  const tz = doc.period.timezone;
  return `${formatDateTime(doc.period.from, tz)} – ${formatDateTime(doc.period.to, tz)}`;
}

/** Label/value rows; returns their height, drawing them only when `draw` (so a box can be sized first). */
function facts(l: PdfLayout, rows: [string, string][], x: number, width: number, draw: boolean): number {
  const labelWidth = 118;
  let y = l.y;
  for (const [label, value] of rows) {
    const lines = l.wrap(value, width - labelWidth, VALUE, 4);
    if (draw) {
      l.draw(label, x, y + 0.5, LABEL);
      lines.forEach((line, i) => l.draw(line, x + labelWidth, y + i * lineHeight(9.5), VALUE));
    }
    y += lines.length * lineHeight(9.5) + 3;
  }
  return y - l.y;
}

function cover(l: PdfLayout, doc: GeneratedReport, context: PdfContext): void {
  const tz = doc.period.timezone;
  const cov = doc.coverage;
  l.doc.rect(0, 0, PAGE.width, 10).fill(COLOR.accent);
  l.y = 46;
  l.draw('Fleet report', l.left, l.y, { font: 'Helvetica-Bold', size: 10, color: COLOR.accent });
  l.y += 20;
  for (const line of l.wrap(doc.title, CONTENT_WIDTH, { font: 'Helvetica-Bold', size: 22 }, 3)) {
    l.draw(line, l.left, l.y, { font: 'Helvetica-Bold', size: 22 });
    l.y += lineHeight(22);
  }
  l.draw(REPORT_TYPE_NAMES[doc.type], l.left, l.y + 2, { size: 11, color: COLOR.muted });
  l.y += 22;
  if (context.description) l.paragraph(context.description, { size: 10, color: COLOR.text, gap: 8 });
  l.y += 4;

  const scope =
    cov.scope === 'fleet'
      ? `The whole fleet (${cov.robots.length} robot${cov.robots.length === 1 ? '' : 's'})`
      : `${cov.robots.length} robot${cov.robots.length === 1 ? '' : 's'}: ${formatList(cov.robots, COVER_ROBOTS)}`;
  const rows: [string, string][] = [
    ['Scope', scope],
    ['Period', periodText(doc)],
    ['Time zone', zoneLabel(tz, doc.period.from, doc.period.to)],
  ];
  if (doc.period.time_range) rows.push(['Asked for as', `the last ${doc.period.time_range}`]);
  rows.push(
    ['Generated', formatDateTime(doc.generated_at, tz)],
    ['Report', context.reportId === null ? 'preview (not stored)' : `#${context.reportId}`],
    ['Created by', context.createdBy ?? 'Fleet'],
  );
  l.y += facts(l, rows, l.left, CONTENT_WIDTH, true) + 10;

  const coverage: [string, string][] = [
    ['Robots covered', String(cov.robots.length)],
    ['With data', String(cov.with_data.length)],
    [
      'Without data',
      cov.without_data.length === 0
        ? 'none'
        : `${cov.without_data.length}: ${formatList(cov.without_data, WITHOUT_DATA_ROBOTS)}`,
    ],
    [
      'Resolution',
      cov.resolution === '1m' ? '1-minute means (periods up to 48 h)' : '1-hour means (periods past 48 h)',
    ],
    ['Telemetry read up to', cov.telemetry_until ? formatDateTime(cov.telemetry_until, tz) : 'none read'],
  ];
  const pad = 10;
  const inner = CONTENT_WIDTH - 2 * pad;
  const height = 16 + facts(l, coverage, l.left + pad, inner, false) + pad;
  l.ensure(height);
  const top = l.y;
  l.doc.roundedRect(l.left, top, CONTENT_WIDTH, height, 4).fill(COLOR.box);
  l.doc.rect(l.left, top, 3, height).fill(COLOR.accent);
  l.draw('Coverage', l.left + pad, top + pad - 2, { font: 'Helvetica-Bold', size: 10 });
  l.y = top + pad + 14;
  facts(l, coverage, l.left + pad, inner, true);
  l.y = top + height + 14;

  if (doc.summary) {
    l.subheading('Summary', 40);
    l.paragraph(doc.summary.text, { size: 9.5, gap: 2 });
    l.paragraph(`written by ${doc.summary.model}`, { size: 7.5, color: COLOR.muted, gap: 10 });
  }
}

function findings(l: PdfLayout, list: readonly ReportFinding[]): void {
  const counts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, list.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  l.heading('Findings', 60);
  if (list.length === 0) {
    l.paragraph('No findings: nothing in this period crossed a rule.', { ...NOTE, gap: 8 });
    return;
  }
  l.paragraph(counts.join(', '), { size: 8.5, color: COLOR.muted, gap: 6 });
  const textX = l.left + 64;
  const width = l.right - textX;
  const text: TextStyle = { size: 9.5 };
  const small: TextStyle = { size: 7.5, color: COLOR.muted };
  for (const f of list.slice(0, FINDINGS_LIMIT)) {
    const about = [f.robot_id, f.subject].filter((s): s is string => !!s).join(' / ');
    // In key order: a document read back from PostgreSQL (JSONB) has its keys in another order than when built, and
    // a file made again from it must come out the same.
    const evidence = Object.entries(f.evidence)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => evidenceText(k, v));
    const detail = [about, evidence.join('  ·  ')].filter(Boolean).join('  —  ');
    const lines = l.wrap(f.text, width, text, 6);
    const details = detail ? l.wrap(detail, width, small, 3) : [];
    l.ensure(lines.length * lineHeight(9.5) + details.length * lineHeight(7.5) + 8);
    const color = SEVERITY_COLOR[f.severity];
    l.doc.circle(l.left + 4, l.y + 5.5, 3.5).fill(color);
    l.draw(f.severity.toUpperCase(), l.left + 11, l.y + 2, { font: 'Helvetica-Bold', size: 7, color });
    for (const line of lines) {
      l.draw(line, textX, l.y, text);
      l.y += lineHeight(9.5);
    }
    for (const line of details) {
      l.draw(line, textX, l.y, small);
      l.y += lineHeight(7.5);
    }
    l.y += 7;
  }
  const more = list.length - FINDINGS_LIMIT;
  if (more > 0) l.paragraph(`… and ${more} more findings (see the CSV).`, { ...NOTE, gap: 8 });
}

/** Units that evidence keys name by suffix (`_s`, `_percent`, `_c`), as the document's keys do. */
const EVIDENCE_UNITS: [RegExp, (n: number) => string][] = [
  [/_s$/, (n) => formatDurationOrDash(n)],
  [/_percent$/, (n) => `${formatValue(n)} %`],
  [/_per_h$/, (n) => `${formatValue(n)}/h`],
  [/_c$/, (n) => `${formatValue(n)} °C`],
  [/_v$/, (n) => `${formatValue(n)} V`],
];

/** "acknowledge median: 12 min 24 s" for `acknowledge_median_s: 744`. */
export function evidenceText(key: string, value: ReportFinding['evidence'][string]): string {
  for (const [suffix, format] of EVIDENCE_UNITS) {
    if (typeof value === 'number' && suffix.test(key)) {
      return `${key.replace(suffix, '').replace(/_/g, ' ')}: ${format(value)}`;
    }
  }
  return `${key.replace(/_/g, ' ')}: ${formatValue(value)}`;
}

/** Room a block needs next to its section's heading, so a heading never ends a page alone. */
function keepWith(block: Block | undefined): number {
  switch (block?.kind) {
    case 'time-chart':
      return 230;
    case 'bar-chart':
      return 90;
    case 'stats':
      return 50;
    case 'attention':
    case 'table':
    case 'note':
    case undefined:
      return 60;
  }
}

function drawBlock(l: PdfLayout, block: Block, section: string, period: ChartPeriod, time: TimeFormat): void {
  switch (block.kind) {
    case 'table':
      return drawTable(l, block, time, section);
    case 'stats':
      return drawStats(l, block, time);
    case 'time-chart':
      return drawTimeChart(l, block, period);
    case 'bar-chart':
      return drawBarChart(l, block);
    case 'attention':
      return drawAttention(l, block);
    case 'note':
      return l.paragraph(block.text, { ...NOTE, gap: 8 });
  }
}

/**
 * Renders the report; deterministic: the same document and context give the same bytes.
 *
 * A cover (title, scope, period in the report's zone, coverage, summary), the findings, then the type's sections
 * with vector charts and tables; every page numbered "page N of M".
 *
 * @example await writeFile('report.pdf', await renderPdf(doc, { reportId: 12, createdBy: 'operator-1', description: null }))
 */
export function renderPdf(doc: GeneratedReport, context: PdfContext): Promise<Buffer> {
  try {
    const l = new PdfLayout({
      title: doc.title,
      author: context.createdBy ?? 'Fleet',
      subject: REPORT_TYPE_NAMES[doc.type],
      createdAt: new Date(doc.generated_at),
    });
    cover(l, doc, context);
    findings(l, doc.findings);
    const period: ChartPeriod = {
      from: Date.parse(doc.period.from),
      to: Date.parse(doc.period.to),
      timezone: doc.period.timezone,
    };
    const yearOf = (ms: number) => zonedParts(ms, period.timezone).year;
    // The period's end is exclusive: a year's report ends at midnight of the next 1 January.
    const time: TimeFormat = {
      timezone: period.timezone,
      withYear: yearOf(period.from) !== yearOf(period.to - 1),
    };
    l.newPage();
    for (const section of reportSections(doc)) {
      l.heading(section.heading, keepWith(section.blocks[0]));
      for (const block of section.blocks) drawBlock(l, block, section.heading, period, time);
    }
    return l.finish({ left: doc.title, right: `${periodText(doc)} (${doc.period.timezone})` }, doc.title);
  } catch (error) {
    return Promise.reject(new Error(`could not render the ${doc.type} report as PDF`, { cause: error }));
  }
}
