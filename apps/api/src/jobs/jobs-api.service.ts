import { Inject, Injectable } from '@nestjs/common';
import type {
  JobActiveQuery,
  JobListQuery,
  JobRobotStatsQuery,
  JobRobotStatsView,
  JobStatsQuery,
  JobStatsView,
  JobView,
  Page,
} from '@fleet/contracts';
import { JobRepository } from '@fleet/database';
import { toJobView, toRobotStatsView, toStatsView } from './job-view.mapper';

const instant = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

/** Robots' jobs as operators and the dashboard read them: history, what runs now, and totals. */
@Injectable()
export class JobsApiService {
  constructor(@Inject(JobRepository) private readonly jobs: JobRepository) {}

  async list(query: JobListQuery): Promise<Page<JobView>> {
    const page = await this.jobs.list({
      robotId: query.robot_id,
      statuses: query.status,
      task: query.task,
      from: instant(query.from),
      to: instant(query.to),
      limit: query.limit,
      offset: query.offset,
    });
    return { ...page, items: page.items.map(toJobView) };
  }

  async active(query: JobActiveQuery): Promise<Page<JobView>> {
    const page = await this.jobs.list({
      robotId: query.robot_id,
      statuses: ['active'],
      limit: query.limit,
      offset: query.offset,
    });
    return { ...page, items: page.items.map(toJobView) };
  }

  async get(id: number): Promise<JobView> {
    return toJobView(await this.jobs.get(id));
  }

  async stats(query: JobStatsQuery): Promise<JobStatsView> {
    const totals = await this.jobs.totals({
      robotId: query.robot_id,
      from: instant(query.from),
      to: instant(query.to),
    });
    return { robots: totals.robots, ...toStatsView(totals) };
  }

  async robotStats(query: JobRobotStatsQuery): Promise<Page<JobRobotStatsView>> {
    const page = await this.jobs.totalsByRobot({
      from: instant(query.from),
      to: instant(query.to),
      limit: query.limit,
      offset: query.offset,
    });
    return { ...page, items: page.items.map(toRobotStatsView) };
  }
}
