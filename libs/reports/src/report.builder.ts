import { Inject, Injectable } from '@nestjs/common';
import { REPORT_SCHEMA_VERSION, type GeneratedReport, type GeneratedReportType } from '@fleet/contracts';
import { AlertThresholdRepository, ReportDataRepository } from '@fleet/database';
import { RollupMaintainer, RollupReader } from '@fleet/telemetry';
import { buildBattery } from './builders/battery.builder';
import {
  sortFindings,
  type BuildContext,
  type Built,
  type ProgressListener,
  type ReportRequest,
} from './builders/build-context';
import { buildJob } from './builders/job.builder';
import { buildMaintenance } from './builders/maintenance.builder';
import { buildMission } from './builders/mission.builder';
import { buildPerformance } from './builders/performance.builder';
import { buildSystem } from './builders/system.builder';
import { ThresholdTable } from './thresholds';

/** Each type's name in titles. */
export const REPORT_TYPE_TITLES: Record<GeneratedReportType, string> = {
  performance: 'Performance',
  job: 'Job',
  maintenance: 'Servo maintenance',
  battery: 'Battery',
  system: 'System health',
  mission: 'Mission',
};

const BUILDERS: {
  [T in GeneratedReportType]: (ctx: BuildContext) => Promise<Built<Extract<GeneratedReport, { type: T }>['sections']>>;
} = {
  performance: buildPerformance,
  job: buildJob,
  maintenance: buildMaintenance,
  battery: buildBattery,
  system: buildSystem,
  mission: buildMission,
};

/** A report's default title: `Servo maintenance report: tonypi_01`, `Battery report: fleet (12 robots)`. */
export function defaultTitle(
  type: GeneratedReportType,
  robotIds: readonly string[] | null,
  covered: number | null,
): string {
  const scope =
    robotIds === null
      ? covered === null
        ? 'fleet'
        : `fleet (${covered} robot${covered === 1 ? '' : 's'})`
      : robotIds.length <= 3
        ? robotIds.join(', ')
        : `${robotIds.length} robots`;
  return `${REPORT_TYPE_TITLES[type]} report: ${scope}`;
}

/**
 * Builds a report's document from Fleet's rollups and entities: what it covers (the robots, those that sent no data,
 * how far telemetry is read, at which resolution), the type's sections, and the findings of the type's rules, most
 * severe first. Deterministic: the same data gives the same document.
 *
 * @example
 * const doc = await builder.build({ type: 'maintenance', robotIds: ['tonypi_01'], from, to, timeRange: '7d',
 *   timezone: 'UTC', title: null }, { now: new Date() });
 */
@Injectable()
export class ReportBuilder {
  constructor(
    @Inject(ReportDataRepository) private readonly data: ReportDataRepository,
    @Inject(RollupReader) private readonly reader: RollupReader,
    @Inject(RollupMaintainer) private readonly rollups: RollupMaintainer,
    @Inject(AlertThresholdRepository) private readonly thresholdRows: AlertThresholdRepository,
  ) {}

  async build(request: ReportRequest, options: { now: Date; progress?: ProgressListener }): Promise<GeneratedReport> {
    const robots = request.robotIds
      ? [...request.robotIds].sort()
      : (await this.data.robots(null)).map((r) => r.robot_id);
    const from = request.from.getTime();
    const to = request.to.getTime();
    let telemetryTo = to;
    if (!this.rollups.minutesLive) {
      const rolled = await this.reader.minuteWatermark();
      telemetryTo = Math.max(from, Math.min(to, rolled ?? from));
    }
    const ctx: BuildContext = {
      request,
      robots,
      scope: { from: request.from, to: request.to, robotIds: request.robotIds },
      telemetryTo,
      plan: await this.reader.plan(from, telemetryTo),
      thresholds: new ThresholdTable(await this.thresholdRows.listAll()),
      data: this.data,
      reader: this.reader,
      progress: options.progress ?? (() => undefined),
    };
    const built = await (BUILDERS[request.type] as (c: BuildContext) => Promise<Built<unknown>>)(ctx);
    ctx.progress('done', 1, 1);
    const seen = new Set(built.withData);
    return {
      schema_version: REPORT_SCHEMA_VERSION,
      type: request.type,
      title: request.title ?? defaultTitle(request.type, request.robotIds, robots.length),
      generated_at: options.now.toISOString(),
      period: {
        from: request.from.toISOString(),
        to: request.to.toISOString(),
        time_range: request.timeRange,
        timezone: request.timezone,
      },
      coverage: {
        scope: request.robotIds === null ? 'fleet' : 'robots',
        robots,
        with_data: robots.filter((r) => seen.has(r)),
        without_data: robots.filter((r) => !seen.has(r)),
        telemetry_until: built.readsTelemetry ? new Date(telemetryTo).toISOString() : null,
        resolution: ctx.plan.resolution === 'minute' ? '1m' : '1h',
      },
      findings: sortFindings(built.findings),
      summary: null,
      sections: built.sections,
    } as GeneratedReport;
  }
}

export type { ProgressListener, ReportRequest };
