import type { GeneratedReportType, MetricStats, ReportChart, ReportFinding } from '@fleet/contracts';
import type { ReportDataRepository, ReportScope } from '@fleet/database';
import type { ReadPlan, RollupReader, SeriesSummary, TimelineBucket } from '@fleet/telemetry';
import { round, roundOrNull } from '../stats';
import type { Threshold, ThresholdTable } from '../thresholds';

/** What to report on. */
export interface ReportRequest {
  type: GeneratedReportType;
  /** Null: the whole fleet. */
  robotIds: readonly string[] | null;
  /** Whole minutes; `to` exclusive. */
  from: Date;
  to: Date;
  timeRange: string | null;
  timezone: string;
  title: string | null;
}

/** Progress of a long report, for the CLI: `step` of `total` done. */
export type ProgressListener = (step: string, done: number, total: number) => void;

/** What a builder reads from, and the request it builds for. */
export interface BuildContext {
  request: ReportRequest;
  /** The robots the report covers: those named, or every active robot. */
  robots: readonly string[];
  /** The scope of entity queries (the request's robots; null for the fleet). */
  scope: ReportScope;
  /** Telemetry is read up to here (≤ `request.to`): rollups made from InfluxDB lag the clock by seconds. */
  telemetryTo: number;
  plan: ReadPlan;
  thresholds: ThresholdTable;
  data: ReportDataRepository;
  reader: RollupReader;
  progress: ProgressListener;
}

/** What a builder makes: the type's sections, the robots with data, and the findings its rules made. */
export interface Built<S> {
  sections: S;
  withData: readonly string[];
  findings: ReportFinding[];
  /** Whether telemetry was read (coverage says how far). */
  readsTelemetry: boolean;
}

/** The statistics of a metric from its rollup summary; times past thresholds from minute counts. */
export function metricStats(summary: SeriesSummary, threshold: Threshold | null): MetricStats {
  return {
    mean: round(summary.mean, 3),
    p95: round(summary.p95, 3),
    min: round(summary.min, 3),
    max: round(summary.max, 3),
    samples: summary.count,
    minutes: summary.minutes,
    past_warning_s: threshold ? (summary.conditions.warning ?? 0) * 60 : null,
    past_critical_s: threshold ? (summary.conditions.critical ?? 0) * 60 : null,
    threshold,
  };
}

const NICE_BUCKETS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1_440, 2_880, 10_080].map((m) => m * 60_000);

/** A chart bucket giving at most `points` buckets over the span, a whole number of `unitMs`. */
export function chartBucketMs(spanMs: number, unitMs: number, points = 120): number {
  const wanted = spanMs / points;
  const nice = NICE_BUCKETS_MS.find((b) => b >= wanted && b % unitMs === 0);
  return nice ?? Math.ceil(wanted / unitMs) * unitMs;
}

/**
 * A chart from timeline buckets: one value per bucket and series, each series computed from the buckets of one
 * time (every robot's and series' values of that bucket), null where it has none.
 */
export function chartOf(
  buckets: readonly TimelineBucket[],
  bucketMs: number,
  unit: string,
  series: readonly { name: string; value: (at: readonly TimelineBucket[]) => number | null }[],
): ReportChart {
  const byTime = new Map<number, TimelineBucket[]>();
  for (const b of buckets) {
    const list = byTime.get(b.time);
    if (list) list.push(b);
    else byTime.set(b.time, [b]);
  }
  return {
    bucket_s: Math.round(bucketMs / 1000),
    unit,
    series: series.map((s) => s.name),
    points: [...byTime.entries()]
      .sort(([a], [b]) => a - b)
      .map(([time, at]) => ({
        time: new Date(time).toISOString(),
        values: series.map((s) => roundOrNull(s.value(at), 3)),
      })),
  };
}

/** Mean of the bucket means of one field (over robots and series), or null. */
export function meanOf(at: readonly TimelineBucket[], field: string): number | null {
  const values = at.filter((b) => b.field === field).map((b) => b.mean);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Highest bucket mean of one field, or null. */
export function maxOf(at: readonly TimelineBucket[], field: string): number | null {
  const values = at.filter((b) => b.field === field).map((b) => b.mean);
  return values.length === 0 ? null : Math.max(...values);
}

/** Lowest bucket mean of one field, or null. */
export function minOf(at: readonly TimelineBucket[], field: string): number | null {
  const values = at.filter((b) => b.field === field).map((b) => b.mean);
  return values.length === 0 ? null : Math.min(...values);
}

/** The telemetry part of a query: the robots covered and the period, up to where telemetry is read. */
export function telemetryRange(ctx: BuildContext) {
  return { from: ctx.request.from.getTime(), to: ctx.telemetryTo, robotIds: ctx.robots };
}

/** Findings one rule makes at most; the rest are counted in one more finding, and the tables have them all. */
export const FINDINGS_PER_RULE = 10;

/**
 * Findings, most severe first, then by robot and rule; past {@link FINDINGS_PER_RULE} of one rule, the rest become
 * one finding that counts them, so a month of a large fleet still opens with a page a person reads.
 */
export function sortFindings(findings: ReportFinding[]): ReportFinding[] {
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  const sorted = findings.sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      (a.robot_id ?? '').localeCompare(b.robot_id ?? '') ||
      a.rule.localeCompare(b.rule) ||
      (a.subject ?? '').localeCompare(b.subject ?? ''),
  );
  const kept: ReportFinding[] = [];
  const counts = new Map<string, number>();
  const extra = new Map<string, ReportFinding[]>();
  for (const f of sorted) {
    const same = counts.get(f.rule) ?? 0;
    counts.set(f.rule, same + 1);
    if (same < FINDINGS_PER_RULE) kept.push(f);
    else extra.set(f.rule, [...(extra.get(f.rule) ?? []), f]);
  }
  for (const [rule, rest] of extra) {
    const robots = new Set(rest.flatMap((f) => (f.robot_id ? [f.robot_id] : []))).size;
    const after = kept.map((k) => k.rule).lastIndexOf(rule);
    kept.splice(after + 1, 0, {
      rule,
      severity: rest[0]?.severity ?? 'info',
      robot_id: null,
      subject: null,
      text:
        `and ${rest.length} more like the ${FINDINGS_PER_RULE} above` +
        `${robots > 0 ? `, on ${robots} robot${robots === 1 ? '' : 's'}` : ''}: the tables list them all`,
      evidence: { more: rest.length, robots },
    });
  }
  return kept;
}
