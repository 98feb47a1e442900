import { Inject, Injectable } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  NotFoundError,
  REPORT_TIME_RANGES,
  type TonyPiAiStatus,
  type TonyPiReport,
  type TonyPiReportCreate,
  type TonyPiReportExportQuery,
  type TonyPiReportGenerateQuery,
  type TonyPiReportListQuery,
} from '@fleet/contracts';
import { ReportRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { RollupReader } from '@fleet/telemetry';
import { auditedBy, type Actor } from '../http/request-context';
import { ReportsService, type ReportDownload } from '../reporting/reports.service';
import { toTonyPiReport } from './tonypi-reports.mapper';

/** The `robot_status` fields TonyPi's export lists (its robot client's `system_info` keys). */
const EXPORT_FIELDS = [
  'system_cpu_percent',
  'system_memory_percent',
  'system_disk_usage',
  'system_temperature',
  'system_uptime',
];

/** TonyPi's reports routes, on Fleet's reports: its shapes and messages, Fleet's reports behind them. */
@Injectable()
export class TonyPiReports {
  constructor(
    @Inject(ReportsService) private readonly service: ReportsService,
    @Inject(ReportRepository) private readonly reports: ReportRepository,
    @Inject(RollupReader) private readonly rollups: RollupReader,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(query: TonyPiReportListQuery): Promise<TonyPiReport[]> {
    const page = await this.reports.listWithData({
      robotId: query.robot_id,
      types: query.report_type ? [query.report_type] : undefined,
      limit: Math.min(query.limit, 500),
    });
    // The list is filtered on the robot it names, as TonyPi's was: fleet reports are not among a robot's.
    return page.items.filter((r) => !query.robot_id || r.robot_id === query.robot_id).map(toTonyPiReport);
  }

  async create(actor: Actor, input: TonyPiReportCreate): Promise<TonyPiReport> {
    const row = await this.reports.storeGiven(
      {
        title: input.title,
        description: input.description ?? null,
        robotId: input.robot_id ?? null,
        reportType: input.report_type,
        data: input.data ?? null,
      },
      actor.user.username,
      this.clock.now(),
      auditedBy(actor),
    );
    return toTonyPiReport(row);
  }

  /** Asks for the report and waits for it (up to `REPORTS_GENERATE_WAIT_S`), then answers it as it stands. */
  async generate(actor: Actor, query: TonyPiReportGenerateQuery): Promise<TonyPiReport> {
    const queued = await this.service.generate(actor, {
      type: query.report_type,
      robot_id: query.robot_id,
      time_range: query.time_range,
      formats: ['pdf', 'json'],
      summary: false,
    });
    return toTonyPiReport(await this.service.waitFor(queued.id, this.config.reports.generateWaitMs));
  }

  async get(id: number): Promise<TonyPiReport> {
    return toTonyPiReport(await this.found(id));
  }

  async remove(actor: Actor, id: number): Promise<{ message: string }> {
    await this.found(id);
    await this.service.remove(actor, id);
    return { message: `Report ${id} deleted successfully` };
  }

  async pdf(id: number): Promise<ReportDownload> {
    await this.found(id);
    return this.service.download(id, 'pdf');
  }

  aiStatus(): TonyPiAiStatus {
    const status = this.service.aiStatus();
    return { gemini_available: status.available, pdf_available: true, message: status.message };
  }

  /** TonyPi's export of robot status over a range: one row per robot and minute (hour past two days). */
  async export(query: TonyPiReportExportQuery): Promise<Record<string, string | number | null>[]> {
    const to = Math.floor(this.clock.now().getTime() / 60_000) * 60_000;
    const from = to - REPORT_TIME_RANGES[query.time_range];
    const plan = await this.rollups.plan(from, to);
    const buckets = await this.rollups.timeline(
      {
        measurement: 'robot_status',
        fields: EXPORT_FIELDS,
        from,
        to,
        robotIds: query.robot_id ? [query.robot_id] : null,
      },
      plan,
      plan.unitMs,
    );
    const rows = new Map<string, Record<string, string | number | null>>();
    for (const b of buckets) {
      const key = `${b.time}\0${b.robotId}`;
      let row = rows.get(key);
      if (!row) {
        row = { time: new Date(b.time).toISOString(), robot_id: b.robotId };
        for (const f of EXPORT_FIELDS) row[f] = null;
        rows.set(key, row);
      }
      row[b.field] = Math.round(b.mean * 1000) / 1000;
    }
    if (rows.size === 0) throw new TonyPiNotFound('data', 'in the range', 'No data found');
    return [...rows.values()];
  }

  private async found(id: number) {
    const row = await this.reports.find(id);
    if (!row) throw new TonyPiNotFound('report', String(id), `Report ${id} not found`);
    return row;
  }
}

/** A 404 with the words TonyPi answered it with (`Report 5 not found`, `No data found`). */
export class TonyPiNotFound extends NotFoundError {
  constructor(entity: string, key: string, message: string) {
    super(entity, key);
    this.message = message;
  }
}
