import type { GeneratedReport, GeneratedReportType } from '@fleet/contracts';
import type { ReportFile, ReportRow } from '@fleet/database';
import type { ProgressListener, ReportBuilder, ReportRequest } from './report.builder';
import type { ReportFileStore } from './report-files';
import { renderCsv } from './render/csv.renderer';
import { renderPdf } from './render/pdf.renderer';
import type { ReportSummarizer } from './summary/report-summarizer';

/** What a report row asks for besides its columns (`reports.options`). */
export interface ReportOptions {
  /** The title the caller gave; otherwise the builder names the report. */
  title?: string;
  /** Add a language-model summary. */
  summary?: boolean;
}

/** The request a queued report stands for. */
export function requestOf(row: ReportRow): ReportRequest {
  if (!row.period_from || !row.period_to) throw new Error(`report ${row.id} has no period`);
  const options = (row.options ?? {}) as ReportOptions;
  return {
    type: row.report_type as GeneratedReportType,
    robotIds: row.robot_ids,
    from: row.period_from,
    to: row.period_to,
    timeRange: row.time_range,
    timezone: row.timezone ?? 'UTC',
    title: options.title ?? null,
  };
}

/** A report's file in one format, from its document (the same document gives the same bytes). */
export async function renderFormat(
  doc: GeneratedReport,
  row: Pick<ReportRow, 'id' | 'created_by' | 'description'>,
  format: 'pdf' | 'csv',
): Promise<Buffer> {
  if (format === 'csv') return Buffer.from(renderCsv(doc), 'utf8');
  return renderPdf(doc, { reportId: row.id, createdBy: row.created_by, description: row.description });
}

/** The files a report's formats need besides its JSON (kept in the row), from its document. */
export async function renderFiles(
  doc: GeneratedReport,
  row: Pick<ReportRow, 'id' | 'created_by' | 'description' | 'formats'>,
  store: ReportFileStore,
): Promise<Record<string, ReportFile>> {
  const files: Record<string, ReportFile> = {};
  for (const format of row.formats) {
    if (format === 'pdf' || format === 'csv')
      files[format] = await store.write(row.id, format, await renderFormat(doc, row, format));
  }
  return files;
}

/**
 * Makes a queued report: builds its document, adds the summary it asks for (a model that fails leaves the report
 * without one, and says so), and renders its files.
 */
export class ReportProducer {
  constructor(
    private readonly builder: ReportBuilder,
    private readonly store: ReportFileStore,
    private readonly summarizer: ReportSummarizer,
  ) {}

  async produce(
    row: ReportRow,
    now: Date,
    progress?: ProgressListener,
  ): Promise<{ document: GeneratedReport; files: Record<string, ReportFile>; summaryError: string | null }> {
    const document = await this.builder.build(requestOf(row), { now, progress });
    let summaryError: string | null = null;
    if ((row.options as ReportOptions | null)?.summary) {
      try {
        const summary = await this.summarizer.summarize(document);
        document.summary = { ...summary, generated_at: now.toISOString() };
      } catch (error) {
        summaryError = (error as Error).message;
      }
    }
    const files = await renderFiles(document, row, this.store);
    return { document, files, summaryError };
  }
}
