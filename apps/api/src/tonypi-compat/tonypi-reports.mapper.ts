import { reportDocumentSchema, type ReportDocument, type TonyPiReport } from '@fleet/contracts';
import type { ReportRecord } from '@fleet/database';
import { reportFileUrl } from '@fleet/reports';

type Doc = ReportDocument;

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A mean over robots, each weighted by its samples: a fleet figure as TonyPi averaged raw points. */
function weighted(stats: readonly ({ mean: number; samples: number } | null)[]): { mean: number; samples: number } {
  let sum = 0;
  let samples = 0;
  for (const s of stats) {
    if (!s) continue;
    sum += s.mean * s.samples;
    samples += s.samples;
  }
  return { mean: samples === 0 ? 0 : round2(sum / samples), samples };
}

/** The keys TonyPi's dashboard and scripts read in `data`, by report type, from Fleet's document. */
export function tonypiKeys(doc: Doc): Record<string, unknown> {
  const period = doc.period.time_range ?? `${doc.period.from}/${doc.period.to}`;
  switch (doc.type) {
    case 'performance': {
      const robots = doc.sections.robots;
      const cpu = weighted(robots.map((r) => r.metrics.cpu));
      return {
        avg_cpu_percent: cpu.mean,
        avg_memory_percent: weighted(robots.map((r) => r.metrics.memory)).mean,
        avg_temperature: weighted(robots.map((r) => r.metrics.temperature)).mean,
        data_points: cpu.samples,
        period,
      };
    }
    case 'job': {
      const t = doc.sections.totals;
      return {
        start_time: doc.period.from,
        end_time: doc.period.to,
        items_processed: t.items_processed,
        items_total: null,
        percent_complete: t.success_rate_percent ?? 0,
        status: t.active > 0 ? 'in_progress' : 'completed',
        jobs_started: t.started,
        jobs_completed: t.completed,
        jobs_failed: t.failed,
        period,
      };
    }
    case 'maintenance': {
      const urgency = new Map(doc.sections.attention.map((a) => [`${a.robot_id}\0${a.servo}`, a.urgency]));
      const servos: Record<string, unknown> = {};
      for (const s of doc.sections.servos) {
        const name = doc.coverage.robots.length > 1 ? `${s.robot_id}/${s.name ?? s.servo}` : (s.name ?? s.servo);
        servos[name] = {
          id: Number(s.servo.replace(/^servo_/, '')) || s.servo,
          name: s.name ?? s.servo,
          robot_id: s.robot_id,
          temperature: s.temperature?.mean ?? null,
          max_temperature: s.temperature?.max ?? null,
          voltage: s.voltage?.mean ?? null,
          alert_level: urgency.get(`${s.robot_id}\0${s.servo}`) ?? 'normal',
        };
      }
      return {
        servos,
        servo_count: doc.sections.servos.length,
        robot_id: doc.coverage.robots.length === 1 ? doc.coverage.robots[0] : null,
        period,
      };
    }
    case 'battery':
    case 'system':
    case 'mission':
      return { period };
  }
}

/**
 * A stored report in TonyPi's shape. A report Fleet made carries TonyPi's keys for its type, its findings as
 * sentences, the summary as TonyPi's `ai_analysis`, and where Fleet serves the whole document; one stored through
 * `POST /reports` carries its `data` as given.
 */
export function toTonyPiReport(row: ReportRecord): TonyPiReport {
  const parsed = reportDocumentSchema.safeParse(row.data);
  let data: Record<string, unknown> | null;
  if (parsed.success) {
    const doc = parsed.data;
    data = {
      ...tonypiKeys(doc),
      findings: doc.findings.map((f) => f.text),
      ai_analysis: doc.summary ? { status: 'success', analysis: doc.summary.text, model: doc.summary.model } : null,
      fleet_report: {
        id: row.id,
        status: row.status,
        url: `/api/v1/reports/${row.id}`,
        pdf: reportFileUrl(row.id, 'pdf'),
      },
    };
  } else if (row.data && typeof row.data === 'object' && !Array.isArray(row.data)) {
    data = row.data as Record<string, unknown>;
  } else {
    data =
      row.status === 'done'
        ? null
        : { fleet_report: { id: row.id, status: row.status, error: row.error, url: `/api/v1/reports/${row.id}` } };
  }
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    robot_id: row.robot_id,
    report_type: row.report_type,
    created_at: row.created_at.toISOString(),
    data,
    created_by: row.created_by,
  };
}
