import { Inject, Injectable } from '@nestjs/common';
import type { FleetSummaryView } from '@fleet/contracts';
import { AlertRepository, RobotRepository } from '@fleet/database';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';

/** The fleet at a glance: robots by status, jobs under way, open alerts by severity, battery average. */
@Injectable()
export class FleetSummaryService {
  constructor(
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async summary(): Promise<FleetSummaryView> {
    const [live, activeJobs, alerts] = await Promise.all([
      this.live.summary(),
      this.robots.activeJobCount(),
      this.alerts.stats(),
    ]);
    return {
      robots: live.total > 0 ? { ...counts(live), source: 'live' } : await this.registryCounts(),
      active_jobs: activeJobs,
      open_alerts: { total: alerts.open, critical: alerts.critical, warning: alerts.warning, info: alerts.info },
      battery: { average: live.batteryAverage, reporting: live.batteryReporting },
      generated_at: this.clock.now().toISOString(),
    };
  }

  /** While nothing is live (Redis emptied, a fresh start), the statuses the registry last recorded. */
  private async registryCounts(): Promise<FleetSummaryView['robots']> {
    const byStatus = await this.robots.countByStatus();
    const summary = { total: 0, online: 0, offline: 0, other: {} as Record<string, number> };
    for (const [status, n] of Object.entries(byStatus)) {
      summary.total += n;
      if (status === 'online') summary.online += n;
      else if (status === 'offline') summary.offline += n;
      else summary.other[status] = n;
    }
    return { ...summary, source: 'registry' };
  }
}

function counts(summary: { total: number; online: number; offline: number; other: Record<string, number> }) {
  return { total: summary.total, online: summary.online, offline: summary.offline, other: summary.other };
}
