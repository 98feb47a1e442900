import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  REPORT_REQUEST_STREAM,
  REPORT_STREAM,
  reportDocumentSchema,
  type Page,
  type ReportDetail,
  type ReportFormat,
  type ReportGenerate,
  type ReportListQuery,
  type ReportView,
} from '@fleet/contracts';
import { ReportRepository, RobotRepository, type ReportRecord, type ReportRow } from '@fleet/database';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import {
  defaultTitle,
  REPORT_SUMMARIZER,
  ReportFileStore,
  renderFormat,
  reportEvent,
  reportView,
  resolvePeriod,
  type ReportSummarizer,
  type SummarizerStatus,
} from '@fleet/reports';
import { auditedBy, type Actor } from '../http/request-context';

/** A file to send: its bytes as a stream, its type and a file name for `Content-Disposition`. */
export interface ReportDownload {
  stream: Readable;
  contentType: string;
  filename: string;
  bytes: number | null;
}

const CONTENT_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** How often a bounded wait for a report looks at it. */
const WAIT_STEP_MS = 200;

/**
 * Reports as the API serves them: listed and read from `reports`, asked for (stored as `queued` and announced to the
 * reports service, which makes them), downloaded, deleted. A report's PDF or CSV that is not on this API's disk
 * (the reports service keeps its files on its own volume, or retention removed them) is made again from the stored
 * document, which gives the same file.
 */
@Injectable()
export class ReportsService {
  private readonly log: Logger;

  constructor(
    @Inject(ReportRepository) private readonly reports: ReportRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(ReportFileStore) private readonly files: ReportFileStore,
    @Inject(REPORT_SUMMARIZER) private readonly summarizer: ReportSummarizer,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'reports' });
  }

  async list(query: ReportListQuery): Promise<Page<ReportView>> {
    const page = await this.reports.list({
      types: query.type,
      statuses: query.status,
      robotId: query.robot_id,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      createdBy: query.created_by,
      scheduleId: query.schedule_id,
      limit: query.limit,
      offset: query.offset,
    });
    return { ...page, items: page.items.map((row) => reportView(row)) };
  }

  async get(id: number): Promise<ReportDetail> {
    const row = await this.reports.get(id);
    return { ...reportView(row, findingsOf(row.data)), data: (row.data ?? null) as ReportDetail['data'] };
  }

  /** Queues a report (answered at once: the reports service makes it, and its status says how far it got). */
  async generate(actor: Actor, input: ReportGenerate): Promise<ReportView> {
    const robotIds = input.robot_id ? [input.robot_id] : (input.robot_ids ?? null);
    if (robotIds) await this.mustExist(robotIds);
    if (input.summary && !this.summarizer.status().available) {
      throw new InvalidInputError('no language model is configured for summaries (REPORTS_AI_URL, REPORTS_AI_MODEL)', [
        { path: 'summary', message: 'no language model is configured' },
      ]);
    }
    const period = resolvePeriod(input, this.clock.now());
    const unique = robotIds ? [...new Set(robotIds)].sort() : null;
    const row = await this.reports.enqueue(
      {
        title: input.title ?? defaultTitle(input.type, unique, null),
        description: input.description ?? null,
        reportType: input.type,
        robotIds: unique,
        from: period.from,
        to: period.to,
        timeRange: period.timeRange,
        timezone: input.timezone ?? this.config.reports.timezone,
        formats: input.formats,
        options: { ...(input.title && { title: input.title }), summary: input.summary },
        createdBy: actor.user.username,
        maxAttempts: this.config.reports.maxAttempts,
        at: this.clock.now(),
      },
      auditedBy(actor),
    );
    await this.announce(row);
    return reportView(row);
  }

  /** Waits up to `ms` for a queued report to be made, then answers it as it stands. */
  async waitFor(id: number, ms: number): Promise<ReportRecord> {
    const until = Date.now() + ms;
    for (;;) {
      const row = await this.reports.get(id);
      if (row.status === 'done' || row.status === 'failed' || Date.now() >= until) return row;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** A done report's file: JSON from the stored document, PDF and CSV from disk, made again if missing. */
  async download(id: number, format: ReportFormat): Promise<ReportDownload> {
    const row = await this.reports.get(id);
    if (row.status !== 'done') {
      throw new ConflictError(
        row.status === 'failed'
          ? `report ${id} failed and has no files: ${row.error ?? 'no reason recorded'}`
          : `report ${id} is ${row.status}: its files are made once it is done`,
      );
    }
    const filename = `fleet-report-${id}.${format}`;
    if (format === 'json') {
      const body = Buffer.from(JSON.stringify(row.data, null, 2), 'utf8');
      return { stream: Readable.from([body]), contentType: CONTENT_TYPES.json, filename, bytes: body.length };
    }
    const known = (row.files ?? {})[format];
    const opened = known ? await this.files.open(known) : null;
    if (opened) return { stream: opened.stream, contentType: CONTENT_TYPES[format], filename, bytes: opened.bytes };
    const content = await this.remake(row, format);
    return { stream: Readable.from([content]), contentType: CONTENT_TYPES[format], filename, bytes: content.length };
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const row = await this.reports.delete(id, auditedBy(actor));
    for (const file of Object.values(row.files ?? {})) {
      await this.files
        .remove(file)
        .catch((error: unknown) => this.log.warn({ err: error, id }, 'cannot remove a report file'));
    }
    await this.bus.publish(REPORT_STREAM, [reportEvent('deleted', row, this.clock.now())]).catch(() => undefined);
  }

  aiStatus(): SummarizerStatus {
    return this.summarizer.status();
  }

  /**
   * A file that is not on this API's disk, made again from the document. It is kept for the next download where the
   * API may write (a read-only volume only costs making it again).
   */
  private async remake(row: ReportRecord, format: 'pdf' | 'csv'): Promise<Buffer> {
    const parsed = reportDocumentSchema.safeParse(row.data);
    if (!parsed.success) {
      throw new NotFoundError('report file', `${row.id}.${format} (this report holds no document to make it from)`);
    }
    const content = await renderFormat(parsed.data, row, format);
    try {
      await this.reports.setFile(row.id, format, await this.files.write(row.id, format, content));
    } catch (error) {
      this.log.warn(
        { err: error, reportId: row.id, format },
        'cannot keep a report file made again; it is sent anyway',
      );
    }
    return content;
  }

  private async mustExist(robotIds: readonly string[]): Promise<void> {
    const known = new Set((await this.robots.statuses(robotIds)).map((r) => r.robot_id));
    const missing = robotIds.find((id) => !known.has(id));
    if (missing) throw new NotFoundError('robot', missing);
  }

  private async announce(row: ReportRow): Promise<void> {
    try {
      await this.bus.publish(REPORT_REQUEST_STREAM, [{ id: row.id }]);
      await this.bus.publish(REPORT_STREAM, [reportEvent('queued', row, this.clock.now())]);
    } catch (error) {
      // The reports service also looks for queued reports on its own every REPORTS_CHECK_INTERVAL_MS.
      this.log.warn({ err: error, reportId: row.id }, 'cannot announce a queued report');
    }
  }
}

function findingsOf(data: unknown): number | null {
  const findings = (data as { findings?: unknown } | null)?.findings;
  return Array.isArray(findings) ? findings.length : null;
}
