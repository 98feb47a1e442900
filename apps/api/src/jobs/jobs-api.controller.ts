import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  jobActiveQuerySchema,
  jobIdSchema,
  jobListQuerySchema,
  jobPageSchema,
  jobRobotStatsPageSchema,
  jobRobotStatsQuerySchema,
  jobStatsQuerySchema,
  jobStatsSchema,
  jobViewSchema,
  type JobActiveQuery,
  type JobListQuery,
  type JobRobotStatsQuery,
  type JobStatsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns, ValidParam, ValidQuery } from '../http/zod-input';
import { JobsApiService } from './jobs-api.service';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/v1/jobs')
export class JobsApiController {
  constructor(@Inject(JobsApiService) private readonly jobs: JobsApiService) {}

  /** Jobs matching every filter given, newest first (by start time). */
  @Access('viewer')
  @Returns(jobPageSchema)
  @Get()
  list(@ValidQuery(jobListQuerySchema) query: JobListQuery) {
    return this.jobs.list(query);
  }

  /** Jobs in progress across the fleet (or on one robot), newest first. */
  @Access('viewer')
  @Returns(jobPageSchema)
  @Get('active')
  active(@ValidQuery(jobActiveQuerySchema) query: JobActiveQuery) {
    return this.jobs.active(query);
  }

  /** Counts, success rate, durations and items over the jobs started in a range (all time when omitted). */
  @Access('viewer')
  @Returns(jobStatsSchema)
  @Get('stats')
  stats(@ValidQuery(jobStatsQuerySchema) query: JobStatsQuery) {
    return this.jobs.stats(query);
  }

  /** The same totals per robot, one page of robots by robot id. */
  @Access('viewer')
  @Returns(jobRobotStatsPageSchema)
  @Get('stats/robots')
  robotStats(@ValidQuery(jobRobotStatsQuerySchema) query: JobRobotStatsQuery) {
    return this.jobs.robotStats(query);
  }

  @Access('viewer')
  @Returns(jobViewSchema)
  @Get(':jobId')
  get(@ValidParam('jobId', jobIdSchema) jobId: number) {
    return this.jobs.get(jobId);
  }
}
