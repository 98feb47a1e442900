// The sample reports in docs/reports/: one PDF per report type, for a fleet of 12 robots over the week to
// 2026-01-25 (UTC), made from the same seeded history as bench:reports on a fresh database (the PostgreSQL server of
// DATABASE_URL, or an embedded one without it). The history and the period are fixed, so the files come out the
// same on every run.
// Run: npm run docs:reports [-- <directory>]   (default docs/reports)
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '@fleet/config';
import { GENERATED_REPORT_TYPES } from '@fleet/contracts';
import { renderPdf, standaloneReporting } from '@fleet/reports';
import { Cleanups, cleanUpOnSignal } from './cleanups';
import { freshDatabase } from './reports/database';
import { seedEntities, seedRollups } from './reports/seed';

const TO = Date.parse('2026-01-25T00:00:00Z');
const DAYS = 7;
const ROBOTS = Array.from({ length: 12 }, (_, i) => `tonypi_${String(i + 1).padStart(2, '0')}`);

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? join('docs', 'reports'));
  const config = loadConfig();
  const cleanups = new Cleanups();
  const signal = cleanUpOnSignal(cleanups);
  try {
    const { db } = await freshDatabase(config, `fleet_report_samples_${process.pid}`, cleanups);
    await seedRollups(db, ROBOTS, TO, DAYS, 24);
    await seedEntities(db, ROBOTS, TO, DAYS);
    await sql`ANALYZE`.execute(db);
    const reporting = standaloneReporting(
      db,
      { ...config, telemetry: { ...config.telemetry, store: 'postgres' } },
      () => new Date(TO),
    );
    await mkdir(out, { recursive: true });
    for (const type of GENERATED_REPORT_TYPES) {
      const doc = await reporting.builder.build(
        {
          type,
          robotIds: null,
          from: new Date(TO - DAYS * 86_400_000),
          to: new Date(TO),
          timeRange: '7d',
          timezone: 'Europe/Paris',
          title: null,
        },
        { now: new Date(TO + 6 * 3_600_000) },
      );
      const pdf = await renderPdf(doc, {
        reportId: null,
        createdBy: 'schedule:weekly',
        description: 'A sample: a simulated fleet of 12 TonyPi robots over one week.',
      });
      const file = join(out, `${type}.pdf`);
      await writeFile(file, pdf);
      process.stdout.write(`${file}: ${Math.round(pdf.length / 1024)} KB, ${doc.findings.length} findings\n`);
    }
  } finally {
    signal.release();
    await cleanups.run();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `docs:reports failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
