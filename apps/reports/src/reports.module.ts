import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { ReportingModule } from '@fleet/reports';
import { TelemetryModule } from '@fleet/telemetry';
import { ReportMetrics } from './report.metrics';
import { ReportNotifier } from './report.notifier';
import { ReportScheduler } from './report.scheduler';
import { ReportWorker } from './report.worker';
import { RollupKeeper } from './rollup.keeper';

/**
 * Makes reports (PDF, CSV and JSON) on demand and on schedules, from the rollup tiers it keeps up to date.
 */
@Module({
  imports: [DatabaseModule, TelemetryModule, MessagingModule, ReportingModule],
  providers: [ReportMetrics, ReportNotifier, ReportWorker, ReportScheduler, RollupKeeper],
})
export class ReportsModule {}
