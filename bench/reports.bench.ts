// Report generation: how long a fleet report over a month takes from the rollup tiers, as JSON (the document) and as
// PDF (document and rendering), how large the PDF is, and the process's peak memory. Against a fresh database on
// the PostgreSQL server of DATABASE_URL, or an embedded one without it, the bench seeds what the services would have
// written for --robots robots over --days days: the hourly rollup tier over the whole period, 1-minute rollups over
// the last --minute-hours hours, and jobs, alerts, connection history, commands, missions and dead letters. Then
// it builds each report type for the whole fleet over the period, once to warm up and --runs times measured, and
// renders each PDF. Figures: the median of the runs.
// Run: npm run bench:reports -- [--robots 100] [--days 30] [--minute-hours 24] [--runs 3] [--smoke]
//      (--smoke: 10 robots, 2 days, 2 hours of minutes, one run, for CI)
// Targets (30 days, 100 robots): JSON under 5 s, PDF under 10 s, peak RSS under 300 MB.
// Prints one line per figure; the last line is one JSON object.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { loadConfig } from '@fleet/config';
import { GENERATED_REPORT_TYPES, type GeneratedReportType } from '@fleet/contracts';
import { renderPdf, standaloneReporting } from '@fleet/reports';
import { wholeNumber } from './args';
import { Cleanups, cleanUpOnSignal } from './cleanups';
import { freshDatabase } from './reports/database';
import { FIELDS_PER_ROBOT, seedEntities, seedRollups } from './reports/seed';

const HOUR_MS = 3_600_000;

interface Args {
  robots: number;
  days: number;
  minuteHours: number;
  runs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const given: Partial<Args> = {};
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--robots') given.robots = wholeNumber(flag, value(), 1_000);
    else if (flag === '--days') given.days = wholeNumber(flag, value(), 366);
    else if (flag === '--minute-hours') given.minuteHours = wholeNumber(flag, value(), 24 * 31);
    else if (flag === '--runs') given.runs = wholeNumber(flag, value(), 100);
    else if (flag === '--smoke' && inline === undefined) smoke = true;
    else throw new Error(`unknown argument '${argv[i]}' (--robots, --days, --minute-hours, --runs, --smoke)`);
  }
  const defaults = { robots: 100, days: 30, minuteHours: 24, runs: 3 };
  return { ...defaults, ...(smoke ? { robots: 10, days: 2, minuteHours: 2, runs: 1 } : {}), ...given };
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const rssMb = () => process.memoryUsage().rss / 1_048_576;

interface TypeFigures {
  json_ms: number;
  pdf_ms: number;
  render_ms: number;
  pdf_bytes: number;
  json_bytes: number;
  findings: number;
  peak_rss_mb: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const cleanups = new Cleanups();
  const signal = cleanUpOnSignal(cleanups);
  let peakRss = rssMb();
  let maxRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, rssMb())), 20);
  try {
    const { db, where } = await freshDatabase(config, `fleet_bench_reports_${run}`, cleanups);
    line('database', where);

    const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const from = to - args.days * 24 * HOUR_MS;
    const robots = Array.from({ length: args.robots }, (_, i) => `tonypi_${String(i + 1).padStart(3, '0')}`);
    const seeded = performance.now();
    const rows = await seedRollups(db, robots, to, args.days, args.minuteHours);
    await seedEntities(db, robots, to, args.days);
    await sql`ANALYZE`.execute(db);
    line(
      `seeded ${n(args.robots)} robots over ${args.days} days`,
      `${n(rows.hourly)} hourly and ${n(rows.minutes)} 1-minute rollups (${FIELDS_PER_ROBOT} series-fields each), ` +
        `in ${n((performance.now() - seeded) / 1000, 1)} s`,
    );

    const reporting = standaloneReporting(
      db,
      { ...config, telemetry: { ...config.telemetry, store: 'postgres' } },
      () => new Date(to),
    );
    const figures: Partial<Record<GeneratedReportType, TypeFigures>> = {};
    for (const type of GENERATED_REPORT_TYPES) {
      const request = {
        type,
        robotIds: null,
        from: new Date(from),
        to: new Date(to),
        timeRange: null,
        timezone: 'UTC',
        title: null,
      };
      // Each type's peak on its own: what the seeding left behind is collected first (with --expose-gc).
      global.gc?.();
      peakRss = rssMb();
      const json: number[] = [];
      const render: number[] = [];
      let pdfBytes = 0;
      let jsonBytes = 0;
      let findings = 0;
      for (let i = 0; i <= args.runs; i++) {
        const t0 = performance.now();
        const doc = await reporting.builder.build(request, { now: new Date(to) });
        const t1 = performance.now();
        const pdf = await renderPdf(doc, { reportId: 1, createdBy: 'bench', description: null });
        const t2 = performance.now();
        if (i === 0) continue;
        json.push(t1 - t0);
        render.push(t2 - t1);
        pdfBytes = pdf.length;
        jsonBytes = Buffer.byteLength(JSON.stringify(doc));
        findings = doc.findings.length;
      }
      const f: TypeFigures = {
        json_ms: Math.round(median(json)),
        render_ms: Math.round(median(render)),
        pdf_ms: Math.round(median(json) + median(render)),
        pdf_bytes: pdfBytes,
        json_bytes: jsonBytes,
        findings,
        peak_rss_mb: Math.round(peakRss),
      };
      maxRss = Math.max(maxRss, peakRss);
      figures[type] = f;
      line(
        `${type}: JSON / PDF`,
        `${n(f.json_ms)} ms / ${n(f.pdf_ms)} ms (render ${n(f.render_ms)} ms), PDF ${n(pdfBytes / 1024)} KB, ` +
          `JSON ${n(jsonBytes / 1024)} KB, ${findings} findings, peak RSS ${n(peakRss)} MB`,
      );
    }
    clearInterval(sample);
    const slowestJson = Math.max(...Object.values(figures).map((f) => f.json_ms));
    const slowestPdf = Math.max(...Object.values(figures).map((f) => f.pdf_ms));
    line(
      'slowest JSON / PDF',
      `${n(slowestJson)} ms / ${n(slowestPdf)} ms (targets 5,000 / 10,000 at 30 days, 100 robots)`,
    );
    line('peak RSS while building reports', `${n(maxRss)} MB (target 300)`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'reports',
        robots: args.robots,
        days: args.days,
        runs: args.runs,
        hourly_rollups: rows.hourly,
        minute_rollups: rows.minutes,
        slowest_json_ms: slowestJson,
        slowest_pdf_ms: slowestPdf,
        peak_rss_mb: Math.round(maxRss),
        types: figures,
      })}\n`,
    );
  } finally {
    clearInterval(sample);
    signal.release();
    await cleanups.run();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:reports failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
