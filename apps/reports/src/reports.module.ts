import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { TelemetryModule } from '@fleet/telemetry';

/**
 * Generates reports (PDF and JSON) on a schedule and on demand.
 */
@Module({
  imports: [DatabaseModule, TelemetryModule],
})
export class ReportsModule {}
