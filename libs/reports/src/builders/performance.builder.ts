import type { MetricStats, PerformanceMetric, ReportFinding, ReportOf } from '@fleet/contracts';
import { formatDuration, formatList, formatNumber, formatRatio } from '../format';
import { median } from '../stats';
import {
  chartBucketMs,
  chartOf,
  maxOf,
  meanOf,
  metricStats,
  telemetryRange,
  type BuildContext,
  type Built,
} from './build-context';

type Sections = ReportOf<'performance'>['sections'];

/** Where each metric comes from (`robot_status` fields) and the alert threshold that judges it. */
export const PERFORMANCE_FIELDS: Record<
  PerformanceMetric,
  { fields: string[]; threshold: string; unit: string; label: string }
> = {
  cpu: { fields: ['system_cpu_percent'], threshold: 'cpu', unit: '%', label: 'CPU' },
  memory: { fields: ['system_memory_percent'], threshold: 'memory', unit: '%', label: 'memory' },
  disk: { fields: ['system_disk_usage', 'system_disk_percent'], threshold: 'disk', unit: '%', label: 'disk use' },
  temperature: {
    fields: ['system_temperature', 'system_cpu_temperature'],
    threshold: 'temperature',
    unit: '°C',
    label: 'temperature',
  },
};

const METRICS = Object.keys(PERFORMANCE_FIELDS) as PerformanceMetric[];

/** Time past a threshold worth a finding: a critical one from 5 minutes, a warning one from 30. */
const CRITICAL_FINDING_S = 5 * 60;
const WARNING_FINDING_S = 30 * 60;

/**
 * CPU, memory, disk and temperature per robot from its status reports: mean, 95th percentile, extremes and time past
 * each threshold; the busiest robots; the fleet over time.
 */
export async function buildPerformance(ctx: BuildContext): Promise<Built<Sections>> {
  const range = telemetryRange(ctx);
  const fields = METRICS.flatMap((m) => PERFORMANCE_FIELDS[m].fields);
  const conditions = METRICS.flatMap((m) =>
    PERFORMANCE_FIELDS[m].fields.flatMap((f) =>
      ctx.thresholds.conditions(ctx.robots, PERFORMANCE_FIELDS[m].threshold, f),
    ),
  );
  ctx.progress('performance: summaries and the timeline', 0, 1);
  const bucketMs = chartBucketMs(range.to - range.from, ctx.plan.unitMs);
  const timelineFields = ['system_cpu_percent', 'system_memory_percent', 'system_temperature'];
  const [summaries, timeline] = await Promise.all([
    ctx.reader.summarize({ measurement: 'robot_status', fields, ...range }, ctx.plan, conditions),
    ctx.reader.timeline({ measurement: 'robot_status', fields: timelineFields, ...range }, ctx.plan, bucketMs),
  ]);

  const bySeries = new Map(summaries.filter((s) => s.series === '').map((s) => [`${s.robotId}\0${s.field}`, s]));
  const robots: Sections['robots'] = [];
  for (const robotId of ctx.robots) {
    const metrics = {} as Record<PerformanceMetric, MetricStats | null>;
    for (const metric of METRICS) {
      // The first field the robot reports stands for the metric (robots name their temperature either way).
      const summary = PERFORMANCE_FIELDS[metric].fields
        .map((f) => bySeries.get(`${robotId}\0${f}`))
        .find((s) => s !== undefined);
      metrics[metric] = summary
        ? metricStats(summary, ctx.thresholds.for(robotId, PERFORMANCE_FIELDS[metric].threshold))
        : null;
    }
    if (METRICS.some((m) => metrics[m] !== null)) robots.push({ robot_id: robotId, metrics });
  }

  const busiest = robots
    .filter((r) => r.metrics.cpu !== null)
    .map((r) => ({
      robot_id: r.robot_id,
      cpu_mean: r.metrics.cpu?.mean ?? 0,
      cpu_p95: r.metrics.cpu?.p95 ?? 0,
      memory_mean: r.metrics.memory?.mean ?? null,
    }))
    .sort((a, b) => b.cpu_mean - a.cpu_mean || a.robot_id.localeCompare(b.robot_id))
    .slice(0, 10);

  const sections: Sections = {
    robots,
    busiest,
    timeline: chartOf(timeline, bucketMs, '% / °C', [
      { name: 'CPU, fleet mean (%)', value: (at) => meanOf(at, 'system_cpu_percent') },
      { name: 'CPU, highest robot (%)', value: (at) => maxOf(at, 'system_cpu_percent') },
      { name: 'memory, fleet mean (%)', value: (at) => meanOf(at, 'system_memory_percent') },
      { name: 'temperature, fleet mean (°C)', value: (at) => meanOf(at, 'system_temperature') },
    ]),
  };
  const withData = robots.map((r) => r.robot_id);
  return { sections, withData, findings: performanceFindings(sections, ctx.robots, withData), readsTelemetry: true };
}

/** The rules of a performance report (pure). */
export function performanceFindings(
  sections: Sections,
  covered: readonly string[],
  withData: readonly string[],
): ReportFinding[] {
  const findings: ReportFinding[] = [];
  for (const robot of sections.robots) {
    for (const metric of METRICS) {
      const stats = robot.metrics[metric];
      const t = stats?.threshold;
      if (!stats || !t) continue;
      const { label, unit } = PERFORMANCE_FIELDS[metric];
      const side = t.direction === 'above' ? 'above' : 'below';
      const critical = stats.past_critical_s ?? 0;
      const warning = stats.past_warning_s ?? 0;
      if (critical >= CRITICAL_FINDING_S) {
        findings.push({
          rule: `${metric}_critical`,
          severity: 'critical',
          robot_id: robot.robot_id,
          subject: metric,
          text:
            `${robot.robot_id} ran ${label} ${side} ${formatNumber(t.critical)} ${unit} (critical) for ` +
            `${formatDuration(critical)}, peaking at ${formatNumber(stats.max)} ${unit}`,
          evidence: { past_critical_s: critical, critical: t.critical, max: stats.max, mean: stats.mean },
        });
      } else if (warning >= WARNING_FINDING_S) {
        findings.push({
          rule: `${metric}_warning`,
          severity: 'warning',
          robot_id: robot.robot_id,
          subject: metric,
          text:
            `${robot.robot_id} ran ${label} ${side} ${formatNumber(t.warning)} ${unit} (warning) for ` +
            `${formatDuration(warning)}; its 95th percentile was ${formatNumber(stats.p95)} ${unit}`,
          evidence: { past_warning_s: warning, warning: t.warning, p95: stats.p95, mean: stats.mean },
        });
      }
    }
  }
  const cpuMeans = sections.robots.flatMap((r) => (r.metrics.cpu ? [r.metrics.cpu.mean] : []));
  const fleetMedian = median(cpuMeans);
  const top = sections.busiest[0];
  if (top && fleetMedian !== null && fleetMedian > 0 && cpuMeans.length >= 3 && top.cpu_mean >= 2 * fleetMedian) {
    findings.push({
      rule: 'cpu_busiest',
      severity: 'info',
      robot_id: top.robot_id,
      subject: 'cpu',
      text:
        `${top.robot_id} was the busiest robot: mean CPU ${formatNumber(top.cpu_mean)}%, ` +
        `${formatRatio(top.cpu_mean / fleetMedian)} the fleet median of ${formatNumber(fleetMedian)}%`,
      evidence: { cpu_mean: top.cpu_mean, fleet_median_cpu_mean: fleetMedian },
    });
  }
  findings.push(...silentRobots(covered, withData, 'performance data (status reports)'));
  return findings;
}

/** A finding naming the robots covered that sent none of what the report reads. */
export function silentRobots(covered: readonly string[], withData: readonly string[], what: string): ReportFinding[] {
  const seen = new Set(withData);
  const silent = covered.filter((r) => !seen.has(r));
  if (silent.length === 0) return [];
  return [
    {
      rule: 'no_data',
      severity: silent.length === covered.length ? 'warning' : 'info',
      robot_id: silent.length === 1 ? silent[0] : null,
      subject: null,
      text: `${silent.length} of ${covered.length} robots sent no ${what} in the period: ${formatList(silent)}`,
      evidence: { robots_without_data: silent.length, robots_covered: covered.length },
    },
  ];
}
