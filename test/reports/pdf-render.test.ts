import { execFile, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { GENERATED_REPORT_TYPES, reportDocumentSchema, type GeneratedReport } from '@fleet/contracts';
import { renderCsv, renderPdf, type PdfContext } from '@fleet/reports';
import { REPORT_FIXTURES, largePerformanceReport } from '../support/report-fixtures';
import { REQUIRE_SERVICES } from '../support/servers';
import { tempDir } from '../support/temp-dir';

const run = promisify(execFile);
const POPPLER = ['pdftotext', 'pdfinfo', 'pdftoppm'] as const;
const missingTools = POPPLER.filter((tool) => spawnSync(tool, ['-v']).error !== undefined);

/** Like `reportMissingServer`, for the poppler tools the suite reads PDFs with. */
function reportMissingTools(): void {
  describe('PDF rendering without poppler-utils', () => {
    if (REQUIRE_SERVICES) {
      it('needs poppler-utils (pdftotext, pdfinfo, pdftoppm), as FLEET_REQUIRE_SERVICES=1 requires', () => {
        expect({ missing: missingTools }).toEqual({ missing: [] });
      });
    } else {
      // eslint-disable-next-line jest/no-disabled-tests -- a suite without its tools says so and skips
      it.skip('skipped: poppler-utils (pdftotext, pdfinfo, pdftoppm) not found on this machine', () => {
        expect({ missing: missingTools }).toEqual({ missing: [] });
      });
    }
  });
}

const CONTEXT: PdfContext = { reportId: 4217, createdBy: 'schedule: daily-maintenance', description: null };

/** What each fixture's cover must say, written out by hand so the test does not trust the formatter. */
const COVER: Record<GeneratedReport['type'], { title: string; scope: string; period: string[] }> = {
  performance: {
    title: 'Daily performance – 6 Dec 2026',
    scope: 'The whole fleet (12 robots)',
    period: ['6 Dec 2026, 00:00 – 7 Dec 2026, 00:00', 'Europe/Berlin (UTC+1)'],
  },
  job: {
    title: 'Jobs, first quarter 2026',
    scope: 'The whole fleet (12 robots)',
    period: ['1 Jan 2026, 00:00 – 11 Apr 2026, 00:00', 'America/New_York (UTC-5/UTC-4)'],
  },
  maintenance: {
    title: 'Servo check ? week 49',
    scope: 'The whole fleet (12 robots)',
    period: ['4 Dec 2026, 00:00 – 8 Dec 2026, 00:00', 'Asia/Kolkata (UTC+5:30)'],
  },
  battery: {
    title: 'Battery, last 48 hours',
    scope: 'The whole fleet (12 robots)',
    period: ['5 Dec 2026, 00:00 – 7 Dec 2026, 00:00', 'UTC'],
  },
  system: {
    title: 'System health, 3–7 Dec',
    scope: 'The whole fleet (12 robots)',
    period: ['3 Dec 2026, 00:00 – 7 Dec 2026, 00:00', 'Europe/London (UTC)'],
  },
  mission: {
    title: 'Missions, November',
    scope: '12 robots: tonypi_01, tonypi_02',
    period: ['1 Nov 2026, 00:00 – 1 Dec 2026, 00:00', 'Australia/Sydney (UTC+11)'],
  },
};

/** Section headings in order, and values some table must show. */
const BODY: Record<GeneratedReport['type'], { headings: string[]; values: string[] }> = {
  performance: {
    headings: [
      'Performance over time',
      'Busiest robots',
      'CPU per robot',
      'Memory per robot',
      'Disk per robot',
      'Temperature per robot',
    ],
    values: ['tonypi_07', 'rover-?', 'drohne-zürich', 'Time past: warning above 70 %', 'CPU, fleet mean (%)'],
  },
  job: {
    headings: ['Jobs over time', 'Totals', 'By robot', 'By task', 'Longest jobs', 'Failures'],
    values: ['pick_and_place', '=HYPERLINK("x")', 'gripper did not close', 'not given', '15 min'],
  },
  maintenance: {
    headings: ['Servos needing attention', 'Servo temperature over time', 'Servos'],
    values: ['Hüfte links', 'left ankle ?', 'reached 79.6 °C', 'CRITICAL', '… and 15 more rows (see the CSV)'],
  },
  battery: {
    headings: ['Battery level over time', 'Battery per robot', 'Charging sessions'],
    values: ['tonypi_03', 'yes', 'Drifting', 'lowest robot (%)'],
  },
  system: {
    headings: ['Availability', 'Incidents', 'Alerts', 'Commands', 'Dead letters', 'Robots online over time'],
    values: ['still offline', 'invalid_payload', 'emergency_stop', 'head_move', 'Acknowledged, median'],
  },
  mission: {
    headings: ['Totals', 'By status', 'By type', 'Missions'],
    values: ['waypoint 3 unreachable', 'not started', 'inspection', 'Waypoints reached'],
  },
};

/** pdftotext spreads columns with runs of spaces; one space is enough to search in. */
const squash = (text: string) => text.replace(/[ \t]+/g, ' ');
/** One line, for text that may wrap anywhere. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

interface Rendered {
  pdf: Buffer;
  pages: string[];
  pageCount: number;
  file: string;
  ms: number;
}

/** Pixels of an 8-bit PNG as pdftoppm writes it (RGB, or gray), filters undone. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[body[9] ?? -1] ?? 0;
    } else if (type === 'IDAT') data.push(body);
    offset += length + 12;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const a = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

describe('report fixtures', () => {
  it.each(GENERATED_REPORT_TYPES)('the %s fixture is a valid report document', (type) => {
    const doc = REPORT_FIXTURES[type]();
    expect(reportDocumentSchema.parse(doc)).toEqual(doc);
    expect(doc.coverage.robots).toHaveLength(12);
    expect(doc.findings.length).toBeGreaterThan(0);
    const points = 'timeline' in doc.sections ? doc.sections.timeline.points.length : null;
    expect(points === null || points >= 80).toBe(true);
  });

  it('the large performance fixture is valid and covers 100 robots', () => {
    const doc = largePerformanceReport(100);
    expect(reportDocumentSchema.parse(doc)).toEqual(doc);
    expect(doc.sections.robots).toHaveLength(100);
  });
});

/** A CSV file's tables by name, parsed by RFC 4180. */
function parseCsv(csv: string): Map<string, string[][]> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i];
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && csv[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  const tables = new Map<string, string[][]>();
  let current: string[][] | null = null;
  for (const r of rows) {
    if (r.length === 1 && r[0]?.startsWith('# ')) {
      current = [];
      tables.set(r[0].slice(2), current);
    } else if (r.length === 1 && r[0] === '') current = null;
    else current?.push(r);
  }
  return tables;
}

describe('CSV of every fixture', () => {
  it.each(GENERATED_REPORT_TYPES)('the %s CSV has the report, findings and every row of its tables', (type) => {
    const doc = REPORT_FIXTURES[type]();
    const csv = renderCsv(doc);
    expect(csv.startsWith('\uFEFF# report\r\n')).toBe(true);
    // Outside quoted cells, every line ends CRLF.
    const unquoted = csv.replace(/"(?:[^"]|"")*"/g, '""');
    expect(unquoted.split('\r\n').filter((line) => /[\r\n]/.test(line))).toEqual([]);
    const tables = parseCsv(csv.slice(1));
    expect([...tables.keys()].slice(0, 2)).toEqual(['report', 'findings']);
    expect(tables.get('findings')).toHaveLength(doc.findings.length + 1);
    const report = new Map((tables.get('report') ?? []).map(([k, v]) => [k, v]));
    expect(report.get('title')).toBe(doc.title);
    expect(report.get('robots_covered')).toBe('12');
    for (const [name, [header, ...rows]] of tables) {
      expect({ name, widths: [...new Set(rows.map((r) => r.length))] }).toEqual({
        name,
        widths: rows.length ? [header?.length] : [],
      });
    }
  });

  it('writes every row, durations in seconds and guarded formulas', () => {
    const job = parseCsv(renderCsv(REPORT_FIXTURES.job()).slice(1));
    expect(job.get('failures')).toHaveLength(21);
    expect(job.get('by_task')?.map((r) => r[0])).toContain(`'=HYPERLINK("x")`);
    const maintenance = parseCsv(renderCsv(REPORT_FIXTURES.maintenance()).slice(1));
    expect(maintenance.get('servos')).toHaveLength(66);
    const large = parseCsv(renderCsv(largePerformanceReport(100)).slice(1));
    expect(large.get('cpu')).toHaveLength(101);
    expect(large.get('cpu')?.[0]).toContain('past_warning_s');
  });
});

if (missingTools.length > 0) reportMissingTools();
else
  describe('PDF rendering', () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    const rendered = new Map<string, Rendered>();

    async function renderToFile(name: string, doc: GeneratedReport, context = CONTEXT): Promise<Rendered> {
      const started = performance.now();
      const pdf = await renderPdf(doc, context);
      const ms = performance.now() - started;
      const file = join(dir.path, `${name}.pdf`);
      await writeFile(file, pdf);
      const [{ stdout: text }, { stdout: info }] = await Promise.all([
        run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { maxBuffer: 64 * 1024 * 1024 }),
        run('pdfinfo', [file]),
      ]);
      const pageCount = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
      // pdftotext ends every page with a form feed.
      const pages = text.split('\f').slice(0, -1).map(squash);
      return { pdf, pages, pageCount, file, ms };
    }

    beforeAll(async () => {
      dir = await tempDir('fleet-pdf-render');
      for (const type of GENERATED_REPORT_TYPES) rendered.set(type, await renderToFile(type, REPORT_FIXTURES[type]()));
      const sizes = [...rendered].map(
        ([t, r]) => `${t} ${r.pageCount} pages ${(r.pdf.length / 1024).toFixed(0)} KiB ${r.ms.toFixed(0)} ms`,
      );
      process.stdout.write(`PDF fixtures: ${sizes.join('; ')}\n`);
    }, 120_000);

    afterAll(async () => {
      await dir?.remove();
    });

    const get = (type: string): Rendered => {
      const r = rendered.get(type);
      if (!r) throw new Error(`${type} was not rendered`);
      return r;
    };

    describe.each(GENERATED_REPORT_TYPES)('the %s report', (type) => {
      it('has more than one page, each numbered "page N of M" with M the PDF’s page count', () => {
        const { pages, pageCount } = get(type);
        expect(pageCount).toBeGreaterThan(1);
        expect(pages).toHaveLength(pageCount);
        pages.forEach((page, i) => {
          expect(page).toContain(`page ${i + 1} of ${pageCount}`);
          expect(page).toContain(`Fleet · ${COVER[type].title}`);
        });
      });

      it('shows the title, scope, period and coverage on the cover', () => {
        const cover = flat(get(type).pages[0] ?? '');
        const expected = COVER[type];
        expect(cover).toContain('Fleet report');
        expect(cover).toContain(expected.title);
        expect(cover).toContain(expected.scope);
        for (const text of expected.period) expect(cover).toContain(text);
        expect(cover).toContain('#4217');
        expect(cover).toContain('schedule: daily-maintenance');
        expect(cover).toMatch(/Robots covered 12/);
        expect(cover).toMatch(/Resolution 1-(minute|hour) means/);
      });

      it('puts the findings before the first section, and every section with its values after', () => {
        const text = get(type).pages.join('\n');
        const doc = REPORT_FIXTURES[type]();
        const findings = text.indexOf('Findings');
        const { headings, values } = BODY[type];
        expect(findings).toBeGreaterThan(0);
        const firstFinding = text.indexOf(squash(doc.findings[0]?.text ?? '').slice(0, 30));
        expect(firstFinding).toBeGreaterThan(findings);
        let at = findings;
        for (const heading of headings) {
          const found = text.indexOf(`\n${heading}`, at);
          expect({ heading, found: found > at }).toEqual({ heading, found: true });
          at = found;
        }
        for (const value of values) expect(flat(text)).toContain(value);
      });

      it('repeats the title and period in the header of every page after the cover', () => {
        const { pages } = get(type);
        for (const page of pages.slice(1)) {
          const header = page.split('\n').find((line) => line.trim()) ?? '';
          expect(header).toContain(COVER[type].title.slice(0, 12));
          expect(header).toContain(COVER[type].period[0]?.slice(0, 10));
        }
      });
    });

    it('draws the cover: page 1 as a PNG is neither blank nor a single colour', async () => {
      const { file } = get('performance');
      const out = join(dir.path, 'cover');
      await run('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', file, out]);
      const png = await readFile(`${out}.png`);
      expect((await stat(`${out}.png`)).size).toBeGreaterThan(5_000);
      const { width, height, channels, pixels } = decodePng(png);
      // A4 at 50 dpi.
      expect(Math.abs(width - 413)).toBeLessThanOrEqual(1);
      expect(Math.abs(height - 585)).toBeLessThanOrEqual(1);
      let ink = 0;
      let accent = 0;
      for (let i = 0; i < pixels.length; i += channels) {
        const [r = 0, g = 0, b = 0] = channels >= 3 ? pixels.subarray(i, i + 3) : [pixels[i], pixels[i], pixels[i]];
        if (r < 200 || g < 200 || b < 200) ink++;
        if (b > r + 60) accent++;
      }
      const total = width * height;
      expect(ink / total).toBeGreaterThan(0.01);
      expect(ink / total).toBeLessThan(0.5);
      // The blue band and the coverage box's accent.
      expect(accent).toBeGreaterThan(width * 2);
    });

    it('gives the same bytes for the same document and context', async () => {
      const doc = REPORT_FIXTURES.maintenance();
      const [a, b] = [await renderPdf(doc, CONTEXT), await renderPdf(structuredClone(doc), { ...CONTEXT })];
      expect(a.equals(b)).toBe(true);
      const preview = await renderPdf(doc, { ...CONTEXT, reportId: null });
      expect(preview.equals(a)).toBe(false);
    });

    it('says when a report has no findings, and that a preview is not stored', async () => {
      const doc = { ...REPORT_FIXTURES.battery(), findings: [], summary: null };
      const { pages } = await renderToFile('empty-findings', doc, { ...CONTEXT, reportId: null });
      expect(pages.join('\n')).toContain('No findings: nothing in this period crossed a rule.');
      expect(pages[0]).toContain('preview (not stored)');
    });

    it('says so where a chart or table has no data', async () => {
      const base = REPORT_FIXTURES.system();
      const doc: GeneratedReport = {
        ...base,
        sections: {
          availability: [],
          incidents: [],
          alerts: {
            total: 0,
            by_type: [],
            acknowledge_median_s: null,
            acknowledge_p95_s: null,
            resolve_median_s: null,
            resolve_p95_s: null,
          },
          commands: { total: 0, by_status: [], by_type: [], emergency_stops: 0 },
          dead_letters: { total: 0, by_reason: [] },
          timeline: { ...base.sections.timeline, points: [] },
        },
      };
      const text = flat((await renderToFile('no-data', doc)).pages.join('\n'));
      expect(text).toContain('No data in this period.');
      expect(text).toContain('No robot went offline in this period.');
      expect(text).toContain('No alert in this period.');
      expect(text).toMatch(/Acknowledged, median .*–/);
    });

    it('renders the 100-robot performance report well under 2 s, cutting long tables and lists', async () => {
      const doc = largePerformanceReport(100);
      await renderPdf(doc, CONTEXT); // warm: fonts and code are loaded once per process
      const r = await renderToFile('large', doc);
      process.stdout.write(
        `PDF large performance (100 robots, ${doc.sections.timeline.points.length} points): ` +
          `${r.ms.toFixed(0)} ms, ${r.pageCount} pages, ${(r.pdf.length / 1024).toFixed(0)} KiB\n`,
      );
      expect(r.ms).toBeLessThan(2_000);
      const text = r.pages.join('\n');
      expect(flat(r.pages[0] ?? '')).toContain('100 robots: robot_001');
      expect(flat(r.pages[0] ?? '')).toContain('robot_020 and 80 more');
      expect(text).toContain('… and 50 more rows (see the CSV)');
      r.pages.forEach((page, i) => expect(page).toContain(`page ${i + 1} of ${r.pageCount}`));
    });
  });
