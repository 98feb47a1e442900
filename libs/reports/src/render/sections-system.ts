import type { ReportOf } from '@fleet/contracts';
import { OUTCOME_COLORS, type Block, type Section } from './report-model';
import { ROBOT, col, stat, table, topBy, withOrder } from './section-helpers';

/** Sections of the system health report: availability, incidents, alerts, commands, dead letters. */

export function systemSections(doc: ReportOf<'system'>): Section[] {
  const { availability, incidents, alerts, commands, dead_letters, timeline } = doc.sections;
  const lowest = topBy(availability, (a) => a.availability_percent, 20, true);
  const availabilityBlocks: Block[] = [];
  if (lowest.length) {
    availabilityBlocks.push({
      kind: 'bar-chart',
      title:
        availability.length > lowest.length
          ? `Availability, the ${lowest.length} least available robots`
          : 'Availability per robot',
      unit: '%',
      categories: lowest.map((a) => a.robot_id),
      series: [{ name: 'online', values: lowest.map((a) => a.availability_percent ?? 0) }],
      max: 100,
      colors: { online: OUTCOME_COLORS.completed ?? '#2e7d32' },
    });
  }
  availabilityBlocks.push(
    withOrder(
      table(
        'availability',
        null,
        [
          ROBOT,
          col('availability_percent', 'Availability (%)', 'percent', { digits: 2 }),
          col('online_s', 'Online', 'duration'),
          col('offline_s', 'Offline', 'duration'),
          col('unknown_s', 'Not yet known', 'duration'),
          col('incidents', 'Incidents', 'integer'),
        ],
        availability.map((a) => [
          a.robot_id,
          a.availability_percent,
          a.online_s,
          a.offline_s,
          a.unknown_s,
          a.incidents,
        ]),
        'No robot in this report.',
      ),
      'availability_percent',
      'asc',
    ),
  );
  const countOf = (type: string, severity?: string) =>
    alerts.by_type
      .filter((a) => a.alert_type === type && (severity === undefined || a.severity === severity))
      .reduce((n, a) => n + a.count, 0);
  // Sensor alerts are typed by sensor name, so there may be many types: the bars show the commonest.
  const allTypes = [...new Set(alerts.by_type.map((a) => a.alert_type))];
  const types = topBy(allTypes, (t) => countOf(t), 15);
  const found = [...new Set(alerts.by_type.map((a) => a.severity))];
  const severities = [
    ...['critical', 'warning', 'info'].filter((s) => found.includes(s)),
    ...found.filter((s) => !['critical', 'warning', 'info'].includes(s)),
  ];
  const alertBlocks: Block[] = [
    {
      kind: 'stats',
      name: 'alerts_summary',
      items: [
        stat('total', 'Alerts', alerts.total, 'integer'),
        stat('acknowledge_median_s', 'Acknowledged, median', alerts.acknowledge_median_s, 'duration'),
        stat('acknowledge_p95_s', 'Acknowledged, p95', alerts.acknowledge_p95_s, 'duration'),
        stat('resolve_median_s', 'Resolved, median', alerts.resolve_median_s, 'duration'),
        stat('resolve_p95_s', 'Resolved, p95', alerts.resolve_p95_s, 'duration'),
      ],
    },
  ];
  if (types.length) {
    alertBlocks.push({
      kind: 'bar-chart',
      title:
        allTypes.length > types.length
          ? `Alerts by severity, the ${types.length} commonest types`
          : 'Alerts by type and severity',
      unit: 'alerts',
      categories: types,
      series: severities.map((s) => ({ name: s, values: types.map((t) => countOf(t, s)) })),
      colors: OUTCOME_COLORS,
    });
  }
  alertBlocks.push(
    withOrder(
      table(
        'alerts_by_type',
        'By type and severity',
        [
          col('alert_type', 'Type', 'text'),
          col('severity', 'Severity', 'text'),
          col('count', 'Alerts', 'integer'),
          col('open', 'Still open', 'integer'),
        ],
        alerts.by_type.map((a) => [a.alert_type, a.severity, a.count, a.open]),
        'No alert in this period.',
      ),
      'count',
      'desc',
    ),
  );
  return [
    { heading: 'Availability', blocks: availabilityBlocks },
    {
      heading: 'Incidents',
      blocks: [
        table(
          'incidents',
          null,
          [
            ROBOT,
            col('start', 'Start', 'time'),
            col('end', 'End', 'time', { nullText: 'still offline' }),
            col('duration_s', 'Duration', 'duration'),
            col('cause', 'Cause', 'text'),
          ],
          incidents.map((i) => [i.robot_id, i.start, i.end, i.duration_s, i.cause]),
          'No robot went offline in this period.',
        ),
      ],
    },
    { heading: 'Alerts', blocks: alertBlocks },
    {
      heading: 'Commands',
      blocks: [
        {
          kind: 'stats',
          name: 'commands_summary',
          items: [
            stat('total', 'Commands', commands.total, 'integer'),
            stat('emergency_stops', 'Emergency stops', commands.emergency_stops, 'integer'),
          ],
        },
        withOrder(
          table(
            'commands_by_status',
            'By status',
            [col('status', 'Status', 'text'), col('count', 'Commands', 'integer')],
            commands.by_status.map((c) => [c.status, c.count]),
            'No command in this period.',
          ),
          'count',
          'desc',
        ),
        withOrder(
          table(
            'commands_by_type',
            'By type',
            [
              col('type', 'Type', 'text'),
              col('count', 'Commands', 'integer'),
              col('completed', 'Completed', 'integer'),
            ],
            commands.by_type.map((c) => [c.type, c.count, c.completed]),
            'No command in this period.',
          ),
          'count',
          'desc',
        ),
      ],
    },
    {
      heading: 'Dead letters',
      blocks: [
        {
          kind: 'stats',
          name: 'dead_letters_summary',
          items: [stat('total', 'Messages refused', dead_letters.total, 'integer')],
        },
        withOrder(
          table(
            'dead_letters_by_reason',
            null,
            [col('reason', 'Reason', 'text', { wrap: true }), col('count', 'Messages', 'integer')],
            dead_letters.by_reason.map((d) => [d.reason, d.count]),
            'No message was refused in this period.',
          ),
          'count',
          'desc',
        ),
      ],
    },
    {
      heading: 'Robots online over time',
      blocks: [{ kind: 'time-chart', name: 'timeline', title: 'Robots online', chart: timeline, mode: 'lines' }],
    },
  ];
}
