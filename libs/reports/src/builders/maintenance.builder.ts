import type { ReportFinding, ReportOf } from '@fleet/contracts';
import { parseSeriesKey, type SeriesSummary, type TimelineBucket } from '@fleet/telemetry';
import { formatDuration, formatNumber, formatRatio, plural } from '../format';
import { median, round } from '../stats';
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
import { silentRobots } from './performance.builder';

type Sections = ReportOf<'maintenance'>['sections'];
type Servo = Sections['servos'][number];

/** How much each piece of evidence weighs in the attention ranking. */
const WEIGHT = {
  criticalMinute: 3,
  warningMinute: 1,
  lowVoltageMinute: 1,
  criticalAlert: 20,
  warningAlert: 5,
} as const;

/** The name alerts give a servo (`servo_3`), from its series' tags. */
export function servoKey(tags: Readonly<Record<string, string>>): string {
  const id = tags.servo_id;
  return id !== undefined && /^\d+$/.test(id) ? `servo_${id}` : (tags.servo_name ?? 'servo');
}

/**
 * Per servo, its temperature and voltage (mean, extremes, time past the warning and critical thresholds) and the
 * alerts raised for it; the servos that need attention, ranked, with the evidence for each.
 */
export async function buildMaintenance(ctx: BuildContext): Promise<Built<Sections>> {
  const range = telemetryRange(ctx);
  const conditions = [
    ...ctx.thresholds.conditions(ctx.robots, 'servo_temp', 'temperature'),
    ...ctx.thresholds.conditions(ctx.robots, 'servo_voltage', 'voltage'),
  ];
  ctx.progress('maintenance: servos, their alerts and the timeline', 0, 1);
  const bucketMs = chartBucketMs(range.to - range.from, ctx.plan.unitMs);
  const [summaries, alerts, timeline] = await Promise.all([
    ctx.reader.summarize(
      { measurement: 'servo_data', fields: ['temperature', 'voltage'], ...range },
      ctx.plan,
      conditions,
    ),
    ctx.data.alertsBySource(ctx.scope, 'servo'),
    ctx.reader.timeline({ measurement: 'servo_data', fields: ['temperature'], ...range }, ctx.plan, bucketMs),
  ]);

  const servos = new Map<string, Servo>();
  const servoOf = (s: SeriesSummary): Servo => {
    const servo = servoKey(s.tags);
    const key = `${s.robotId}\0${servo}`;
    let row = servos.get(key);
    if (!row) {
      row = {
        robot_id: s.robotId,
        servo,
        name: s.tags.servo_name ?? null,
        temperature: null,
        voltage: null,
        alerts: { warning: 0, critical: 0 },
      };
      servos.set(key, row);
    }
    return row;
  };
  for (const s of summaries) {
    const row = servoOf(s);
    if (s.field === 'temperature') row.temperature = metricStats(s, ctx.thresholds.for(s.robotId, 'servo_temp'));
    else row.voltage = metricStats(s, ctx.thresholds.for(s.robotId, 'servo_voltage'));
  }
  for (const a of alerts) {
    const row = servos.get(`${a.robot_id}\0${a.source ?? ''}`);
    if (!row) continue;
    if (a.severity === 'critical') row.alerts.critical += a.count;
    else if (a.severity === 'warning') row.alerts.warning += a.count;
  }
  const list = [...servos.values()].sort(
    (a, b) => a.robot_id.localeCompare(b.robot_id) || a.servo.localeCompare(b.servo, 'en', { numeric: true }),
  );
  const hottest = attention(list).slice(0, 3);
  const sections: Sections = {
    servos: list,
    attention: attention(list),
    timeline: chartOf(timeline, bucketMs, '°C', [
      { name: 'hottest servo (°C)', value: (at) => maxOf(at, 'temperature') },
      { name: 'servo mean (°C)', value: (at) => meanOf(at, 'temperature') },
      ...hottest.map((h) => ({
        name: `${h.servo} on ${h.robot_id} (°C)`,
        value: (at: readonly TimelineBucket[]) =>
          meanOf(
            at.filter((b) => b.robotId === h.robot_id && servoKey(parseSeriesKey(b.series)) === h.servo),
            'temperature',
          ),
      })),
    ]),
  };
  const withData = [...new Set(list.map((s) => s.robot_id))];
  return {
    sections,
    withData,
    findings: [...maintenanceFindings(sections), ...silentRobots(ctx.robots, withData, 'servo data')],
    readsTelemetry: true,
  };
}

/** Servos ranked by the weight of their evidence (pure); a critical threshold or alert makes one critical. */
export function attention(servos: readonly Servo[]): Sections['attention'] {
  const ranked = servos.flatMap((s) => {
    const t = s.temperature;
    const v = s.voltage;
    const criticalMin = (t?.past_critical_s ?? 0) / 60;
    const warningMin = (t?.past_warning_s ?? 0) / 60;
    const lowVoltageMin = (v?.past_warning_s ?? 0) / 60;
    const score =
      criticalMin * WEIGHT.criticalMinute +
      warningMin * WEIGHT.warningMinute +
      lowVoltageMin * WEIGHT.lowVoltageMinute +
      s.alerts.critical * WEIGHT.criticalAlert +
      s.alerts.warning * WEIGHT.warningAlert;
    if (score === 0) return [];
    const evidence: string[] = [];
    if (t?.threshold && criticalMin > 0)
      evidence.push(`${formatDuration(criticalMin * 60)} above ${formatNumber(t.threshold.critical)} °C (critical)`);
    if (t?.threshold && warningMin > 0)
      evidence.push(`${formatDuration(warningMin * 60)} above ${formatNumber(t.threshold.warning)} °C (warning)`);
    if (t) evidence.push(`temperature peaked at ${formatNumber(t.max)} °C (mean ${formatNumber(t.mean)} °C)`);
    if (v?.threshold && lowVoltageMin > 0)
      evidence.push(`${formatDuration(lowVoltageMin * 60)} below ${formatNumber(v.threshold.warning)} V`);
    if (s.alerts.critical + s.alerts.warning > 0)
      evidence.push(`${plural(s.alerts.critical, 'critical alert')} and ${plural(s.alerts.warning, 'warning alert')}`);
    const critical = criticalMin > 0 || (v?.past_critical_s ?? 0) > 0 || s.alerts.critical > 0;
    return [
      {
        rank: 0,
        robot_id: s.robot_id,
        servo: s.servo,
        name: s.name,
        urgency: critical ? ('critical' as const) : ('warning' as const),
        score: round(score, 1),
        evidence,
      },
    ];
  });
  // By the weight of the evidence: hours past a threshold outweigh a single critical alert.
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (a.urgency === b.urgency ? 0 : a.urgency === 'critical' ? -1 : 1) ||
      a.robot_id.localeCompare(b.robot_id) ||
      a.servo.localeCompare(b.servo),
  );
  return ranked.map((r, i) => ({ ...r, rank: i + 1 }));
}

/** The rules of a maintenance report (pure): each servo that spent time past a threshold, against the fleet. */
export function maintenanceFindings(sections: Sections): ReportFinding[] {
  const findings: ReportFinding[] = [];
  const warmMinutes = sections.servos.flatMap((s) => {
    const past = s.temperature?.past_warning_s;
    return past === null || past === undefined ? [] : [past / 60];
  });
  const fleetMedian = median(warmMinutes) ?? 0;
  for (const s of sections.servos) {
    const t = s.temperature;
    if (t?.threshold) {
      const criticalS = t.past_critical_s ?? 0;
      const warningS = t.past_warning_s ?? 0;
      const level = criticalS > 0 ? 'critical' : warningS > 0 ? 'warning' : null;
      if (level) {
        const seconds = level === 'critical' ? criticalS : warningS;
        const limit = level === 'critical' ? t.threshold.critical : t.threshold.warning;
        const against =
          fleetMedian > 0
            ? `, ${formatRatio(warningS / 60 / fleetMedian)} the fleet median`
            : warmMinutes.length > 1
              ? ', while most servos never did'
              : '';
        findings.push({
          rule: `servo_temperature_${level}`,
          severity: level,
          robot_id: s.robot_id,
          subject: s.servo,
          text: `${s.servo} on ${s.robot_id} spent ${formatDuration(seconds)} above ${formatNumber(limit)} °C (${level})${against}`,
          evidence: {
            minutes_past: seconds / 60,
            threshold_c: limit,
            max_c: t.max,
            mean_c: t.mean,
            fleet_median_minutes_past_warning: fleetMedian,
          },
        });
      }
    }
    const v = s.voltage;
    if (v?.threshold && (v.past_warning_s ?? 0) > 0) {
      const critical = (v.past_critical_s ?? 0) > 0;
      const seconds = critical ? (v.past_critical_s ?? 0) : (v.past_warning_s ?? 0);
      const limit = critical ? v.threshold.critical : v.threshold.warning;
      findings.push({
        rule: `servo_voltage_${critical ? 'critical' : 'warning'}`,
        severity: critical ? 'critical' : 'warning',
        robot_id: s.robot_id,
        subject: s.servo,
        text: `${s.servo} on ${s.robot_id} ran below ${formatNumber(limit)} V for ${formatDuration(seconds)}, down to ${formatNumber(v.min, 2)} V`,
        evidence: { minutes_past: seconds / 60, threshold_v: limit, min_v: v.min },
      });
    }
  }
  return findings;
}
