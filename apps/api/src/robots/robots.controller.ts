import { Controller, Delete, Get, HttpCode, Inject, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotConnectionPageSchema,
  robotConnectionQuerySchema,
  robotConfigUpdateSchema,
  robotCreateSchema,
  robotIdSchema,
  robotListQuerySchema,
  robotPageSchema,
  robotStateSchema,
  robotUpdateSchema,
  robotViewSchema,
  snapshotQuerySchema,
  telemetryQuerySchema,
  type RobotConfigUpdate,
  type RobotConnectionQuery,
  type RobotCreate,
  type RobotListQuery,
  type RobotUpdate,
  type SnapshotQuery,
  type TelemetryQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { ReturnsHistory } from './history-json';
import { RobotHistoryService } from './robot-history.service';
import { RobotsService } from './robots.service';

@ApiTags('robots')
@ApiBearerAuth()
@Controller('api/v1/robots')
export class RobotsController {
  constructor(
    @Inject(RobotsService) private readonly robots: RobotsService,
    @Inject(RobotHistoryService) private readonly history: RobotHistoryService,
  ) {}

  /** Registered robots, by robot id; deleted ones only with `include_inactive=true`. */
  @Access('viewer')
  @Returns(robotPageSchema)
  @Get()
  list(@ValidQuery(robotListQuerySchema) query: RobotListQuery) {
    return this.robots.list(query);
  }

  @Access('viewer')
  @Returns(robotViewSchema)
  @Get(':robotId')
  get(@ValidParam('robotId', robotIdSchema) robotId: string) {
    return this.robots.get(robotId);
  }

  @Access('admin')
  @Returns(robotViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(robotCreateSchema) input: RobotCreate) {
    return this.robots.create(actor, input);
  }

  @Access('admin')
  @Returns(robotViewSchema)
  @Patch(':robotId')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidBody(robotUpdateSchema) changes: RobotUpdate,
  ) {
    return this.robots.update(actor, robotId, changes);
  }

  /**
   * Replaces one section of the robot's settings and sends it to the robot on `tonypi/config/{robotId}`. The
   * settings are kept even when the broker cannot take the message (503: send it again).
   */
  @Access('admin')
  @Returns(robotViewSchema)
  @Put(':robotId/config')
  updateConfig(
    @CurrentActor() actor: Actor,
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidBody(robotConfigUpdateSchema) input: RobotConfigUpdate,
  ) {
    return this.robots.updateConfig(actor, robotId, input);
  }

  /** Deactivates the robot (its history stays); `PATCH {is_active: true}` brings it back. */
  @Access('admin')
  @HttpCode(204)
  @Delete(':robotId')
  async remove(@CurrentActor() actor: Actor, @ValidParam('robotId', robotIdSchema) robotId: string): Promise<void> {
    await this.robots.remove(actor, robotId);
  }

  /** The robot's newest live values: status, battery, system info, servos, location, sensors, job, vision. */
  @Access('viewer')
  @Returns(robotStateSchema)
  @Get(':robotId/state')
  state(@ValidParam('robotId', robotIdSchema) robotId: string) {
    return this.robots.state(robotId);
  }

  /** Aggregated history of a measurement's numeric fields over a range (default: the last hour). */
  @Access('viewer')
  @ReturnsHistory()
  @Get(':robotId/telemetry')
  telemetry(
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidQuery(telemetryQuerySchema) query: TelemetryQuery,
  ) {
    return this.history.telemetry(robotId, query);
  }

  /** The robot's system information over time, from its status reports (`robot_status`). */
  @Access('viewer')
  @ReturnsHistory()
  @Get(':robotId/snapshots')
  snapshots(
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidQuery(snapshotQuerySchema) query: SnapshotQuery,
  ) {
    return this.history.snapshots(robotId, query);
  }

  /** When the robot connected, disconnected or went silent, newest first. */
  @Access('viewer')
  @Returns(robotConnectionPageSchema)
  @Get(':robotId/connections')
  connections(
    @ValidParam('robotId', robotIdSchema) robotId: string,
    @ValidQuery(robotConnectionQuerySchema) query: RobotConnectionQuery,
  ) {
    return this.history.connectionLog(robotId, query);
  }
}
