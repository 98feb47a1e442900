import type { ReportFinding, ReportOf } from '@fleet/contracts';
import type { TimelineBucket } from '@fleet/telemetry';
import { formatDuration, formatNumber, formatRatio } from '../format';
import { median, roundOrNull } from '../stats';
import {
  chartBucketMs,
  chartOf,
  meanOf,
  metricStats,
  minOf,
  telemetryRange,
  type BuildContext,
  type Built,
} from './build-context';
import { silentRobots } from './performance.builder';

type Sections = ReportOf<'battery'>['sections'];
type Session = Sections['sessions'][number];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A robot discharging this much faster in the second half of the period than in the first is drifting. */
const DRIFT_RATIO = 1.25;
const DRIFT_MIN_DIFFERENCE_PER_H = 0.5;
/** Each half needs this much time off the charger for its rate to count. */
const DRIFT_MIN_DISCHARGE_MS = HOUR_MS;

/** The width of the steps discharge and charging are followed in: finer for shorter periods. */
export function batteryStepMs(spanMs: number, unitMs: number): number {
  if (unitMs >= HOUR_MS) return unitMs;
  return spanMs <= 6 * HOUR_MS ? MINUTE_MS : 5 * MINUTE_MS;
}

/** What a robot's battery did over the period, step by step (pure). */
export interface BatteryTrack {
  dischargePerH: number | null;
  firstHalfPerH: number | null;
  secondHalfPerH: number | null;
  drifting: boolean;
  sessions: Session[];
  chargingS: number;
}

/**
 * Follows one robot's battery through steps of `stepMs` (its level and charging buckets, oldest first). Off the
 * charger, each pair of consecutive steps adds its drop over its time to the discharge rate; a step where the robot
 * was charging breaks the run. Charging steps next to each other (a gap of one step allowed) make one session.
 */
export function trackBattery(
  level: readonly TimelineBucket[],
  charging: readonly TimelineBucket[],
  stepMs: number,
  period: { from: number; to: number },
): BatteryTrack {
  const charge = new Map(charging.map((b) => [b.time, b.mean]));
  const mid = (period.from + period.to) / 2;
  const halves = [
    { drop: 0, ms: 0 },
    { drop: 0, ms: 0 },
  ];
  let total = { drop: 0, ms: 0 };
  for (let i = 1; i < level.length; i++) {
    const a = level[i - 1];
    const b = level[i];
    if (b.time - a.time !== stepMs) continue;
    if ((charge.get(a.time) ?? 0) > 0 || (charge.get(b.time) ?? 0) > 0) continue;
    const half = halves[a.time < mid ? 0 : 1];
    half.drop += a.mean - b.mean;
    half.ms += stepMs;
    total = { drop: total.drop + a.mean - b.mean, ms: total.ms + stepMs };
  }
  const rate = (h: { drop: number; ms: number }) => (h.ms === 0 ? null : Math.max(0, h.drop) / (h.ms / HOUR_MS));
  const [first, second] = halves.map(rate);
  const drifting =
    halves.every((h) => h.ms >= DRIFT_MIN_DISCHARGE_MS) &&
    first !== null &&
    second !== null &&
    second >= first * DRIFT_RATIO &&
    second - first >= DRIFT_MIN_DIFFERENCE_PER_H;

  const sessions: Session[] = [];
  const byTime = new Map(level.map((b) => [b.time, b]));
  let chargingS = 0;
  let open: { start: number; last: number; from: number; to: number } | null = null;
  const close = () => {
    if (!open) return;
    sessions.push({
      robot_id: '',
      start: new Date(open.start).toISOString(),
      end: new Date(open.last + stepMs).toISOString(),
      duration_s: (open.last + stepMs - open.start) / 1000,
      from_percent: open.from,
      to_percent: open.to,
    });
    open = null;
  };
  for (const b of charging) {
    if (b.mean <= 0) continue;
    chargingS += (b.mean * b.minutes * MINUTE_MS) / 1000;
    const lvl = byTime.get(b.time);
    if (open && b.time - open.last <= 2 * stepMs) {
      open.last = b.time;
      if (lvl) open.to = lvl.max;
    } else {
      close();
      open = { start: b.time, last: b.time, from: lvl?.min ?? NaN, to: lvl?.max ?? NaN };
    }
  }
  close();
  return {
    dischargePerH: rate(total),
    firstHalfPerH: first,
    secondHalfPerH: second,
    drifting,
    sessions: sessions.filter((s) => Number.isFinite(s.from_percent) && Number.isFinite(s.to_percent)),
    chargingS,
  };
}

/** Battery level and voltage per robot, discharge per hour and its drift, charging sessions, time low, low alerts. */
export async function buildBattery(ctx: BuildContext): Promise<Built<Sections>> {
  const range = telemetryRange(ctx);
  const conditions = ctx.robots.flatMap((robotId) => [
    { key: 'below_20', robotId, field: 'percentage', op: 'below' as const, value: 20 },
    { key: 'below_10', robotId, field: 'percentage', op: 'below' as const, value: 10 },
    ...ctx.thresholds.conditions([robotId], 'battery', 'percentage'),
  ]);
  ctx.progress('battery: levels, discharge, charging and alerts', 0, 1);
  const stepMs = batteryStepMs(range.to - range.from, ctx.plan.unitMs);
  const [summaries, steps, alerts] = await Promise.all([
    ctx.reader.summarize(
      { measurement: 'battery_status', fields: ['percentage', 'voltage'], ...range },
      ctx.plan,
      conditions,
    ),
    ctx.reader.timeline(
      { measurement: 'battery_status', fields: ['percentage', 'charging'], ...range },
      ctx.plan,
      stepMs,
    ),
    ctx.data.alertsBySource(ctx.scope, 'battery'),
  ]);

  const stepsOf = new Map<string, { level: TimelineBucket[]; charging: TimelineBucket[] }>();
  for (const b of steps) {
    const entry = stepsOf.get(b.robotId) ?? { level: [], charging: [] };
    (b.field === 'percentage' ? entry.level : entry.charging).push(b);
    stepsOf.set(b.robotId, entry);
  }
  const robots: Sections['robots'] = [];
  const sessions: Session[] = [];
  for (const robotId of ctx.robots) {
    const level = summaries.find((s) => s.robotId === robotId && s.field === 'percentage');
    const voltage = summaries.find((s) => s.robotId === robotId && s.field === 'voltage');
    if (!level && !voltage) continue;
    const robotSteps = stepsOf.get(robotId) ?? { level: [], charging: [] };
    const track = trackBattery(robotSteps.level, robotSteps.charging, stepMs, range);
    sessions.push(...track.sessions.map((s) => ({ ...s, robot_id: robotId })));
    robots.push({
      robot_id: robotId,
      level: level ? metricStats(level, ctx.thresholds.for(robotId, 'battery')) : null,
      voltage: voltage ? metricStats(voltage, null) : null,
      discharge_per_h: roundOrNull(track.dischargePerH, 2),
      discharge_first_half_per_h: roundOrNull(track.firstHalfPerH, 2),
      discharge_second_half_per_h: roundOrNull(track.secondHalfPerH, 2),
      drifting: track.drifting,
      charging_sessions: track.sessions.length,
      charging_s: Math.round(track.chargingS),
      below_20_s: (level?.conditions.below_20 ?? 0) * 60,
      below_10_s: (level?.conditions.below_10 ?? 0) * 60,
      low_battery_alerts: alerts.filter((a) => a.robot_id === robotId).reduce((n, a) => n + a.count, 0),
    });
  }
  const bucketMs = chartBucketMs(range.to - range.from, stepMs);
  const chartSteps =
    bucketMs === stepMs
      ? steps
      : await ctx.reader.timeline(
          { measurement: 'battery_status', fields: ['percentage'], ...range },
          ctx.plan,
          bucketMs,
        );
  const sections: Sections = {
    robots,
    sessions,
    timeline: chartOf(chartSteps, bucketMs, '%', [
      { name: 'fleet mean (%)', value: (at) => meanOf(at, 'percentage') },
      { name: 'lowest robot (%)', value: (at) => minOf(at, 'percentage') },
    ]),
  };
  const withData = robots.map((r) => r.robot_id);
  return {
    sections,
    withData,
    findings: [...batteryFindings(sections), ...silentRobots(ctx.robots, withData, 'battery data')],
    readsTelemetry: true,
  };
}

/** The rules of a battery report (pure). */
export function batteryFindings(sections: Sections): ReportFinding[] {
  const findings: ReportFinding[] = [];
  const rates = sections.robots.flatMap((r) => (r.discharge_per_h === null ? [] : [r.discharge_per_h]));
  const fleetMedian = median(rates);
  for (const r of sections.robots) {
    if (r.below_10_s > 0) {
      findings.push({
        rule: 'battery_below_10',
        severity: 'critical',
        robot_id: r.robot_id,
        subject: 'battery',
        text: `${r.robot_id} ran below 10% battery for ${formatDuration(r.below_10_s)}, down to ${formatNumber(r.level?.min ?? 0)}%`,
        evidence: { below_10_s: r.below_10_s, min_percent: r.level?.min ?? null },
      });
    } else if (r.below_20_s >= 10 * 60) {
      findings.push({
        rule: 'battery_below_20',
        severity: 'warning',
        robot_id: r.robot_id,
        subject: 'battery',
        text: `${r.robot_id} ran below 20% battery for ${formatDuration(r.below_20_s)}`,
        evidence: { below_20_s: r.below_20_s, min_percent: r.level?.min ?? null },
      });
    }
    if (r.drifting && r.discharge_first_half_per_h !== null && r.discharge_second_half_per_h !== null) {
      const first = r.discharge_first_half_per_h;
      const second = r.discharge_second_half_per_h;
      findings.push({
        rule: 'discharge_drift',
        severity: 'warning',
        robot_id: r.robot_id,
        subject: 'battery',
        text:
          `${r.robot_id} drains ${formatNumber(second)} %/h in the second half of the period against ` +
          `${formatNumber(first)} %/h in the first (+${formatNumber(((second - first) / (first || 1)) * 100, 0)}%): ` +
          'check the battery and the load',
        evidence: { first_half_per_h: first, second_half_per_h: second },
      });
    }
    if (
      r.discharge_per_h !== null &&
      fleetMedian !== null &&
      fleetMedian > 0 &&
      rates.length >= 3 &&
      r.discharge_per_h >= 2 * fleetMedian
    ) {
      findings.push({
        rule: 'discharge_fast',
        severity: 'info',
        robot_id: r.robot_id,
        subject: 'battery',
        text:
          `${r.robot_id} drains ${formatNumber(r.discharge_per_h)} %/h off the charger, ` +
          `${formatRatio(r.discharge_per_h / fleetMedian)} the fleet median`,
        evidence: { discharge_per_h: r.discharge_per_h, fleet_median_per_h: fleetMedian },
      });
    }
  }
  return findings;
}
