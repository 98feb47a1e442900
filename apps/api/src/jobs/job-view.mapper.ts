import type { JobRobotStatsView, JobStatsView, JobView } from '@fleet/contracts';
import type { JobRepository, TrackedJob } from '@fleet/database';

type JobTotals = Awaited<ReturnType<JobRepository['totals']>>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const round2 = (value: number) => Math.round(value * 100) / 100;
const round2OrNull = (value: number | null) => (value === null ? null : round2(value));

/** A `jobs` row as the API shows it. */
export function toJobView(job: TrackedJob): JobView {
  return {
    id: job.id,
    robot_id: job.robot_id,
    task_name: job.task_name,
    phase: job.phase,
    status: job.status ?? 'active',
    start_time: job.start_time.toISOString(),
    end_time: iso(job.end_time),
    items_total: job.items_total,
    items_done: job.items_done ?? 0,
    percent_complete: job.percent_complete ?? 0,
    last_item: job.last_item ?? null,
    estimated_duration_s: job.estimated_duration_s,
    duration_s: job.duration_s,
    end_reason: job.end_reason,
    last_message_at: iso(job.last_message_at),
    created_at: iso(job.created_at),
    updated_at: iso(job.updated_at),
  };
}

/** Totals as the API shows them; the success rate counts completed jobs among finished ones. */
export function toStatsView(totals: Omit<JobTotals, 'robots'>): Omit<JobStatsView, 'robots'> {
  return {
    total: totals.total,
    active: totals.active,
    completed: totals.completed,
    failed: totals.failed,
    cancelled: totals.cancelled,
    superseded: totals.superseded,
    finished: totals.finished,
    success_rate_percent: totals.finished === 0 ? null : round2((totals.completed / totals.finished) * 100),
    average_duration_s: round2OrNull(totals.averageDurationSeconds),
    total_duration_s: round2(totals.durationSeconds),
    items_done: totals.itemsDone,
    items_total: totals.itemsTotal,
  };
}

export function toRobotStatsView(totals: Omit<JobTotals, 'robots'> & { robotId: string }): JobRobotStatsView {
  return { robot_id: totals.robotId, ...toStatsView(totals) };
}
