import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  tonypiCumulativeStatsSchema,
  tonypiDatabaseStatsSchema,
  tonypiJobHistoryQuerySchema,
  tonypiJobSchema,
  tonypiOverallStatsSchema,
  tonypiRobotFilterSchema,
  type TonyPiJobHistoryQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns, ValidQuery } from '../http/zod-input';
import { TonyPiJobs } from './tonypi-jobs.service';

/** TonyPi's job history and statistics. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Access('viewer')
@Controller('tonypi/api/v1/robots-db')
export class TonyPiRobotsDbController {
  constructor(@Inject(TonyPiJobs) private readonly jobs: TonyPiJobs) {}

  /** Jobs newest first. */
  @Returns(tonypiJobSchema.array())
  @Get('jobs/history')
  history(@ValidQuery(tonypiJobHistoryQuerySchema) query: TonyPiJobHistoryQuery) {
    return this.jobs.history(query);
  }

  /** Totals over every job of one robot, or of the fleet. */
  @Returns(tonypiCumulativeStatsSchema)
  @Get('jobs/cumulative-stats')
  cumulative(@ValidQuery(tonypiRobotFilterSchema) query: { robot_id?: string }) {
    return this.jobs.cumulative(query.robot_id);
  }

  @Returns(tonypiOverallStatsSchema)
  @Get('jobs/overall-stats')
  overall() {
    return this.jobs.overall();
  }

  @Returns(tonypiDatabaseStatsSchema)
  @Get('stats')
  stats() {
    return this.jobs.databaseStats();
  }
}
