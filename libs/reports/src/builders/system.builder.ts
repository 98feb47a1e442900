import type { ReportFinding, ReportOf } from '@fleet/contracts';
import type { ConnectionEventRow } from '@fleet/database';
import { formatDuration, formatList, formatNumber, plural } from '../format';
import { percentOf, roundOrNull } from '../stats';
import { chartBucketMs, type BuildContext, type Built } from './build-context';

type Sections = ReportOf<'system'>['sections'];
type Incident = Sections['incidents'][number];

const HOUR_MS = 3_600_000;

/** Availability below these is a finding. */
const AVAILABILITY_WARNING_PERCENT = 99;
const AVAILABILITY_CRITICAL_PERCENT = 90;

/** One robot's time online and offline over a period, from its connection events (pure). */
export interface RobotAvailability {
  onlineMs: number;
  offlineMs: number;
  unknownMs: number;
  incidents: Incident[];
  /** The intervals it was online, for the timeline. */
  online: { from: number; to: number }[];
}

/**
 * Replays a robot's connection events (its last one before the period first, then the period's, oldest first):
 * `connected` makes it online; `disconnected` and `timeout` offline. Before the first event it is unknown. A
 * silence is dated from the robot's last message (`details.last_seen` of the timeout), not from when it was noticed;
 * back-to-back offline events are one incident.
 */
export function availability(
  robotId: string,
  events: readonly ConnectionEventRow[],
  period: { from: number; to: number },
): RobotAvailability {
  const result: RobotAvailability = { onlineMs: 0, offlineMs: 0, unknownMs: 0, incidents: [], online: [] };
  let state = 'unknown' as 'unknown' | 'online' | 'offline';
  let since = period.from;
  let incident: Incident | null = null;
  const move = (to: number, next: typeof state) => {
    const at = Math.min(Math.max(to, period.from), period.to);
    if (at > since) {
      const span = at - since;
      if (state === 'online') {
        result.onlineMs += span;
        result.online.push({ from: since, to: at });
      } else if (state === 'offline') result.offlineMs += span;
      else result.unknownMs += span;
      since = at;
    }
    state = next;
  };
  for (const e of events) {
    const at = e.timestamp.getTime();
    if (e.event === 'connected') {
      if (incident && at >= period.from) {
        incident.end = new Date(Math.min(at, period.to)).toISOString();
        incident.duration_s = (Math.min(at, period.to) - Date.parse(incident.start)) / 1000;
      }
      incident = null;
      move(at, 'online');
      continue;
    }
    if (state === 'offline') continue;
    const lastSeen = typeof e.details?.last_seen === 'string' ? Date.parse(e.details.last_seen) : NaN;
    // The silence began at the robot's last message, though never before the state it interrupts began.
    const start = e.event === 'timeout' && Number.isFinite(lastSeen) ? Math.max(lastSeen, Math.min(since, at)) : at;
    move(start, 'offline');
    if (start < period.to && start >= period.from) {
      incident = {
        robot_id: robotId,
        start: new Date(start).toISOString(),
        end: null,
        duration_s: 0,
        cause: e.event === 'timeout' ? 'timeout' : 'disconnected',
      };
      result.incidents.push(incident);
    }
  }
  move(period.to, state);
  for (const i of result.incidents) if (i.end === null) i.duration_s = (period.to - Date.parse(i.start)) / 1000;
  return result;
}

/** Availability per robot, offline incidents, alerts and the time to handle them, commands, dead letters. */
export async function buildSystem(ctx: BuildContext): Promise<Built<Sections>> {
  ctx.progress('system', 0, 1);
  const period = { from: ctx.scope.from.getTime(), to: ctx.scope.to.getTime() };
  const [events, alertCounts, alertTimes, commands, deadLetters] = await Promise.all([
    ctx.data.connectionEvents({ ...ctx.scope, robotIds: ctx.robots }),
    ctx.data.alertCounts(ctx.scope),
    ctx.data.alertTimes(ctx.scope),
    ctx.data.commandCounts(ctx.scope),
    ctx.data.deadLetters(ctx.scope),
  ]);
  const eventsOf = new Map<string, ConnectionEventRow[]>();
  for (const e of events) eventsOf.set(e.robot_id, [...(eventsOf.get(e.robot_id) ?? []), e]);

  const rows: Sections['availability'] = [];
  const incidents: Incident[] = [];
  const onlineOf = new Map<string, RobotAvailability['online']>();
  for (const robotId of ctx.robots) {
    const a = availability(robotId, eventsOf.get(robotId) ?? [], period);
    onlineOf.set(robotId, a.online);
    incidents.push(...a.incidents);
    rows.push({
      robot_id: robotId,
      online_s: a.onlineMs / 1000,
      offline_s: a.offlineMs / 1000,
      unknown_s: a.unknownMs / 1000,
      availability_percent: roundOrNull(percentOf(a.onlineMs, a.onlineMs + a.offlineMs), 2),
      incidents: a.incidents.length,
    });
  }
  incidents.sort((a, b) => a.start.localeCompare(b.start) || a.robot_id.localeCompare(b.robot_id));

  const span = period.to - period.from;
  const bucketMs = span <= 7 * 24 * HOUR_MS ? chartBucketMs(span, 60_000) : 24 * HOUR_MS;
  const points: Sections['timeline']['points'] = [];
  for (let t = Math.floor(period.from / bucketMs) * bucketMs; t < period.to; t += bucketMs) {
    const from = Math.max(t, period.from);
    const to = Math.min(t + bucketMs, period.to);
    let online = 0;
    for (const intervals of onlineOf.values())
      for (const i of intervals) online += Math.max(0, Math.min(i.to, to) - Math.max(i.from, from));
    points.push({ time: new Date(t).toISOString(), values: [roundOrNull(online / (to - from), 2)] });
  }

  const byStatus = new Map<string, number>();
  const byType = new Map<string, { count: number; completed: number }>();
  for (const c of commands) {
    byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
    const t = byType.get(c.type) ?? { count: 0, completed: 0 };
    t.count += c.count;
    if (c.status === 'completed') t.completed += c.count;
    byType.set(c.type, t);
  }
  const sections: Sections = {
    availability: rows,
    incidents,
    alerts: {
      total: alertCounts.reduce((n, a) => n + a.count, 0),
      by_type: alertCounts,
      acknowledge_median_s: roundOrNull(alertTimes.ack_median, 1),
      acknowledge_p95_s: roundOrNull(alertTimes.ack_p95, 1),
      resolve_median_s: roundOrNull(alertTimes.resolve_median, 1),
      resolve_p95_s: roundOrNull(alertTimes.resolve_p95, 1),
    },
    commands: {
      total: commands.reduce((n, c) => n + c.count, 0),
      by_status: [...byStatus.entries()]
        .map(([status, count]) => ({ status, count }))
        .sort((a, b) => b.count - a.count),
      by_type: [...byType.entries()].map(([type, t]) => ({ type, ...t })).sort((a, b) => b.count - a.count),
      emergency_stops: byType.get('emergency_stop')?.count ?? 0,
    },
    dead_letters: { total: deadLetters.reduce((n, d) => n + d.count, 0), by_reason: deadLetters },
    timeline: { bucket_s: bucketMs / 1000, unit: 'robots', series: ['robots online'], points },
  };
  const withData = rows.filter((r) => r.unknown_s * 1000 < span).map((r) => r.robot_id);
  return { sections, withData, findings: systemFindings(sections), readsTelemetry: false };
}

/** The rules of a system report (pure). */
export function systemFindings(sections: Sections): ReportFinding[] {
  const findings: ReportFinding[] = [];
  for (const r of sections.availability) {
    const pct = r.availability_percent;
    if (pct === null || r.incidents === 0 || pct >= AVAILABILITY_WARNING_PERCENT) continue;
    const longest = sections.incidents
      .filter((i) => i.robot_id === r.robot_id)
      .reduce((a, b) => (b.duration_s > a.duration_s ? b : a));
    findings.push({
      rule: 'availability',
      severity: pct < AVAILABILITY_CRITICAL_PERCENT ? 'critical' : 'warning',
      robot_id: r.robot_id,
      subject: null,
      text:
        `${r.robot_id} was offline ${plural(r.incidents, 'time')} for ${formatDuration(r.offline_s)} in all ` +
        `(availability ${formatNumber(pct, 2)}%); the longest lasted ${formatDuration(longest.duration_s)}`,
      evidence: {
        availability_percent: pct,
        offline_s: r.offline_s,
        incidents: r.incidents,
        longest_s: longest.duration_s,
        longest_start: longest.start,
      },
    });
  }
  const open = sections.alerts.by_type.reduce((n, a) => n + a.open, 0);
  if (open > 0) {
    findings.push({
      rule: 'alerts_open',
      severity: 'warning',
      robot_id: null,
      subject: null,
      text: `${plural(open, 'alert')} raised in the period ${open === 1 ? 'is' : 'are'} still open`,
      evidence: { open },
    });
  }
  const ack = sections.alerts.acknowledge_median_s;
  if (ack !== null && ack > 3_600) {
    findings.push({
      rule: 'slow_acknowledgement',
      severity: 'warning',
      robot_id: null,
      subject: null,
      text: `alerts waited ${formatDuration(ack)} for an acknowledgement (median)`,
      evidence: { acknowledge_median_s: ack, acknowledge_p95_s: sections.alerts.acknowledge_p95_s },
    });
  }
  if (sections.commands.emergency_stops > 0) {
    findings.push({
      rule: 'emergency_stops',
      severity: 'warning',
      robot_id: null,
      subject: null,
      text: `${plural(sections.commands.emergency_stops, 'emergency stop')} ${sections.commands.emergency_stops === 1 ? 'was' : 'were'} sent`,
      evidence: { emergency_stops: sections.commands.emergency_stops },
    });
  }
  const unanswered = sections.commands.by_status
    .filter((s) => s.status === 'timed_out' || s.status === 'failed')
    .reduce((n, s) => n + s.count, 0);
  if (unanswered > 0 && sections.commands.total > 0) {
    findings.push({
      rule: 'commands_unanswered',
      severity: unanswered / sections.commands.total >= 0.1 ? 'warning' : 'info',
      robot_id: null,
      subject: null,
      text: `${unanswered} of ${plural(sections.commands.total, 'command')} failed or timed out`,
      evidence: { failed_or_timed_out: unanswered, total: sections.commands.total },
    });
  }
  const dead = sections.dead_letters;
  if (dead.total > 0) {
    const top = dead.by_reason.slice(0, 3).map((d) => `${d.reason} (${d.count})`);
    findings.push({
      rule: 'dead_letters',
      severity: 'info',
      robot_id: null,
      subject: null,
      text: `${plural(dead.total, 'message')} from robots ${dead.total === 1 ? 'was' : 'were'} rejected: ${formatList(top, 3)}`,
      evidence: { total: dead.total, top_reason: dead.by_reason[0]?.reason ?? null },
    });
  }
  return findings;
}
