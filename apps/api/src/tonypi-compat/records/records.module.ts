import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { AlertsModule } from '../../alerts/alerts.module';
import { LogsModule } from '../../logs/logs.module';
import { RobotsModule } from '../../robots/robots.module';
import { TonyPiAlertsController } from './tonypi-alerts.controller';
import { TonyPiAlerts } from './tonypi-alerts.service';
import { TonyPiLogsController } from './tonypi-logs.controller';
import { TonyPiLogs } from './tonypi-logs.service';
import { TonyPiRobotRecordsController } from './tonypi-robot-records.controller';
import { TonyPiRobots } from './tonypi-robots.service';
import { TonyPiThresholdsController } from './tonypi-thresholds.controller';
import { TonyPiThresholds } from './tonypi-thresholds.service';

/**
 * The TonyPi dashboard's records under `/tonypi`: alerts, thresholds, the system log and the robot registry, in
 * TonyPi's shapes and served by Fleet's own alert, log and robot services, so every change is checked, recorded and
 * announced as through Fleet's routes.
 */
@Module({
  imports: [DatabaseModule, AlertsModule, LogsModule, RobotsModule],
  controllers: [TonyPiAlertsController, TonyPiThresholdsController, TonyPiLogsController, TonyPiRobotRecordsController],
  providers: [TonyPiAlerts, TonyPiThresholds, TonyPiLogs, TonyPiRobots],
})
export class TonyPiCompatRecordsModule {}
