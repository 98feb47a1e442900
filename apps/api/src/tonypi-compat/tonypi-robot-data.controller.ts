import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotIdSchema,
  tonypiJobSummarySchema,
  tonypiLatestDataSchema,
  tonypiRobotStatusSchema,
  tonypiSensorReadingSchema,
  tonypiSensorsQuerySchema,
  tonypiServoDataSchema,
  tonypiServosQuerySchema,
  type TonyPiSensorsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns, ValidParam, ValidQuery } from '../http/zod-input';
import { notYetServed } from './not-yet-served';
import { TonyPiRobotData } from './tonypi-robot-data.service';

/** TonyPi's live robot data: sensors, status, servos, job progress. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/robot-data')
export class TonyPiRobotDataController {
  constructor(@Inject(TonyPiRobotData) private readonly data: TonyPiRobotData) {}

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

  @Access('operator')
  @HttpCode(200)
  @Post('command')
  command(): never {
    throw notYetServed('POST', 'robot-data/command');
  }

  @Access('operator')
  @HttpCode(200)
  @Post('trigger-scan')
  triggerScan(): never {
    throw notYetServed('POST', 'robot-data/trigger-scan');
  }
}
