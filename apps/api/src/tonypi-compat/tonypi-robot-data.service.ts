import { Inject, Injectable } from '@nestjs/common';
import type {
  TonyPiJobSummary,
  TonyPiLatestData,
  TonyPiPerfRecord,
  TonyPiRobotStatus,
  TonyPiSensorReading,
  TonyPiServoData,
} from '@fleet/contracts';
import { JobRepository, RobotRepository } from '@fleet/database';
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { historyBuckets, TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import { jobSummary } from './tonypi-jobs.mapper';
import {
  latestData,
  measurementName,
  perfRecords,
  planSensorReads,
  RECENT_MS,
  robotStatus,
  SENSOR_ROBOTS_MAX,
  type SensorSeries,
  type SensorSource,
  sensorReadings,
  servoData,
  systemFields,
} from './tonypi-robot-data.mapper';

/** The `system_*` fields the TonyPi dashboard charts, asked for even when the newest status point lacks them. */
const CHARTED_SYSTEM_FIELDS = [
  'system_cpu_percent',
  'system_disk_usage',
  'system_memory_percent',
  'system_temperature',
  'system_uptime',
];

/** How many store queries one request runs at once. */
const STORE_QUERIES_AT_ONCE = 8;

/** `fn` over `items`, {@link STORE_QUERIES_AT_ONCE} at a time, results in the order of `items`. */
async function fewAtATime<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += STORE_QUERIES_AT_ONCE) {
    results.push(...(await Promise.all(items.slice(i, i + STORE_QUERIES_AT_ONCE).map(fn))));
  }
  return results;
}

/**
 * TonyPi's robot-data and pi-perf routes: history from the telemetry store, "now" from the live state, addresses
 * from the robot registry, jobs from the `jobs` table.
 */
@Injectable()
export class TonyPiRobotData {
  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: TelemetryStore,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Sensor readings of the last `rangeMs`, the store's `last` of each bucket, of one robot or of the robots heard
   * from in that time ({@link SENSOR_ROBOTS_MAX} at most). Only `sensor_data` has readings with a sensor type. The
   * work is bounded whatever the range: a look-up per robot, a history query per series read
   * ({@link planSensorReads}), a few at a time.
   */
  async sensors(measurement: string, rangeMs: number, robotId?: string): Promise<TonyPiSensorReading[]> {
    const name = measurementName(measurement);
    if (name !== 'sensor_data') return [];
    const { from, to } = this.range(rangeMs);
    const robotIds =
      robotId !== undefined ? [robotId] : (await this.store.robotsSeen(from, to)).slice(0, SENSOR_ROBOTS_MAX);
    const sources = await fewAtATime(robotIds, async (id): Promise<SensorSource[]> =>
      (await this.store.latest(id, 'sensor_data')).flatMap(({ tags, fields, time }) =>
        time >= from && tags.sensor_type !== undefined
          ? [
              {
                robotId: id,
                sensorType: tags.sensor_type,
                unit: typeof fields.unit === 'string' ? fields.unit : null,
                latest: time,
              },
            ]
          : [],
      ),
    );
    const plan = planSensorReads(sources.flat(), from, to);
    const series = await fewAtATime(plan.sources, async (source): Promise<SensorSeries> => {
      const history = await this.store.history({
        robotId: source.robotId,
        measurement: 'sensor_data',
        fields: ['value'],
        tags: { sensor_type: source.sensorType },
        from,
        to,
        everyMs: plan.everyMs,
        fn: 'last',
      });
      return {
        ...source,
        buckets: history.times.map((time, i) => ({ time: new Date(time), value: history.values.value?.[i] ?? null })),
      };
    });
    return sensorReadings(name, series);
  }

  /** Robots heard from in the last five minutes (TonyPi lists no others), with their live state. */
  async status(): Promise<TonyPiRobotStatus[]> {
    const { from, to } = this.range(RECENT_MS);
    const robotIds = await this.store.robotsSeen(from, to);
    return Promise.all(
      robotIds.map(async (id) => {
        const [live, robot] = await Promise.all([this.live.get(id), this.robots.find(id)]);
        return robotStatus(id, live, robot);
      }),
    );
  }

  async latest(robotId: string): Promise<TonyPiLatestData> {
    const [live, robot] = await Promise.all([this.live.get(robotId), this.robots.find(robotId)]);
    return latestData(robotId, live, this.range(RECENT_MS).from, robot);
  }

  async servos(robotId: string, rangeMs: number): Promise<TonyPiServoData> {
    const now = this.clock.now();
    return servoData(robotId, await this.live.get(robotId), new Date(now.getTime() - rangeMs), now);
  }

  async jobSummary(robotId: string): Promise<TonyPiJobSummary> {
    return jobSummary(robotId, await this.jobs.currentOrLatest(robotId));
  }

  /** The robot's `system_*` values (CPU, memory, disk, temperature, uptime, ...) over the last `rangeMs`. */
  async performance(robotId: string, rangeMs: number): Promise<TonyPiPerfRecord[]> {
    const { from, to } = this.range(rangeMs);
    const newest = await this.store.latest(robotId, 'robot_status');
    if (newest.length === 0) return [];
    const fields = [...new Set([...CHARTED_SYSTEM_FIELDS, ...newest.flatMap((p) => systemFields(p.fields))])].sort();
    const history = await this.store.history({
      robotId,
      measurement: 'robot_status',
      fields,
      from,
      to,
      fn: 'last',
    });
    return perfRecords(robotId, historyBuckets(history));
  }

  /** The last `ms` up to now (inclusive: the store's end is exclusive). */
  private range(ms: number): { from: Date; to: Date } {
    const now = this.clock.now().getTime();
    return { from: new Date(now - ms), to: new Date(now + 1) };
  }
}
