import { Inject, Injectable } from '@nestjs/common';
import {
  LOG_LEVELS,
  type LogCreate,
  type LogExportQuery,
  type LogListQuery,
  type LogStatsQuery,
} from '@fleet/contracts';
import { SystemLogRepository, type SystemLog } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';
import { EXPORT_CONTENT_TYPE, exportChunks, exportFilename, logEntryView } from './log-export';
import { timeRange } from './time-range';

/** Rows read per query while exporting: what the process holds of an export at any time. */
export const EXPORT_BATCH_ROWS = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** An export ready to send: its text comes batch by batch as the client reads it. */
export interface LogExport {
  filename: string;
  contentType: string;
  chunks: AsyncIterable<string>;
}

function filters(query: Omit<LogListQuery, 'limit' | 'offset'>) {
  return {
    level: query.level,
    category: query.category,
    robotId: query.robot_id,
    search: query.search,
    ...timeRange(query),
  };
}

/** The system log (TonyPi's log page): reading, statistics, streamed exports, and clearing old entries. */
@Injectable()
export class LogsService {
  constructor(
    @Inject(SystemLogRepository) private readonly logs: SystemLogRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  list(query: LogListQuery) {
    return this.logs.list({ ...filters(query), limit: query.limit, offset: query.offset });
  }

  /** Adds an entry, as robots and services do; recorded in the audit trail with who wrote it. */
  async create(actor: Actor, input: LogCreate) {
    const entry = logEntryView(
      await this.logs.insert({
        level: input.level,
        category: input.category,
        message: input.message,
        robot_id: input.robot_id ?? null,
        details: input.details ?? null,
      }),
    );
    await this.audit.record(actor, 'system_log.create', 'system_log', String(entry.id), null, entry);
    return entry;
  }

  /** Counts by level (every TonyPi level present, zero when none) and by category. */
  async stats(query: LogStatsQuery) {
    const stats = await this.logs.stats({ ...timeRange(query), robotId: query.robot_id });
    const byLevel: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((level) => [level, 0]));
    return { total: stats.total, by_level: { ...byLevel, ...stats.by_level }, by_category: stats.by_category };
  }

  /**
   * The matching entries, newest first, at most `query.limit` of them. The first batch is read before anything is
   * sent, so a failing database answers with an error instead of an empty file.
   */
  async export(query: LogExportQuery): Promise<LogExport> {
    const batches = this.logs.scan(filters(query), { batchSize: EXPORT_BATCH_ROWS, maxRows: query.limit });
    const first = await batches.next();
    async function* all(): AsyncGenerator<SystemLog[]> {
      if (first.done) return;
      yield first.value;
      yield* batches;
    }
    return {
      filename: exportFilename(query.format, this.clock.now()),
      contentType: EXPORT_CONTENT_TYPE[query.format],
      chunks: exportChunks(query.format, all()),
    };
  }

  /** Deletes entries older than `days` days and records who did it. */
  async clear(actor: Actor, days: number) {
    const cutoff = new Date(this.clock.now().getTime() - days * DAY_MS);
    const deleted = await this.logs.deleteOlderThan(cutoff);
    const result = { deleted, older_than_days: days, cutoff: cutoff.toISOString() };
    await this.audit.record(actor, 'system_log.clear', 'system_log', null, null, result);
    return result;
  }
}
