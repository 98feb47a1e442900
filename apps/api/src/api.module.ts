import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';
import { AlertsModule } from './alerts/alerts.module';
import { AuthModule } from './auth/auth.module';
import { CommandsModule } from './commands/commands.module';
import { HttpModule } from './http/http.module';
import { JobsApiModule } from './jobs/jobs-api.module';
import { LiveModule } from './live/live.module';
import { LogsModule } from './logs/logs.module';
import { MissionsModule } from './missions/missions.module';
import { ReportsApiModule } from './reporting/reports.module';
import { RobotsModule } from './robots/robots.module';
import { TonyPiCompatModule } from './tonypi-compat/tonypi-compat.module';
import { TonyPiCompatRecordsModule } from './tonypi-compat/records/records.module';

/**
 * The REST API and live updates for the dashboard and scripts.
 */
@Module({
  imports: [
    DatabaseModule,
    MessagingModule,
    TelemetryModule,
    HttpModule,
    AuthModule,
    RobotsModule,
    AlertsModule,
    LogsModule,
    JobsApiModule,
    CommandsModule,
    LiveModule,
    MissionsModule,
    ReportsApiModule,
    TonyPiCompatModule,
    TonyPiCompatRecordsModule,
  ],
})
export class ApiModule {}
