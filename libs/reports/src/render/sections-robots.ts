import type { PerformanceMetric, ReportOf } from '@fleet/contracts';
import type { BarChartBlock, Section } from './report-model';
import { ROBOT, col, statColumns, statValues, table, thresholdNote } from './section-helpers';

/** Sections of the reports about robots' health: performance, servos (maintenance), battery. */

const METRIC_LABELS: Record<PerformanceMetric, { heading: string; unit: string }> = {
  cpu: { heading: 'CPU per robot', unit: '%' },
  memory: { heading: 'Memory per robot', unit: '%' },
  disk: { heading: 'Disk per robot', unit: '%' },
  temperature: { heading: 'Temperature per robot', unit: '°C' },
};

export function performanceSections(doc: ReportOf<'performance'>): Section[] {
  const { robots, busiest, timeline } = doc.sections;
  const busiestBars: BarChartBlock = {
    kind: 'bar-chart',
    title: 'Mean CPU of the busiest robots',
    unit: '%',
    categories: busiest.map((b) => b.robot_id),
    series: [{ name: 'CPU mean', values: busiest.map((b) => b.cpu_mean) }],
    max: 100,
  };
  const busiestTable = table(
    'busiest',
    null,
    [
      ROBOT,
      col('cpu_mean', 'CPU mean (%)', 'number'),
      col('cpu_p95', 'CPU p95 (%)', 'number'),
      col('memory_mean', 'Memory mean (%)', 'number'),
    ],
    busiest.map((b) => [b.robot_id, b.cpu_mean, b.cpu_p95, b.memory_mean]),
    'No robot reported CPU in this period.',
  );
  const sections: Section[] = [
    {
      heading: 'Performance over time',
      blocks: [
        {
          kind: 'time-chart',
          name: 'timeline',
          title: 'Fleet mean and highest robot mean',
          chart: timeline,
          mode: 'lines',
        },
      ],
    },
    { heading: 'Busiest robots', blocks: busiest.length ? [busiestBars, busiestTable] : [busiestTable] },
  ];
  for (const metric of ['cpu', 'memory', 'disk', 'temperature'] as const) {
    const { heading, unit } = METRIC_LABELS[metric];
    const stats = robots.map((r) => r.metrics[metric]);
    const t = table(
      metric,
      null,
      [ROBOT, ...statColumns('', '', unit, ['mean', 'p95', 'max', 'past_warning_s', 'past_critical_s'])],
      robots.map((r) => [r.robot_id, ...statValues(r.metrics[metric])]),
      'No robot in this report.',
    );
    t.pdfOrder = { key: 'mean', direction: 'desc' };
    const note = thresholdNote(stats, unit);
    if (note) t.note = note;
    sections.push({ heading, blocks: [t] });
  }
  return sections;
}

export function maintenanceSections(doc: ReportOf<'maintenance'>): Section[] {
  const { servos, attention, timeline } = doc.sections;
  const servoLabel = (robot: string, servo: string, name: string | null) =>
    `${robot} · ${servo}${name ? ` (${name})` : ''}`;
  const attentionTable = table(
    'attention',
    null,
    [
      col('rank', 'Rank', 'integer'),
      ROBOT,
      col('servo', 'Servo', 'text'),
      col('name', 'Name', 'text'),
      col('urgency', 'Urgency', 'text'),
      col('score', 'Score', 'number', { digits: 2 }),
      col('evidence', 'Evidence', 'text', { wrap: true }),
    ],
    attention.map((a) => [a.rank, a.robot_id, a.servo, a.name, a.urgency, a.score, a.evidence.join('; ')]),
    'No servo needs attention.',
  );
  const temp = statColumns('temperature', 'Temp.', '°C', ['mean', 'max', 'past_warning_s', 'past_critical_s']);
  const volt = statColumns('voltage', 'Voltage', 'V', ['mean', 'min']);
  for (const c of volt) if (c.kind === 'number') c.digits = 2;
  const servoTable = table(
    'servos',
    null,
    [
      ROBOT,
      col('servo', 'Servo', 'text'),
      col('name', 'Name', 'text'),
      ...temp,
      ...volt,
      col('alerts_warning', 'Warning alerts', 'integer'),
      col('alerts_critical', 'Critical alerts', 'integer'),
    ],
    servos.map((s) => [
      s.robot_id,
      s.servo,
      s.name,
      ...statValues(s.temperature),
      ...statValues(s.voltage),
      s.alerts.warning,
      s.alerts.critical,
    ]),
    'No servo reported in this period.',
  );
  servoTable.pdfOrder = { key: 'temperature_max', direction: 'desc' };
  return [
    {
      heading: 'Servos needing attention',
      blocks: [
        {
          kind: 'attention',
          items: attention.map((a) => ({
            rank: a.rank,
            heading: servoLabel(a.robot_id, a.servo, a.name),
            urgency: a.urgency,
            score: a.score,
            evidence: a.evidence,
          })),
          table: attentionTable,
        },
      ],
    },
    {
      heading: 'Servo temperature over time',
      blocks: [
        { kind: 'time-chart', name: 'timeline', title: 'Hottest servo per robot', chart: timeline, mode: 'lines' },
      ],
    },
    { heading: 'Servos', blocks: [servoTable] },
  ];
}

export function batterySections(doc: ReportOf<'battery'>): Section[] {
  const { robots, sessions, timeline } = doc.sections;
  const level = statColumns('level', 'Level', '%', ['mean', 'min']);
  const voltage = statColumns('voltage', 'Voltage', 'V', []);
  const robotTable = table(
    'robots',
    null,
    [
      ROBOT,
      ...level,
      ...voltage,
      col('discharge_per_h', 'Loss (%/h)', 'number'),
      col('discharge_first_half_per_h', '1st half (%/h)', 'number'),
      col('discharge_second_half_per_h', '2nd half (%/h)', 'number'),
      col('drifting', 'Drifting', 'flag'),
      col('charging_sessions', 'Charges', 'integer'),
      col('charging_s', 'Charging', 'duration', { csvOnly: true }),
      col('below_20_s', 'Below 20%', 'duration'),
      col('below_10_s', 'Below 10%', 'duration'),
      col('low_battery_alerts', 'Low alerts', 'integer'),
    ],
    robots.map((r) => [
      r.robot_id,
      ...statValues(r.level),
      ...statValues(r.voltage),
      r.discharge_per_h,
      r.discharge_first_half_per_h,
      r.discharge_second_half_per_h,
      r.drifting,
      r.charging_sessions,
      r.charging_s,
      r.below_20_s,
      r.below_10_s,
      r.low_battery_alerts,
    ]),
    'No robot in this report.',
  );
  robotTable.pdfOrder = { key: 'level_min', direction: 'asc' };
  return [
    {
      heading: 'Battery level over time',
      blocks: [
        {
          kind: 'time-chart',
          name: 'timeline',
          title: 'Fleet mean and lowest robot mean',
          chart: timeline,
          mode: 'lines',
        },
      ],
    },
    { heading: 'Battery per robot', blocks: [robotTable] },
    {
      heading: 'Charging sessions',
      blocks: [
        table(
          'sessions',
          null,
          [
            ROBOT,
            col('start', 'Start', 'time'),
            col('end', 'End', 'time'),
            col('duration_s', 'Duration', 'duration'),
            col('from_percent', 'From (%)', 'percent', { digits: 0 }),
            col('to_percent', 'To (%)', 'percent', { digits: 0 }),
          ],
          sessions.map((s) => [s.robot_id, s.start, s.end, s.duration_s, s.from_percent, s.to_percent]),
          'No robot charged in this period.',
        ),
      ],
    },
  ];
}
