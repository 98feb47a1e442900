import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  InvalidInputError,
  reportDetailSchema,
  reportGenerateSchema,
  reportListQuerySchema,
  reportPageSchema,
  reportViewSchema,
  type ReportFormat,
  type ReportGenerate,
  type ReportListQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidQuery } from '../http/zod-input';
import { ReportsService } from './reports.service';

const REF = /^(\d{1,10})(?:\.(pdf|json|csv))?$/;

/** `12` or `12.pdf`: the report's id and the format asked for, if any. */
function parseRef(ref: string): { id: number; format: ReportFormat | null } {
  const match = REF.exec(ref);
  const id = match ? Number(match[1]) : NaN;
  if (!match || id < 1 || id > 2_147_483_647) {
    throw new InvalidInputError(
      `'${ref.slice(0, 40)}' is not a report: expected its id, or its id and .pdf, .json or .csv`,
      [{ path: 'report', message: 'expected 12, 12.pdf, 12.json or 12.csv' }],
    );
  }
  return { id, format: (match[2] as ReportFormat | undefined) ?? null };
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/v1/reports')
export class ReportsController {
  constructor(@Inject(ReportsService) private readonly reports: ReportsService) {}

  /** Reports matching every filter given, newest first (without their documents). */
  @Access('viewer')
  @Returns(reportPageSchema)
  @Get()
  list(@ValidQuery(reportListQuerySchema) query: ReportListQuery) {
    return this.reports.list(query);
  }

  @ApiOperation({
    summary: 'Ask for a report',
    description:
      'Answers 202 at once with the report `queued`; the reports service makes it (`running`, then `done` or ' +
      '`failed`), which `GET /api/v1/reports/{id}` and the `reports` live channel show. One robot (`robot_id`), some ' +
      '(`robot_ids`) or the whole fleet; over `from`..`to` or `time_range` back from now (24 h by default).',
  })
  @Access('operator')
  @Returns(reportViewSchema, 202)
  @HttpCode(202)
  @Post()
  generate(@CurrentActor() actor: Actor, @ValidBody(reportGenerateSchema) input: ReportGenerate) {
    return this.reports.generate(actor, input);
  }

  @ApiOperation({
    summary: 'A report, or one of its files',
    description:
      '`12`: the report with its document (`data`). `12.pdf`, `12.csv`, `12.json`: its file, once it is done (409 ' +
      'before). The document is described per report type in the reports section of the README.',
  })
  @ApiParam({ name: 'report', schema: { type: 'string', pattern: REF.source }, example: '12.pdf' })
  @ApiProduces('application/json', 'application/pdf', 'text/csv')
  @Returns(reportDetailSchema)
  @Access('viewer')
  @Header('cache-control', 'no-store')
  @Get(':report')
  async get(@Param('report') ref: string) {
    const { id, format } = parseRef(ref);
    if (format === null) return this.reports.get(id);
    const file = await this.reports.download(id, format);
    return new StreamableFile(file.stream, {
      type: file.contentType,
      disposition: `attachment; filename="${file.filename}"`,
      ...(file.bytes !== null && { length: file.bytes }),
    });
  }

  /** Deletes a report and its files. */
  @Access('admin')
  @HttpCode(204)
  @Delete(':report')
  async remove(@CurrentActor() actor: Actor, @Param('report') ref: string): Promise<void> {
    const { id, format } = parseRef(ref);
    if (format !== null) throw new InvalidInputError('delete the report (its id), not one of its files');
    await this.reports.remove(actor, id);
  }
}
