import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';
import { CommandsModule } from '../commands/commands.module';
import { ReportsApiModule } from '../reporting/reports.module';
import { RobotsModule } from '../robots/robots.module';
import { TonyPiAccounts } from './tonypi-accounts.service';
import { TonyPiAuthController } from './tonypi-auth.controller';
import { TonyPiCommands } from './tonypi-commands.service';
import { TonyPiHealthProbe } from './tonypi-health.probe';
import { TonyPiJobs } from './tonypi-jobs.service';
import { TonyPiManagementController } from './tonypi-management.controller';
import { TonyPiManagement } from './tonypi-management.service';
import { TonyPiPerfController } from './tonypi-pi-perf.controller';
import { TonyPiReportsController } from './tonypi-reports.controller';
import { TonyPiReports } from './tonypi-reports.service';
import { TonyPiRobotDataController } from './tonypi-robot-data.controller';
import { TonyPiRobotData } from './tonypi-robot-data.service';
import { TonyPiRobotsDbController } from './tonypi-robots-db.controller';
import { TonyPiUsersController } from './tonypi-users.controller';

/**
 * The REST routes the TonyPi React dashboard calls, under `/tonypi` (its `REACT_APP_API_URL` is
 * `http://<fleet>:3000/tonypi`), in TonyPi's shapes and mapped onto Fleet's services and stores. Unlike TonyPi,
 * every route but login and health needs a token, and roles are enforced (a missing role is 403, never 401).
 */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule, CommandsModule, RobotsModule, ReportsApiModule],
  controllers: [
    TonyPiAuthController,
    TonyPiUsersController,
    TonyPiRobotDataController,
    TonyPiRobotsDbController,
    TonyPiManagementController,
    TonyPiPerfController,
    TonyPiReportsController,
  ],
  providers: [
    TonyPiAccounts,
    TonyPiRobotData,
    TonyPiJobs,
    TonyPiManagement,
    TonyPiHealthProbe,
    TonyPiCommands,
    TonyPiReports,
  ],
})
export class TonyPiCompatModule {}
