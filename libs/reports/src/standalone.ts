import type { Kysely } from 'kysely';
import type { FleetConfig } from '@fleet/config';
import { AlertThresholdRepository, ReportDataRepository, type DB } from '@fleet/database';
import { InfluxHttp, InfluxTelemetryStore, markRollups, RollupMaintainer, RollupReader } from '@fleet/telemetry';
import { ReportBuilder } from './report.builder';
import { ReportFileStore } from './report-files';
import { ReportProducer } from './report.producer';
import { createSummarizer } from './summary/summarizer.factory';

/** Reports outside a service (the CLI, benchmarks, the sample command): the same parts, made by hand. */
export interface StandaloneReporting {
  builder: ReportBuilder;
  maintainer: RollupMaintainer;
  producer: ReportProducer;
  files: ReportFileStore;
  /** Rolls the rollup tiers until they have caught up with the clock (bounded). */
  catchUp(maxRuns?: number): Promise<void>;
}

export function standaloneReporting(
  db: Kysely<DB>,
  config: FleetConfig,
  now: () => Date = () => new Date(),
): StandaloneReporting {
  const { influx } = config.telemetry;
  const minutes =
    config.telemetry.store === 'influxdb' && influx.url
      ? new InfluxTelemetryStore(new InfluxHttp({ ...influx, url: influx.url }), {
          ...influx,
          now,
          onLateMinutes: (marks) => markRollups(db, marks),
        })
      : null;
  const maintainer = new RollupMaintainer(db, { minutes, now });
  const builder = new ReportBuilder(
    new ReportDataRepository(db),
    new RollupReader(db),
    maintainer,
    new AlertThresholdRepository(db),
  );
  const files = new ReportFileStore(config.reports.dir);
  return {
    builder,
    maintainer,
    files,
    producer: new ReportProducer(builder, files, createSummarizer(config)),
    catchUp: async (maxRuns = 1_000) => {
      for (let i = 0; i < maxRuns; i++) {
        const run = await maintainer.run();
        if (run.minutesRolled + run.hoursRolled + run.marksRolled === 0) return;
      }
    },
  };
}
