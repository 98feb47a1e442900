import { Inject, Injectable } from '@nestjs/common';
import type {
  TonyPiCumulativeStats,
  TonyPiDatabaseStats,
  TonyPiJob,
  TonyPiJobHistoryQuery,
  TonyPiOverallStats,
} from '@fleet/contracts';
import { AlertRepository, JobRepository, RobotRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { cumulativeStats, databaseStats, overallStats, startOfUtcDay, tonypiJob } from './tonypi-jobs.mapper';

/** TonyPi's `/robots-db` job and statistics routes, from the `jobs`, `robots` and `alerts` tables. */
@Injectable()
export class TonyPiJobs {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async history(query: TonyPiJobHistoryQuery): Promise<TonyPiJob[]> {
    const page = await this.jobs.history({ robotId: query.robot_id, limit: query.limit, offset: query.offset });
    return page.items.map(tonypiJob);
  }

  async cumulative(robotId?: string): Promise<TonyPiCumulativeStats> {
    const [stats, current] = await Promise.all([
      this.jobs.stats({ robotId }),
      robotId === undefined ? undefined : this.jobs.active(robotId),
    ]);
    return cumulativeStats(robotId ?? null, stats, current);
  }

  async overall(): Promise<TonyPiOverallStats> {
    return overallStats(await this.jobs.stats());
  }

  async databaseStats(): Promise<TonyPiDatabaseStats> {
    const [all, online, jobs, alerts] = await Promise.all([
      this.robots.list({ limit: 1 }),
      this.robots.list({ status: 'online', limit: 1 }),
      this.jobs.stats({ completedSince: startOfUtcDay(this.clock.now()) }),
      this.alerts.stats(),
    ]);
    return databaseStats({ total: all.total, online: online.total }, jobs, alerts);
  }
}
