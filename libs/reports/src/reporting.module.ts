import { Module } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DatabaseModule } from '@fleet/database';
import { TelemetryModule } from '@fleet/telemetry';
import { ReportBuilder } from './report.builder';
import { ReportFileStore } from './report-files';
import { ReportProducer } from './report.producer';
import type { ReportSummarizer } from './summary/report-summarizer';
import { createSummarizer } from './summary/summarizer.factory';

/** Injection token for the process's {@link ReportSummarizer}. */
export const REPORT_SUMMARIZER = Symbol('REPORT_SUMMARIZER');

/**
 * Reports as both the reports service and the API need them: the builder, the file store under `REPORTS_DIR`, the
 * summarizer (none unless `REPORTS_AI_URL` and `REPORTS_AI_MODEL` are set), and the producer that ties them.
 */
@Module({
  imports: [DatabaseModule, TelemetryModule],
  providers: [
    ReportBuilder,
    {
      provide: ReportFileStore,
      useFactory: (c: FleetConfig) => new ReportFileStore(c.reports.dir),
      inject: [FLEET_CONFIG],
    },
    { provide: REPORT_SUMMARIZER, useFactory: createSummarizer, inject: [FLEET_CONFIG] },
    {
      provide: ReportProducer,
      useFactory: (b: ReportBuilder, f: ReportFileStore, s: ReportSummarizer) => new ReportProducer(b, f, s),
      inject: [ReportBuilder, ReportFileStore, REPORT_SUMMARIZER],
    },
  ],
  exports: [ReportBuilder, ReportFileStore, REPORT_SUMMARIZER, ReportProducer],
})
export class ReportingModule {}
