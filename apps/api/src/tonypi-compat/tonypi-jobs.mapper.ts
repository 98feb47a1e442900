import type {
  TonyPiCumulativeStats,
  TonyPiDatabaseStats,
  TonyPiJob,
  TonyPiJobSummary,
  TonyPiOverallStats,
} from '@fleet/contracts';
import type { Job, JobStats } from '@fleet/database';

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * TonyPi's job dict. Fields TonyPi's later job tracking added and Fleet's `jobs` table does not keep (task name,
 * phase, durations, success, cancel reason) are null.
 */
export function tonypiJob(job: Job): TonyPiJob {
  return {
    id: job.id,
    robot_id: job.robot_id,
    start_time: iso(job.start_time),
    end_time: iso(job.end_time),
    items_total: job.items_total,
    items_done: job.items_done ?? 0,
    percent_complete: job.percent_complete ?? 0,
    last_item: job.last_item ?? null,
    status: job.status ?? 'active',
    task_name: null,
    phase: null,
    estimated_duration: null,
    action_duration: null,
    success: null,
    cancel_reason: null,
    created_at: iso(job.created_at),
    updated_at: iso(job.updated_at),
  };
}

/**
 * `GET /robot-data/job-summary/{id}`: the robot's active job, else its latest; `status: 'idle'` with nulls when it
 * never had one. `history` holds the last item processed, when known.
 */
export function jobSummary(robotId: string, job: Job | undefined): TonyPiJobSummary {
  if (!job) {
    return {
      robot_id: robotId,
      start_time: null,
      end_time: null,
      items_total: 0,
      items_done: 0,
      percent_complete: 0,
      last_item: null,
      task_name: null,
      phase: null,
      status: 'idle',
      estimated_duration: null,
      action_duration: null,
      success: null,
      cancel_reason: null,
      history: [],
    };
  }
  const view = tonypiJob(job);
  const lastItemAt = job.updated_at ?? job.start_time;
  return {
    robot_id: robotId,
    start_time: view.start_time,
    end_time: view.end_time,
    items_total: view.items_total ?? 0,
    items_done: view.items_done,
    percent_complete: view.percent_complete,
    last_item: view.last_item,
    task_name: view.task_name,
    phase: view.phase,
    status: view.status,
    estimated_duration: view.estimated_duration,
    action_duration: view.action_duration,
    success: view.success,
    cancel_reason: view.cancel_reason,
    history: view.last_item === null ? [] : [{ time: lastItemAt.toISOString(), item: view.last_item }],
  };
}

/** `GET /robots-db/jobs/cumulative-stats`; `current_job` only for one robot. */
export function cumulativeStats(
  robotId: string | null,
  stats: JobStats,
  current: Job | undefined,
): TonyPiCumulativeStats {
  const finished = stats.completed + stats.cancelled + stats.failed;
  return {
    robot_id: robotId,
    cumulative: {
      total_jobs: stats.total,
      completed_jobs: stats.completed,
      cancelled_jobs: stats.cancelled,
      failed_jobs: stats.failed,
      active_jobs: stats.active,
      total_items_done: stats.itemsDone,
      total_items_target: stats.itemsTotal,
      total_duration_seconds: round2(stats.durationSeconds),
      average_duration_seconds: round2(stats.averageDurationSeconds ?? 0),
      success_rate_percent: finished === 0 ? null : round2((stats.completed / finished) * 100),
    },
    current_job: robotId !== null && current ? tonypiJob(current) : null,
  };
}

/** `GET /robots-db/jobs/overall-stats`: `completed_jobs` is all time, as TonyPi counts it. */
export function overallStats(stats: JobStats): TonyPiOverallStats {
  return {
    total_robots_with_jobs: stats.robots,
    total_jobs: stats.total,
    active_jobs: stats.active,
    completed_jobs: stats.completed,
    total_items_done: stats.itemsDone,
    total_items_target: stats.itemsTotal,
    total_duration_seconds: round2(stats.durationSeconds),
    average_completion_percent: round2(stats.averagePercent ?? 0),
  };
}

/** `GET /robots-db/stats`: robots from the registry (active ones), jobs, and open alerts. */
export function databaseStats(
  robots: { total: number; online: number },
  jobs: JobStats,
  alerts: { open: number; unacknowledged: number },
): TonyPiDatabaseStats {
  return {
    total_robots: robots.total,
    online_robots: robots.online,
    offline_robots: robots.total - robots.online,
    total_jobs: jobs.total,
    active_jobs: jobs.active,
    completed_jobs_today: jobs.completedSince,
    open_alerts: alerts.open,
    unacknowledged_alerts: alerts.unacknowledged,
  };
}

/** Midnight UTC of `now`'s day: where "today" starts. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
