import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';

/**
 * Turns what robots publish over MQTT into time series, entity updates, live state and events.
 */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule],
})
export class IngestModule {}
