import { Inject, Injectable } from '@nestjs/common';
import {
  LOG_EXPORT_MAX_ROWS,
  NotFoundError,
  type LogLevel,
  type TonyPiLogCreate,
  type TonyPiLogEntry,
  type TonyPiLogExportFormat,
  type TonyPiLogExportQuery,
  type TonyPiLogListQuery,
  type TonyPiLogRecentQuery,
  type TonyPiLogStats,
  type TonyPiLogStatsQuery,
  type TonyPiRobotLogsQuery,
} from '@fleet/contracts';
import { CLOCK, type Clock } from '@fleet/platform';
import type { Actor } from '../../http/request-context';
import { logEntryView } from '../../logs/log-export';
import { LogsService, type LogExport } from '../../logs/logs.service';
import { rangeStart, readPages } from './read-pages';
import { tonypiCsv, tonypiLogStats } from './tonypi-logs.mapper';

/** TonyPi's answer to a CSV export that matches nothing. */
class NoLogsFound extends NotFoundError {
  constructor() {
    super('log', 'export');
    this.message = 'No logs found';
  }
}

interface LogFilters {
  level?: LogLevel[];
  category?: string;
  robot_id?: string;
  search?: string;
  from?: string;
}

/** TonyPi's log routes on {@link LogsService}: reading, statistics, writing, export and clearing. */
@Injectable()
export class TonyPiLogs {
  constructor(
    @Inject(LogsService) private readonly logs: LogsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Newest first, within the range. */
  list(query: TonyPiLogListQuery): Promise<TonyPiLogEntry[]> {
    return this.read(
      {
        level: query.level && [query.level],
        category: query.category,
        robot_id: query.robot_id,
        search: query.search,
        from: this.since(query.time_range),
      },
      query.limit,
      query.offset,
    );
  }

  /** Commands sent and their answers (category `command`), newest first. */
  commands(query: TonyPiLogRecentQuery): Promise<TonyPiLogEntry[]> {
    return this.read(
      { category: 'command', robot_id: query.robot_id, from: this.since(query.time_range) },
      query.limit,
    );
  }

  /** ERROR and CRITICAL entries, newest first. */
  errors(query: TonyPiLogRecentQuery): Promise<TonyPiLogEntry[]> {
    return this.read(
      { level: ['ERROR', 'CRITICAL'], robot_id: query.robot_id, from: this.since(query.time_range) },
      query.limit,
    );
  }

  /** `GET /robots-db/logs`: the newest entries, whenever they were written. */
  robotLogs(query: TonyPiRobotLogsQuery): Promise<TonyPiLogEntry[]> {
    return this.read(
      { level: query.level && [query.level], category: query.category, robot_id: query.robot_id },
      query.limit,
    );
  }

  async stats(query: TonyPiLogStatsQuery): Promise<TonyPiLogStats> {
    return tonypiLogStats(await this.logs.stats({ from: this.since(query.time_range), robot_id: query.robot_id }));
  }

  /** Adds an entry through Fleet's log service (recorded in the audit trail with who wrote it). */
  create(actor: Actor, input: TonyPiLogCreate): Promise<TonyPiLogEntry> {
    return this.logs.create(actor, input);
  }

  /** The matching entries as a file, streamed; a CSV export that matches nothing is a 404, as in TonyPi. */
  async export(format: TonyPiLogExportFormat, query: TonyPiLogExportQuery): Promise<LogExport> {
    const file = await this.logs.export({
      format,
      level: query.level && [query.level],
      category: query.category,
      robot_id: query.robot_id,
      from: this.since(query.time_range),
      limit: LOG_EXPORT_MAX_ROWS,
    });
    if (format === 'json') return file;
    const chunks = await tonypiCsv(file.chunks);
    if (!chunks) throw new NoLogsFound();
    return { ...file, chunks };
  }

  async clear(actor: Actor, days: number) {
    const result = await this.logs.clear(actor, days);
    return { message: `Deleted ${result.deleted} logs older than ${days} days`, deleted: result.deleted };
  }

  private since(rangeMs: number): string {
    return rangeStart(this.clock.now(), rangeMs);
  }

  private async read(filters: LogFilters, limit: number, offset = 0): Promise<TonyPiLogEntry[]> {
    const rows = await readPages((size, at) => this.logs.list({ ...filters, limit: size, offset: at }), limit, offset);
    return rows.map(logEntryView);
  }
}
