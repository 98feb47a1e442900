import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotIdSchema,
  tonypiCommandSentSchema,
  tonypiJobSummarySchema,
  tonypiLatestDataSchema,
  tonypiRobotCommandSchema,
  tonypiRobotStatusSchema,
  tonypiScanTriggeredSchema,
  tonypiSensorReadingSchema,
  tonypiSensorsQuerySchema,
  tonypiServoDataSchema,
  tonypiServosQuerySchema,
  tonypiTriggerScanSchema,
  type TonyPiRobotCommand,
  type TonyPiSensorsQuery,
  type TonyPiTriggerScan,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { TonyPiCommands } from './tonypi-commands.service';
import { TonyPiRobotData } from './tonypi-robot-data.service';

/** TonyPi's live robot data: sensors, status, servos, job progress. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/robot-data')
export class TonyPiRobotDataController {
  constructor(
    @Inject(TonyPiRobotData) private readonly data: TonyPiRobotData,
    @Inject(TonyPiCommands) private readonly commands: TonyPiCommands,
  ) {}

  /** Readings newest first; `measurement=sensors` (sensor_data) is the one with readings. */
  @Access('viewer')
  @Returns(tonypiSensorReadingSchema.array())
  @Get('sensors')
  sensors(@ValidQuery(tonypiSensorsQuerySchema) query: TonyPiSensorsQuery) {
    return this.data.sensors(query.measurement, query.time_range, query.robot_id);
  }

  /** Robots heard from in the last five minutes. */
  @Access('viewer')
  @Returns(tonypiRobotStatusSchema.array())
  @Get('status')
  status() {
    return this.data.status();
  }

  @Access('viewer')
  @Returns(tonypiLatestDataSchema)
  @Get('latest/:robot_id')
  latest(@ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.data.latest(robotId);
  }

  @Access('viewer')
  @Returns(tonypiServoDataSchema)
  @Get('servos/:robot_id')
  servos(
    @ValidParam('robot_id', robotIdSchema) robotId: string,
    @ValidQuery(tonypiServosQuerySchema) query: { time_range: number },
  ) {
    return this.data.servos(robotId, query.time_range);
  }

  @Access('viewer')
  @Returns(tonypiJobSummarySchema)
  @Get('job-summary/:robot_id')
  jobSummary(@ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.data.jobSummary(robotId);
  }

  /**
   * The command as the robot receives it (`type` or `command`, its parameters beside it), to `robot_id` or, without
   * one, every robot online; answered with the body echoed and the `command_id` the robot receives.
   */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiCommandSentSchema)
  @Post('command')
  command(@CurrentActor() actor: Actor, @ValidBody(tonypiRobotCommandSchema) body: TonyPiRobotCommand) {
    return this.commands.robotCommand(actor, body);
  }

  /** Publishes a QR scan on `tonypi/scan/{robot_id}` as if the robot had made it, to try the scan handling. */
  @Access('operator')
  @HttpCode(200)
  @Returns(tonypiScanTriggeredSchema)
  @Post('trigger-scan')
  triggerScan(@CurrentActor() actor: Actor, @ValidBody(tonypiTriggerScanSchema) input: TonyPiTriggerScan) {
    return this.commands.triggerScan(actor, input.robot_id, input.qr);
  }
}
