import type { ReportFinding, ReportOf } from '@fleet/contracts';
import type { JobGroupStats } from '@fleet/database';
import { formatDuration, formatNumber, formatRatio, plural } from '../format';
import { median, percentOf, roundOrNull } from '../stats';
import { chartBucketMs, type BuildContext, type Built } from './build-context';

type Sections = ReportOf<'job'>['sections'];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A robot's or task's success rate below this, with at least one failure, is a finding. */
const LOW_SUCCESS_PERCENT = 80;
const FLEET_LOW_SUCCESS_PERCENT = 90;

function successRate(g: Pick<JobGroupStats, 'completed' | 'failed' | 'cancelled'>): number | null {
  return roundOrNull(percentOf(g.completed, g.completed + g.failed + g.cancelled), 1);
}

/** Jobs started in the period: outcomes, items, durations, success per robot and per task, the longest. */
export async function buildJob(ctx: BuildContext): Promise<Built<Sections>> {
  ctx.progress('jobs', 0, 1);
  const span = ctx.scope.to.getTime() - ctx.scope.from.getTime();
  const bucketMs = span <= 2 * DAY_MS ? HOUR_MS : span <= 62 * DAY_MS ? DAY_MS : chartBucketMs(span, DAY_MS);
  const [groups, longest, failures, timeline] = await Promise.all([
    ctx.data.jobGroups(ctx.scope),
    ctx.data.longestJobs(ctx.scope, 10),
    ctx.data.failedJobs(ctx.scope, 20),
    ctx.data.jobTimeline(ctx.scope, bucketMs),
  ]);
  const all = groups.find((g) => g.robot_id === null && g.task === null);
  const byRobot = groups.filter((g) => g.robot_id !== null).sort((a, b) => a.robot_id!.localeCompare(b.robot_id!));
  const byTask = groups
    .filter((g) => g.task !== null)
    .sort((a, b) => b.started - a.started || a.task!.localeCompare(b.task!));

  const slots = new Map<number, [number, number, number, number]>();
  for (const t of timeline) {
    const slot = slots.get(t.time) ?? [0, 0, 0, 0];
    const i = t.status === 'completed' ? 0 : t.status === 'failed' ? 1 : t.status === 'cancelled' ? 2 : 3;
    slot[i] += t.count;
    slots.set(t.time, slot);
  }

  const sections: Sections = {
    totals: {
      started: all?.started ?? 0,
      completed: all?.completed ?? 0,
      failed: all?.failed ?? 0,
      cancelled: all?.cancelled ?? 0,
      superseded: all?.superseded ?? 0,
      active: all?.active ?? 0,
      items_processed: all?.items ?? 0,
      success_rate_percent: all ? successRate(all) : null,
      duration_median_s: roundOrNull(all?.duration_median_s, 1),
      duration_p95_s: roundOrNull(all?.duration_p95_s, 1),
    },
    by_robot: byRobot.map((g) => ({
      robot_id: g.robot_id!,
      started: g.started,
      completed: g.completed,
      failed: g.failed,
      cancelled: g.cancelled,
      items_processed: g.items,
      success_rate_percent: successRate(g),
      duration_median_s: roundOrNull(g.duration_median_s, 1),
    })),
    by_task: byTask.map((g) => ({
      task: g.task!,
      started: g.started,
      completed: g.completed,
      failed: g.failed,
      cancelled: g.cancelled,
      success_rate_percent: successRate(g),
      duration_median_s: roundOrNull(g.duration_median_s, 1),
    })),
    longest: longest.map((j) => ({
      job_id: j.id,
      robot_id: j.robot_id,
      task: j.task_name,
      status: j.status,
      start_time: j.start_time.toISOString(),
      duration_s: roundOrNull(j.duration_s, 1) ?? 0,
      items_done: j.items_done,
    })),
    failures: failures.map((j) => ({
      job_id: j.id,
      robot_id: j.robot_id,
      task: j.task_name,
      start_time: j.start_time.toISOString(),
      reason: j.end_reason,
    })),
    timeline: {
      bucket_s: bucketMs / 1000,
      unit: 'jobs',
      series: ['completed', 'failed', 'cancelled', 'other (active, superseded)'],
      points: [...slots.entries()]
        .sort(([a], [b]) => a - b)
        .map(([time, values]) => ({ time: new Date(time).toISOString(), values })),
    },
  };
  const withData = sections.by_robot.map((r) => r.robot_id);
  return { sections, withData, findings: jobFindings(sections), readsTelemetry: false };
}

/** The rules of a job report (pure). */
export function jobFindings(sections: Sections): ReportFinding[] {
  const findings: ReportFinding[] = [];
  const t = sections.totals;
  if (t.started === 0) {
    findings.push({
      rule: 'no_jobs',
      severity: 'info',
      robot_id: null,
      subject: null,
      text: 'No job was started in the period',
      evidence: { started: 0 },
    });
    return findings;
  }
  if (t.success_rate_percent !== null && t.success_rate_percent < FLEET_LOW_SUCCESS_PERCENT && t.failed > 0) {
    findings.push({
      rule: 'fleet_success_rate',
      severity: 'warning',
      robot_id: null,
      subject: null,
      text:
        `${formatNumber(t.success_rate_percent)}% of finished jobs completed: ${plural(t.failed, 'failed job')} ` +
        `and ${plural(t.cancelled, 'cancelled job')} among ${t.completed + t.failed + t.cancelled} finished`,
      evidence: { success_rate_percent: t.success_rate_percent, failed: t.failed, cancelled: t.cancelled },
    });
  }
  for (const r of sections.by_robot) {
    if (r.failed === 0 || r.success_rate_percent === null || r.success_rate_percent >= LOW_SUCCESS_PERCENT) continue;
    const finished = r.completed + r.failed + r.cancelled;
    const reasons = sections.failures.filter((f) => f.robot_id === r.robot_id && f.reason).map((f) => f.reason!);
    findings.push({
      rule: 'robot_job_failures',
      severity: 'warning',
      robot_id: r.robot_id,
      subject: null,
      text:
        `${r.robot_id} failed ${r.failed} of ${plural(finished, 'finished job')} ` +
        `(success rate ${formatNumber(r.success_rate_percent)}%)` +
        (reasons.length > 0 ? `; last reason: ${reasons[0]}` : ''),
      evidence: {
        failed: r.failed,
        finished,
        success_rate_percent: r.success_rate_percent,
        last_reason: reasons[0] ?? null,
      },
    });
  }
  for (const task of sections.by_task) {
    const finished = task.completed + task.failed + task.cancelled;
    if (task.failed < 2 || finished === 0 || task.failed / finished < 0.25) continue;
    findings.push({
      rule: 'task_failures',
      severity: 'warning',
      robot_id: null,
      subject: task.task,
      text: `task ${task.task} failed ${task.failed} times out of ${finished} finished runs`,
      evidence: { failed: task.failed, finished },
    });
  }
  const durations = sections.by_robot.flatMap((r) => (r.duration_median_s === null ? [] : [r.duration_median_s]));
  const typical = t.duration_median_s ?? median(durations);
  const longest = sections.longest[0];
  if (longest && typical !== null && typical > 0 && longest.duration_s >= 3 * typical) {
    findings.push({
      rule: 'long_job',
      severity: 'info',
      robot_id: longest.robot_id,
      subject: longest.task,
      text:
        `job ${longest.job_id} on ${longest.robot_id}${longest.task ? ` (${longest.task})` : ''} took ` +
        `${formatDuration(longest.duration_s)}, ${formatRatio(longest.duration_s / typical)} the median job`,
      evidence: { job_id: longest.job_id, duration_s: longest.duration_s, median_s: typical },
    });
  }
  return findings;
}
