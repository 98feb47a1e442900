import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_HISTORY_RANGE_MS,
  intervalMs,
  InvalidInputError,
  MAX_HISTORY_BUCKETS,
  MAX_HISTORY_RANGE_DAYS,
  type RobotConnectionQuery,
  type SnapshotQuery,
  type TelemetryHistory,
  type TelemetryQuery,
} from '@fleet/contracts';
import { ConnectionLogRepository, RobotRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { TELEMETRY_STORE, type Aggregation, type Measurement, type TelemetryStore } from '@fleet/telemetry';

const DAY_MS = 86_400_000;

/**
 * The fields a history shows when the query names none; measurements without an obvious choice need `fields`.
 * Keyed by the store's measurements and read with the API's, so the two lists cannot drift apart unnoticed.
 */
const DEFAULT_FIELDS: Record<Measurement, readonly string[]> = {
  sensor_data: ['value'],
  robot_status: ['system_cpu_percent', 'system_memory_percent', 'system_disk_usage', 'system_temperature'],
  battery_status: ['percentage', 'voltage'],
  robot_location: ['x', 'y', 'z'],
  servo_data: ['position', 'temperature', 'voltage'],
  vision_data: ['confidence'],
  robot_logs: [],
  job_progress: ['progress_percent', 'items_done', 'items_total'],
};

/** Fields of `robot_status` that are not system information. */
const SNAPSHOT_FIELD = /^system_/;

interface HistoryRequest {
  measurement: Measurement;
  fields: readonly string[];
  from?: string;
  to?: string;
  every?: string;
  fn: Aggregation;
  tags?: Record<string, string>;
}

/** A robot's past: aggregated telemetry, state snapshots (its `robot_status` history) and connection log. */
@Injectable()
export class RobotHistoryService {
  constructor(
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(ConnectionLogRepository) private readonly connections: ConnectionLogRepository,
    @Inject(TELEMETRY_STORE) private readonly store: TelemetryStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  telemetry(robotId: string, query: TelemetryQuery): Promise<TelemetryHistory> {
    return this.ofKnownRobot(robotId, () => this.telemetryOf(robotId, query));
  }

  private telemetryOf(robotId: string, query: TelemetryQuery): Promise<TelemetryHistory> {
    const fields = query.fields ?? DEFAULT_FIELDS[query.measurement];
    if (fields.length === 0) {
      throw new InvalidInputError(`name the fields of ${query.measurement} to show`, [
        { path: 'fields', message: `required for ${query.measurement}` },
      ]);
    }
    const tags: Record<string, string> = {};
    if (query.sensor_type !== undefined) tags.sensor_type = query.sensor_type;
    if (query.servo_id !== undefined) tags.servo_id = query.servo_id;
    return this.history(robotId, { ...query, fields, tags });
  }

  /**
   * The robot's system information over time. Without `fields`, the numeric `system_*` fields of its newest status
   * report (any robot's `system_info` keys), else the usual ones.
   */
  snapshots(robotId: string, query: SnapshotQuery): Promise<TelemetryHistory> {
    return this.ofKnownRobot(robotId, () => this.snapshotsOf(robotId, query));
  }

  private async snapshotsOf(robotId: string, query: SnapshotQuery): Promise<TelemetryHistory> {
    let fields = query.fields;
    if (!fields) {
      const [newest] = await this.store.latest(robotId, 'robot_status');
      const reported = Object.entries(newest?.fields ?? {})
        .filter(([name, value]) => SNAPSHOT_FIELD.test(name) && typeof value === 'number')
        .map(([name]) => name)
        .sort();
      fields = reported.length > 0 ? reported : [...DEFAULT_FIELDS.robot_status];
    }
    return this.history(robotId, { ...query, measurement: 'robot_status', fields });
  }

  async connectionLog(robotId: string, query: RobotConnectionQuery) {
    await this.robots.get(robotId);
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && to && from >= to) throw rangeError('from must be before to');
    return this.connections.list({ robotId, from, to, limit: query.limit, offset: query.offset });
  }

  /**
   * What `read` answers, read while the robot is looked up rather than after (a history of a robot that does not
   * exist is empty, and nothing is read twice): an unknown robot is still a 404, whatever else is wrong.
   */
  private async ofKnownRobot<T>(robotId: string, read: () => Promise<T>): Promise<T> {
    const answer = (async () => read())();
    answer.catch(() => undefined);
    await this.robots.get(robotId);
    return answer;
  }

  private async history(robotId: string, request: HistoryRequest): Promise<TelemetryHistory> {
    const { from, to } = this.range(request.from, request.to);
    const everyMs = request.every === undefined ? undefined : bucketWidth(request.every, from, to);
    const result = await this.store.history({
      robotId,
      measurement: request.measurement,
      fields: request.fields,
      from,
      to,
      tags: request.tags,
      everyMs,
      fn: request.fn,
    });
    return {
      robot_id: robotId,
      measurement: request.measurement,
      fields: [...request.fields],
      fn: result.fn,
      every_ms: result.everyMs,
      from: from.toISOString(),
      to: to.toISOString(),
      time: result.times,
      values: result.values,
    };
  }

  /** The range asked for: up to now by default, from an hour before its end by default, at most 31 days. */
  private range(fromText?: string, toText?: string): { from: Date; to: Date } {
    const to = toText ? new Date(toText) : this.clock.now();
    const from = fromText ? new Date(fromText) : new Date(to.getTime() - DEFAULT_HISTORY_RANGE_MS);
    if (from >= to) throw rangeError('from must be before to');
    if (to.getTime() - from.getTime() > MAX_HISTORY_RANGE_DAYS * DAY_MS) {
      throw rangeError(`the range may cover at most ${MAX_HISTORY_RANGE_DAYS} days`);
    }
    return { from, to };
  }
}

function bucketWidth(every: string, from: Date, to: Date): number {
  const ms = intervalMs(every);
  if (ms === undefined)
    throw new InvalidInputError(`invalid every '${every}'`, [{ path: 'every', message: 'not a duration' }]);
  const buckets = Math.ceil((to.getTime() - from.getTime()) / ms);
  if (buckets > MAX_HISTORY_BUCKETS) {
    throw new InvalidInputError(
      `every ${every} gives ${buckets} buckets over the range; at most ${MAX_HISTORY_BUCKETS}`,
      [{ path: 'every', message: `too narrow for the range (at most ${MAX_HISTORY_BUCKETS} buckets)` }],
    );
  }
  return ms;
}

function rangeError(message: string): InvalidInputError {
  return new InvalidInputError(`invalid range: ${message}`, [{ path: 'from', message }]);
}
