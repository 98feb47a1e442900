import { Readable } from 'node:stream';
import { Controller, Delete, Get, Header, Inject, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  LOG_EXPORT_MAX_ROWS,
  logClearQuerySchema,
  logClearResultSchema,
  logCreateSchema,
  logEntryViewSchema,
  logExportQuerySchema,
  logListQuerySchema,
  logPageSchema,
  logStatsQuerySchema,
  logStatsSchema,
  type LogClearQuery,
  type LogCreate,
  type LogExportQuery,
  type LogListQuery,
  type LogStatsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidQuery } from '../http/zod-input';
import { LogsService } from './logs.service';

@ApiTags('logs')
@ApiBearerAuth()
@Controller('api/v1/logs')
export class LogsController {
  constructor(@Inject(LogsService) private readonly logs: LogsService) {}

  /** System log entries, newest first. */
  @Access('viewer')
  @Returns(logPageSchema)
  @Get()
  list(@ValidQuery(logListQuerySchema) query: LogListQuery) {
    return this.logs.list(query);
  }

  /** Writes an entry, as robots and services do (a note in the log); the audit trail records who wrote it. */
  @Access('operator')
  @Returns(logEntryViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(logCreateSchema) input: LogCreate) {
    return this.logs.create(actor, input);
  }

  /** How many entries there are by level and by category, over a range or all kept. */
  @Access('viewer')
  @Returns(logStatsSchema)
  @Get('stats')
  stats(@ValidQuery(logStatsQuerySchema) query: LogStatsQuery) {
    return this.logs.stats(query);
  }

  @ApiOperation({
    summary: 'Download the matching entries as CSV or JSON',
    description:
      'Streamed newest first as it is read. At most `limit` rows are sent, and never more than ' +
      `${LOG_EXPORT_MAX_ROWS.toLocaleString('en')}: an export holding exactly that many may be cut, so narrow ` +
      "'from' and 'to' to get the rest. CSV cells that start like a spreadsheet formula (= + - @) are prefixed with '.",
  })
  @ApiProduces('text/csv', 'application/json')
  @Access('viewer')
  @Header('cache-control', 'no-store')
  @Get('export')
  async export(@ValidQuery(logExportQuerySchema) query: LogExportQuery): Promise<StreamableFile> {
    const file = await this.logs.export(query);
    return new StreamableFile(Readable.from(file.chunks, { highWaterMark: 1 }), {
      type: file.contentType,
      disposition: `attachment; filename="${file.filename}"`,
    });
  }

  /** Deletes entries older than `older_than_days` days; answers how many went. */
  @Access('admin')
  @Returns(logClearResultSchema)
  @Delete()
  clear(@CurrentActor() actor: Actor, @ValidQuery(logClearQuerySchema) query: LogClearQuery) {
    return this.logs.clear(actor, query.older_than_days);
  }
}
