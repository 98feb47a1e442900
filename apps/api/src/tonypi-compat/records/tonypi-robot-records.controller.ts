import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotIdSchema,
  tonypiLogEntrySchema,
  tonypiMessageSchema,
  tonypiRobotCreateSchema,
  tonypiRobotLogsQuerySchema,
  tonypiRobotRecordSchema,
  tonypiRobotUpdateSchema,
  type TonyPiRobotCreate,
  type TonyPiRobotLogsQuery,
  type TonyPiRobotUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../../http/zod-input';
import { TonyPiLogs } from './tonypi-logs.service';
import { TonyPiRobots } from './tonypi-robots.service';

/** TonyPi's robot registry and log routes under `/robots-db`: viewers read, admins change robots. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/robots-db')
export class TonyPiRobotRecordsController {
  constructor(
    @Inject(TonyPiRobots) private readonly robots: TonyPiRobots,
    @Inject(TonyPiLogs) private readonly systemLog: TonyPiLogs,
  ) {}

  /** Every active robot, by robot id. */
  @Access('viewer')
  @Returns(tonypiRobotRecordSchema.array())
  @Get('robots')
  list() {
    return this.robots.list();
  }

  /** Deleted (deactivated) robots included. */
  @Access('viewer')
  @Returns(tonypiRobotRecordSchema)
  @Get('robots/:robot_id')
  get(@ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.robots.get(robotId);
  }

  /** Registers a robot; an id already registered is a 409. */
  @Access('admin')
  @Returns(tonypiRobotRecordSchema)
  @HttpCode(200)
  @Post('robots')
  create(@CurrentActor() actor: Actor, @ValidBody(tonypiRobotCreateSchema) input: TonyPiRobotCreate) {
    return this.robots.create(actor, input);
  }

  /** Any of name, description, location, status, the four thresholds, is_active (true brings a robot back). */
  @Access('admin')
  @Returns(tonypiRobotRecordSchema)
  @Put('robots/:robot_id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('robot_id', robotIdSchema) robotId: string,
    @ValidBody(tonypiRobotUpdateSchema) changes: TonyPiRobotUpdate,
  ) {
    return this.robots.update(actor, robotId, changes);
  }

  /** Deactivates the robot: it leaves the list, and its history keeps its id. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Delete('robots/:robot_id')
  remove(@CurrentActor() actor: Actor, @ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.robots.remove(actor, robotId);
  }

  /** The newest log entries, whenever written. */
  @Access('viewer')
  @Returns(tonypiLogEntrySchema.array())
  @Get('logs')
  logs(@ValidQuery(tonypiRobotLogsQuerySchema) query: TonyPiRobotLogsQuery) {
    return this.systemLog.robotLogs(query);
  }
}
