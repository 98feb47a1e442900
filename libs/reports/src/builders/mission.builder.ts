import type { ReportFinding, ReportOf } from '@fleet/contracts';
import { formatDuration, formatRatio, plural } from '../format';
import { percentile, roundOrNull } from '../stats';
import type { BuildContext, Built } from './build-context';

type Sections = ReportOf<'mission'>['sections'];

/** Missions started in the period (or created in it, if never started): outcomes, waypoints reached, durations. */
export async function buildMission(ctx: BuildContext): Promise<Built<Sections>> {
  ctx.progress('missions', 0, 1);
  const rows = await ctx.data.missions(ctx.scope);
  const missions: Sections['missions'] = rows.map((m) => ({
    mission_id: m.id,
    name: m.name,
    mission_type: m.mission_type,
    robot_id: m.assigned_robot_id,
    status: m.status,
    started_at: m.started_at?.toISOString() ?? null,
    duration_s: m.actual_duration_s,
    estimated_duration_s: m.estimated_duration_s,
    waypoints: m.waypoints,
    waypoints_reached: m.reached,
    failure_reason: m.failure_reason,
  }));
  const count = (pick: (m: (typeof missions)[number]) => string) => {
    const counts = new Map<string, number>();
    for (const m of missions) counts.set(pick(m), (counts.get(pick(m)) ?? 0) + 1);
    return counts;
  };
  const durations = missions.filter((m) => m.status === 'completed' && m.duration_s !== null).map((m) => m.duration_s!);
  const types = [...count((m) => m.mission_type).keys()].sort();
  const sections: Sections = {
    totals: {
      missions: missions.length,
      by_status: [...count((m) => m.status).entries()]
        .map(([status, n]) => ({ status, count: n }))
        .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status)),
      waypoints: missions.reduce((n, m) => n + m.waypoints, 0),
      waypoints_reached: missions.reduce((n, m) => n + m.waypoints_reached, 0),
      duration_median_s: roundOrNull(percentile(durations, 0.5), 1),
      duration_p95_s: roundOrNull(percentile(durations, 0.95), 1),
    },
    missions,
    by_type: types.map((t) => ({
      mission_type: t,
      count: missions.filter((m) => m.mission_type === t).length,
      completed: missions.filter((m) => m.mission_type === t && m.status === 'completed').length,
      failed: missions.filter((m) => m.mission_type === t && m.status === 'failed').length,
    })),
  };
  const withData = [...new Set(missions.flatMap((m) => (m.robot_id ? [m.robot_id] : [])))].sort();
  return { sections, withData, findings: missionFindings(sections), readsTelemetry: false };
}

/** The rules of a mission report (pure). */
export function missionFindings(sections: Sections): ReportFinding[] {
  const findings: ReportFinding[] = [];
  if (sections.totals.missions === 0) {
    return [
      {
        rule: 'no_missions',
        severity: 'info',
        robot_id: null,
        subject: null,
        text: 'No mission was started in the period',
        evidence: { missions: 0 },
      },
    ];
  }
  for (const m of sections.missions) {
    if (m.status === 'failed') {
      findings.push({
        rule: 'mission_failed',
        severity: 'warning',
        robot_id: m.robot_id,
        subject: m.name,
        text:
          `mission ${m.name}${m.robot_id ? ` on ${m.robot_id}` : ''} failed after reaching ` +
          `${m.waypoints_reached} of ${plural(m.waypoints, 'waypoint')}` +
          (m.failure_reason ? `: ${m.failure_reason}` : ''),
        evidence: { mission_id: m.mission_id, waypoints_reached: m.waypoints_reached, waypoints: m.waypoints },
      });
    }
    if (
      m.status === 'completed' &&
      m.duration_s !== null &&
      m.estimated_duration_s !== null &&
      m.estimated_duration_s > 0 &&
      m.duration_s >= 1.5 * m.estimated_duration_s
    ) {
      findings.push({
        rule: 'mission_overran',
        severity: 'info',
        robot_id: m.robot_id,
        subject: m.name,
        text:
          `mission ${m.name} took ${formatDuration(m.duration_s)}, ` +
          `${formatRatio(m.duration_s / m.estimated_duration_s)} its estimate of ${formatDuration(m.estimated_duration_s)}`,
        evidence: { mission_id: m.mission_id, duration_s: m.duration_s, estimated_duration_s: m.estimated_duration_s },
      });
    }
  }
  return findings;
}
