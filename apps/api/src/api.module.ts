import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';

/**
 * The REST API and live updates for the dashboard and scripts.
 */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule],
})
export class ApiModule {}
