import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { RobotsModule } from '../robots/robots.module';
import { MissionsController } from './missions.controller';
import { MissionsService } from './missions.service';

/** Missions with ordered waypoints: planning, the lifecycle, waypoint changes under way, and mission telemetry. */
@Module({
  imports: [DatabaseModule, RobotsModule],
  controllers: [MissionsController],
  providers: [MissionsService],
})
export class MissionsModule {}
