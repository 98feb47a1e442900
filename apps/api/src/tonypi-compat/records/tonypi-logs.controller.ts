import { Readable } from 'node:stream';
import { Controller, Delete, Get, Header, HttpCode, Inject, Post, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  TONYPI_LOG_CATEGORIES,
  tonypiLogClearQuerySchema,
  tonypiLogCreateSchema,
  tonypiLogEntrySchema,
  tonypiLogExportFormatSchema,
  tonypiLogExportQuerySchema,
  tonypiLogLevelsSchema,
  tonypiLogListQuerySchema,
  tonypiLogRecentQuerySchema,
  tonypiLogStatsQuerySchema,
  tonypiLogStatsSchema,
  tonypiMessageSchema,
  type TonyPiLogCreate,
  type TonyPiLogExportFormat,
  type TonyPiLogExportQuery,
  type TonyPiLogListQuery,
  type TonyPiLogRecentQuery,
  type TonyPiLogStatsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { z } from 'zod';
import { type Actor, CurrentActor } from '../../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../../http/zod-input';
import { TONYPI_LOG_LEVELS } from './tonypi-logs.mapper';
import { TonyPiLogs } from './tonypi-logs.service';

/** TonyPi's log page: bare lists newest first, counts, downloads, and clearing old entries. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/logs')
export class TonyPiLogsController {
  constructor(@Inject(TonyPiLogs) private readonly logs: TonyPiLogs) {}

  /** Entries within `time_range` matching every filter given, newest first. */
  @Access('viewer')
  @Returns(tonypiLogEntrySchema.array())
  @Get()
  list(@ValidQuery(tonypiLogListQuerySchema) query: TonyPiLogListQuery) {
    return this.logs.list(query);
  }

  /** Counts by level, and by category with every known category present. */
  @Access('viewer')
  @Returns(tonypiLogStatsSchema)
  @Get('stats')
  stats(@ValidQuery(tonypiLogStatsQuerySchema) query: TonyPiLogStatsQuery) {
    return this.logs.stats(query);
  }

  @Access('operator')
  @Returns(tonypiLogEntrySchema)
  @HttpCode(200)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(tonypiLogCreateSchema) input: TonyPiLogCreate) {
    return this.logs.create(actor, input);
  }

  @Access('viewer')
  @Returns(z.array(z.string()))
  @Get('categories')
  categories() {
    return TONYPI_LOG_CATEGORIES;
  }

  @Access('viewer')
  @Returns(tonypiLogLevelsSchema)
  @Get('levels')
  levels() {
    return TONYPI_LOG_LEVELS;
  }

  /** Commands sent and their answers, newest first. */
  @Access('viewer')
  @Returns(tonypiLogEntrySchema.array())
  @Get('commands')
  commands(@ValidQuery(tonypiLogRecentQuerySchema) query: TonyPiLogRecentQuery) {
    return this.logs.commands(query);
  }

  /** ERROR and CRITICAL entries, newest first. */
  @Access('viewer')
  @Returns(tonypiLogEntrySchema.array())
  @Get('errors')
  errors(@ValidQuery(tonypiLogRecentQuerySchema) query: TonyPiLogRecentQuery) {
    return this.logs.errors(query);
  }

  @ApiOperation({
    summary: 'Download the matching entries as JSON or CSV',
    description:
      "Streamed newest first. JSON is one array (`[]` when nothing matches); CSV has TonyPi's header line and is a " +
      "404 when nothing matches. CSV cells that start like a spreadsheet formula (= + - @) are prefixed with '.",
  })
  @ApiProduces('application/json', 'text/csv')
  @Access('viewer')
  @Header('cache-control', 'no-store')
  @Get('export/:format')
  async export(
    @ValidParam('format', tonypiLogExportFormatSchema) format: TonyPiLogExportFormat,
    @ValidQuery(tonypiLogExportQuerySchema) query: TonyPiLogExportQuery,
  ): Promise<StreamableFile> {
    const file = await this.logs.export(format, query);
    return new StreamableFile(Readable.from(file.chunks, { highWaterMark: 1 }), {
      type: file.contentType,
      disposition: `attachment; filename="${file.filename}"`,
    });
  }

  /** Deletes entries older than `days` days. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Delete('clear')
  clear(@CurrentActor() actor: Actor, @ValidQuery(tonypiLogClearQuerySchema) query: { days: number }) {
    return this.logs.clear(actor, query.days);
  }
}
