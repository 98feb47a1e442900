import {
  tonypiCumulativeStatsSchema,
  tonypiDatabaseStatsSchema,
  tonypiJobSchema,
  tonypiJobSummarySchema,
  tonypiOverallStatsSchema,
} from '@fleet/contracts';
import type { Job, JobStats } from '@fleet/database';
import {
  cumulativeStats,
  databaseStats,
  jobSummary,
  overallStats,
  startOfUtcDay,
  tonypiJob,
} from './tonypi-jobs.mapper';

const job = (fields: Partial<Job> = {}): Job => ({
  id: 7,
  robot_id: 'tonypi_01',
  start_time: new Date('2026-01-24T10:00:00Z'),
  end_time: null,
  items_total: 10,
  items_done: 4,
  percent_complete: 40,
  last_item: { qr: 'BOX-4' },
  status: 'active',
  created_at: new Date('2026-01-24T10:00:00Z'),
  updated_at: new Date('2026-01-24T10:03:00Z'),
  ...fields,
});

const stats = (fields: Partial<JobStats> = {}): JobStats => ({
  robots: 2,
  total: 5,
  active: 1,
  completed: 3,
  cancelled: 1,
  failed: 0,
  completedSince: 2,
  itemsDone: 42,
  itemsTotal: 50,
  durationSeconds: 1234.5678,
  averageDurationSeconds: 308.64195,
  averagePercent: 83.3333,
  ...fields,
});

describe('jobs in TonyPi shape', () => {
  it('have every field of the job dict, nulls for what the table does not keep', () => {
    const view = tonypiJob(job());
    expect(view).toEqual({
      id: 7,
      robot_id: 'tonypi_01',
      start_time: '2026-01-24T10:00:00.000Z',
      end_time: null,
      items_total: 10,
      items_done: 4,
      percent_complete: 40,
      last_item: { qr: 'BOX-4' },
      status: 'active',
      task_name: null,
      phase: null,
      estimated_duration: null,
      action_duration: null,
      success: null,
      cancel_reason: null,
      created_at: '2026-01-24T10:00:00.000Z',
      updated_at: '2026-01-24T10:03:00.000Z',
    });
    expect(() => tonypiJobSchema.parse(view)).not.toThrow();
  });

  it('summarise a job with its last item as history', () => {
    const summary = jobSummary('tonypi_01', job({ items_total: null }));
    expect(summary).toMatchObject({
      robot_id: 'tonypi_01',
      start_time: '2026-01-24T10:00:00.000Z',
      end_time: null,
      items_total: 0,
      items_done: 4,
      percent_complete: 40,
      status: 'active',
      history: [{ time: '2026-01-24T10:03:00.000Z', item: { qr: 'BOX-4' } }],
    });
    expect(() => tonypiJobSummarySchema.parse(summary)).not.toThrow();
    expect(jobSummary('tonypi_01', job({ last_item: null })).history).toEqual([]);
  });

  it('summarise no job as idle with nulls', () => {
    const summary = jobSummary('tonypi_02', undefined);
    expect(summary).toMatchObject({
      robot_id: 'tonypi_02',
      start_time: null,
      end_time: null,
      items_total: 0,
      items_done: 0,
      percent_complete: 0,
      last_item: null,
      status: 'idle',
      success: null,
    });
    expect(() => tonypiJobSummarySchema.parse(summary)).not.toThrow();
  });
});

describe('job statistics', () => {
  it('cumulative: counts, items, durations to 2 places, the success rate, and the current job for one robot', () => {
    const view = cumulativeStats('tonypi_01', stats(), job());
    expect({ ...view, current_job: null }).toEqual({
      robot_id: 'tonypi_01',
      cumulative: {
        total_jobs: 5,
        completed_jobs: 3,
        cancelled_jobs: 1,
        failed_jobs: 0,
        active_jobs: 1,
        total_items_done: 42,
        total_items_target: 50,
        total_duration_seconds: 1234.57,
        average_duration_seconds: 308.64,
        success_rate_percent: 75,
      },
      current_job: null,
    });
    expect(view.current_job).toMatchObject({ id: 7, status: 'active' });
    expect(() => tonypiCumulativeStatsSchema.parse(view)).not.toThrow();
  });

  it('cumulative: no current job for the fleet, zeros and a null rate before any job ends', () => {
    const empty = stats({
      robots: 0,
      total: 0,
      active: 0,
      completed: 0,
      cancelled: 0,
      durationSeconds: 0,
      averageDurationSeconds: null,
      averagePercent: null,
    });
    const view = cumulativeStats(null, empty, job());
    expect(view.current_job).toBeNull();
    expect(view.cumulative).toMatchObject({ average_duration_seconds: 0, success_rate_percent: null });
  });

  it('overall: all-time counts as TonyPi gives them', () => {
    const view = overallStats(stats());
    expect(view).toEqual({
      total_robots_with_jobs: 2,
      total_jobs: 5,
      active_jobs: 1,
      completed_jobs: 3,
      total_items_done: 42,
      total_items_target: 50,
      total_duration_seconds: 1234.57,
      average_completion_percent: 83.33,
    });
    expect(() => tonypiOverallStatsSchema.parse(view)).not.toThrow();
    expect(overallStats(stats({ averagePercent: null })).average_completion_percent).toBe(0);
  });

  it('database stats: robots, jobs of today and open alerts', () => {
    const view = databaseStats({ total: 4, online: 3 }, stats(), { open: 5, unacknowledged: 2 });
    expect(view).toEqual({
      total_robots: 4,
      online_robots: 3,
      offline_robots: 1,
      total_jobs: 5,
      active_jobs: 1,
      completed_jobs_today: 2,
      open_alerts: 5,
      unacknowledged_alerts: 2,
    });
    expect(() => tonypiDatabaseStatsSchema.parse(view)).not.toThrow();
  });

  it('today starts at midnight UTC', () => {
    expect(startOfUtcDay(new Date('2026-01-24T23:59:59.999Z')).toISOString()).toBe('2026-01-24T00:00:00.000Z');
  });
});
