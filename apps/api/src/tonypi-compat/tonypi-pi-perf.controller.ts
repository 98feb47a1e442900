import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { robotIdSchema, tonypiPerfQuerySchema, tonypiPerfRecordSchema } from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns, ValidParam, ValidQuery } from '../http/zod-input';
import { TonyPiRobotData } from './tonypi-robot-data.service';

/** TonyPi's Raspberry Pi performance charts: the robot's `system_*` values. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/pi')
export class TonyPiPerfController {
  constructor(@Inject(TonyPiRobotData) private readonly data: TonyPiRobotData) {}

  /** `host` is the robot id. Records oldest first, at most the newest 500. */
  @Access('viewer')
  @Returns(tonypiPerfRecordSchema.array())
  @Get('perf/:host')
  performance(
    @ValidParam('host', robotIdSchema) robotId: string,
    @ValidQuery(tonypiPerfQuerySchema) query: { time_range: number },
  ) {
    return this.data.performance(robotId, query.time_range);
  }
}
