import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { TelemetryModule } from '@fleet/telemetry';
import { FleetController } from './fleet.controller';
import { FleetSummaryService } from './fleet-summary.service';
import { RobotCredentialsController } from './robot-credentials.controller';
import { RobotCredentialsService } from './robot-credentials.service';
import { RobotHistoryService } from './robot-history.service';
import { RobotsController } from './robots.controller';
import { RobotsService } from './robots.service';

/** Robots: the registry, live state, history, MQTT credentials, and the fleet summary. */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule],
  controllers: [RobotsController, RobotCredentialsController, FleetController],
  providers: [RobotsService, RobotHistoryService, RobotCredentialsService, FleetSummaryService],
  exports: [RobotsService, RobotHistoryService],
})
export class RobotsModule {}
