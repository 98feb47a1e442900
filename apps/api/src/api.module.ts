import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';
import { AuthModule } from './auth/auth.module';
import { HttpModule } from './http/http.module';

/**
 * The REST API and live updates for the dashboard and scripts.
 */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule, HttpModule, AuthModule],
})
export class ApiModule {}
