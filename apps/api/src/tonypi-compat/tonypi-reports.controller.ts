import { Readable } from 'node:stream';
import { Controller, Delete, Get, Header, HttpCode, Inject, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  tonypiAiStatusSchema,
  tonypiMessageSchema,
  tonypiReportCreateSchema,
  tonypiReportExportFormatSchema,
  tonypiReportExportQuerySchema,
  tonypiReportGenerateQuerySchema,
  tonypiReportIdSchema,
  tonypiReportListQuerySchema,
  tonypiReportPdfQuerySchema,
  tonypiReportSchema,
  type TonyPiAiStatus,
  type TonyPiReportCreate,
  type TonyPiReportExportQuery,
  type TonyPiReportGenerateQuery,
  type TonyPiReportListQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { z } from 'zod';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { TonyPiReports } from './tonypi-reports.service';

const ReportId = () => ValidParam('report_id', tonypiReportIdSchema);

/** `20260124_103045`, as TonyPi stamps its file names. */
function stamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace(/-|:/g, '').replace('T', '_');
}

/** CSV of rows with the same keys, header first; cells that start like a formula are prefixed with '. */
function toCsv(rows: readonly Record<string, string | number | null>[]): string {
  const keys = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    let text = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k] ?? null)).join(','))].join('\r\n') + '\r\n';
}

/** TonyPi's reports, served by Fleet's reports service: stored, generated (PDF and JSON), exported. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/reports')
export class TonyPiReportsController {
  constructor(@Inject(TonyPiReports) private readonly reports: TonyPiReports) {}

  @Access('viewer')
  @Returns(tonypiAiStatusSchema)
  @Get('ai-status')
  aiStatus(): TonyPiAiStatus {
    return this.reports.aiStatus();
  }

  /** Stored reports, newest first. */
  @Access('viewer')
  @Returns(z.array(tonypiReportSchema))
  @Get()
  list(@ValidQuery(tonypiReportListQuerySchema) query: TonyPiReportListQuery) {
    return this.reports.list(query);
  }

  /** Stores a report with the caller's data, as TonyPi did. */
  @Access('operator')
  @Returns(tonypiReportSchema)
  @HttpCode(200)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(tonypiReportCreateSchema) input: TonyPiReportCreate) {
    return this.reports.create(actor, input);
  }

  @ApiOperation({
    summary: 'Generate a report and answer it',
    description:
      "Made by Fleet's reports service from the rollups (any type, one robot or the fleet), then answered as " +
      'stored; a report not made within REPORTS_GENERATE_WAIT_S is answered as it stands (its `data` says its status).',
  })
  @Access('operator')
  @Returns(tonypiReportSchema)
  @HttpCode(200)
  @Post('generate')
  generate(
    @CurrentActor() actor: Actor,
    @ValidQuery(tonypiReportGenerateQuerySchema) query: TonyPiReportGenerateQuery,
  ) {
    return this.reports.generate(actor, query);
  }

  /** Robot status over a range, one row per robot and minute, as CSV or JSON (404 when there is none). */
  @ApiProduces('text/csv', 'application/json')
  @Access('viewer')
  @Header('cache-control', 'no-store')
  @Get('export/:format')
  async export(
    @ValidParam('format', tonypiReportExportFormatSchema) format: 'csv' | 'json',
    @ValidQuery(tonypiReportExportQuerySchema) query: TonyPiReportExportQuery,
  ): Promise<StreamableFile> {
    const rows = await this.reports.export(query);
    const now = stamp(new Date());
    const body = format === 'csv' ? toCsv(rows) : JSON.stringify(rows, null, 2);
    return new StreamableFile(Readable.from([Buffer.from(body, 'utf8')]), {
      type: format === 'csv' ? 'text/csv' : 'application/json',
      disposition: `attachment; filename=${format === 'csv' ? 'robot_report' : 'robot_data'}_${now}.${format}`,
    });
  }

  @Access('viewer')
  @Returns(tonypiReportSchema)
  @Get(':report_id')
  get(@ReportId() id: number) {
    return this.reports.get(id);
  }

  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Delete(':report_id')
  remove(@CurrentActor() actor: Actor, @ReportId() id: number) {
    return this.reports.remove(actor, id);
  }

  /** The report's PDF (`include_ai` is accepted: a summary the report was made with is in it). */
  @ApiProduces('application/pdf')
  @Access('viewer')
  @Header('cache-control', 'no-store')
  @Get(':report_id/pdf')
  async pdf(@ReportId() id: number, @ValidQuery(tonypiReportPdfQuerySchema) _query: unknown): Promise<StreamableFile> {
    const file = await this.reports.pdf(id);
    return new StreamableFile(file.stream, {
      type: 'application/pdf',
      disposition: `attachment; filename=report_${id}_${stamp(new Date())}.pdf`,
    });
  }
}
