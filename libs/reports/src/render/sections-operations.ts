import type { ReportOf } from '@fleet/contracts';
import { OUTCOME_COLORS, type Block, type Section } from './report-model';
import { ROBOT, col, stat, table, topBy, withOrder } from './section-helpers';

/** Sections of the reports about the fleet's work: jobs and missions. */

export function jobSections(doc: ReportOf<'job'>): Section[] {
  const { totals, by_robot, by_task, longest, failures, timeline } = doc.sections;
  const outcome = (key: 'started' | 'completed' | 'failed' | 'cancelled', label: string) => col(key, label, 'integer');
  const counts = [
    outcome('started', 'Started'),
    outcome('completed', 'Completed'),
    outcome('failed', 'Failed'),
    outcome('cancelled', 'Cancelled'),
  ];
  const busy = topBy(by_robot, (r) => r.started, 15);
  const byRobotTable = table(
    'by_robot',
    null,
    [
      ROBOT,
      ...counts,
      col('items_processed', 'Items', 'integer'),
      col('success_rate_percent', 'Success (%)', 'percent'),
      col('duration_median_s', 'Median duration', 'duration'),
    ],
    by_robot.map((r) => [
      r.robot_id,
      r.started,
      r.completed,
      r.failed,
      r.cancelled,
      r.items_processed,
      r.success_rate_percent,
      r.duration_median_s,
    ]),
    'No robot ran a job in this period.',
  );
  byRobotTable.pdfOrder = { key: 'started', direction: 'desc' };
  const byRobot: Block[] = [];
  if (busy.length) {
    byRobot.push({
      kind: 'bar-chart',
      title: by_robot.length > busy.length ? `Jobs by outcome, the ${busy.length} busiest robots` : 'Jobs by outcome',
      unit: 'jobs',
      categories: busy.map((r) => r.robot_id),
      series: (['completed', 'failed', 'cancelled'] as const).map((k) => ({ name: k, values: busy.map((r) => r[k]) })),
      colors: OUTCOME_COLORS,
    });
  }
  byRobot.push(byRobotTable);
  return [
    {
      heading: 'Jobs over time',
      blocks: [
        { kind: 'time-chart', name: 'timeline', title: 'Jobs started, by outcome', chart: timeline, mode: 'stacked' },
      ],
    },
    {
      heading: 'Totals',
      blocks: [
        {
          kind: 'stats',
          name: 'totals',
          items: [
            stat('started', 'Started', totals.started, 'integer'),
            stat('completed', 'Completed', totals.completed, 'integer'),
            stat('failed', 'Failed', totals.failed, 'integer'),
            stat('cancelled', 'Cancelled', totals.cancelled, 'integer'),
            stat('superseded', 'Superseded', totals.superseded, 'integer'),
            stat('active', 'Still active', totals.active, 'integer'),
            stat('items_processed', 'Items processed', totals.items_processed, 'integer'),
            stat('success_rate_percent', 'Success rate', totals.success_rate_percent, 'percent'),
            stat('duration_median_s', 'Median duration', totals.duration_median_s, 'duration'),
            stat('duration_p95_s', 'p95 duration', totals.duration_p95_s, 'duration'),
          ],
        },
      ],
    },
    { heading: 'By robot', blocks: byRobot },
    {
      heading: 'By task',
      blocks: [
        withOrder(
          table(
            'by_task',
            null,
            [
              col('task', 'Task', 'text', { wrap: true }),
              ...counts,
              col('success_rate_percent', 'Success (%)', 'percent'),
              col('duration_median_s', 'Median duration', 'duration'),
            ],
            by_task.map((t) => [
              t.task,
              t.started,
              t.completed,
              t.failed,
              t.cancelled,
              t.success_rate_percent,
              t.duration_median_s,
            ]),
            'No job in this period.',
          ),
          'started',
          'desc',
        ),
      ],
    },
    {
      heading: 'Longest jobs',
      blocks: [
        table(
          'longest',
          null,
          [
            col('job_id', 'Job', 'id'),
            ROBOT,
            col('task', 'Task', 'text', { wrap: true }),
            col('status', 'Status', 'text'),
            col('start_time', 'Started', 'time'),
            col('duration_s', 'Duration', 'duration'),
            col('items_done', 'Items', 'integer'),
          ],
          longest.map((j) => [j.job_id, j.robot_id, j.task, j.status, j.start_time, j.duration_s, j.items_done]),
          'No job finished in this period.',
        ),
      ],
    },
    {
      heading: 'Failures',
      blocks: [
        table(
          'failures',
          null,
          [
            col('job_id', 'Job', 'id'),
            ROBOT,
            col('task', 'Task', 'text'),
            col('start_time', 'Started', 'time'),
            col('reason', 'Reason', 'text', { wrap: true, nullText: 'not given' }),
          ],
          failures.map((f) => [f.job_id, f.robot_id, f.task, f.start_time, f.reason]),
          'No job failed in this period.',
        ),
      ],
    },
  ];
}

export function missionSections(doc: ReportOf<'mission'>): Section[] {
  const { totals, missions, by_type } = doc.sections;
  const reachedPercent = totals.waypoints ? (totals.waypoints_reached / totals.waypoints) * 100 : null;
  const statusBlocks: Block[] = [];
  if (totals.by_status.length) {
    statusBlocks.push({
      kind: 'bar-chart',
      title: 'Missions by status',
      unit: 'missions',
      categories: totals.by_status.map((s) => s.status),
      series: [{ name: 'missions', values: totals.by_status.map((s) => s.count) }],
    });
  }
  statusBlocks.push(
    table(
      'by_status',
      null,
      [col('status', 'Status', 'text'), col('count', 'Missions', 'integer')],
      totals.by_status.map((s) => [s.status, s.count]),
      'No mission in this period.',
    ),
  );
  return [
    {
      heading: 'Totals',
      blocks: [
        {
          kind: 'stats',
          name: 'totals',
          items: [
            stat('missions', 'Missions', totals.missions, 'integer'),
            stat('waypoints', 'Waypoints', totals.waypoints, 'integer'),
            stat('waypoints_reached', 'Waypoints reached', totals.waypoints_reached, 'integer'),
            stat('waypoints_reached_percent', 'Reached', reachedPercent, 'percent'),
            stat('duration_median_s', 'Median duration', totals.duration_median_s, 'duration'),
            stat('duration_p95_s', 'p95 duration', totals.duration_p95_s, 'duration'),
          ],
        },
      ],
    },
    { heading: 'By status', blocks: statusBlocks },
    {
      heading: 'By type',
      blocks: [
        withOrder(
          table(
            'by_type',
            null,
            [
              col('mission_type', 'Type', 'text'),
              col('count', 'Missions', 'integer'),
              col('completed', 'Completed', 'integer'),
              col('failed', 'Failed', 'integer'),
            ],
            by_type.map((t) => [t.mission_type, t.count, t.completed, t.failed]),
            'No mission in this period.',
          ),
          'count',
          'desc',
        ),
      ],
    },
    {
      heading: 'Missions',
      blocks: [
        table(
          'missions',
          null,
          [
            col('mission_id', 'Mission', 'text', { csvOnly: true }),
            col('name', 'Name', 'text', { wrap: true }),
            col('mission_type', 'Type', 'text'),
            col('robot_id', 'Robot', 'text', { nullText: 'none' }),
            col('status', 'Status', 'text'),
            col('started_at', 'Started', 'time', { nullText: 'not started' }),
            col('duration_s', 'Duration', 'duration'),
            col('estimated_duration_s', 'Estimated', 'duration'),
            col('waypoints_reached', 'Reached', 'integer'),
            col('waypoints', 'Waypoints', 'integer'),
            col('failure_reason', 'Failure reason', 'text', { wrap: true, nullText: '' }),
          ],
          missions.map((m) => [
            m.mission_id,
            m.name,
            m.mission_type,
            m.robot_id,
            m.status,
            m.started_at,
            m.duration_s,
            m.estimated_duration_s,
            m.waypoints_reached,
            m.waypoints,
            m.failure_reason,
          ]),
          'No mission in this period.',
        ),
      ],
    },
  ];
}
