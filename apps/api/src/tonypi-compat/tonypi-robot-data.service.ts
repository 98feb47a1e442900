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
import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import { jobSummary } from './tonypi-jobs.mapper';
import {
  latestData,
  measurementName,
  perfRecords,
  RECENT_MS,
  robotStatus,
  type SensorSeries,
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
   * Sensor readings of the last `rangeMs`, one per second at most (the store's `last` of each bucket), of one
   * robot or of every robot heard from in that time. Only `sensor_data` has readings with a sensor type.
   */
  async sensors(measurement: string, rangeMs: number, robotId?: string): Promise<TonyPiSensorReading[]> {
    const name = measurementName(measurement);
    if (name !== 'sensor_data') return [];
    const { from, to } = this.range(rangeMs);
    const robotIds = robotId !== undefined ? [robotId] : await this.store.robotsSeen(from, to);
    const series: SensorSeries[] = [];
    for (const id of robotIds) {
      const types = (await this.store.latest(id, 'sensor_data')).filter(
        (point) => point.time >= from && point.tags.sensor_type !== undefined,
      );
      series.push(
        ...(await Promise.all(
          types.map(async ({ tags, fields }) => {
            const history = await this.store.history({
              robotId: id,
              measurement: 'sensor_data',
              fields: ['value'],
              tags: { sensor_type: tags.sensor_type },
              from,
              to,
              fn: 'last',
            });
            return {
              robotId: id,
              sensorType: tags.sensor_type,
              unit: typeof fields.unit === 'string' ? fields.unit : null,
              buckets: history.buckets.map((b) => ({ time: b.time, value: b.values.value ?? null })),
            };
          }),
        )),
      );
    }
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
    return perfRecords(robotId, history.buckets);
  }

  /** The last `ms` up to now (inclusive: the store's end is exclusive). */
  private range(ms: number): { from: Date; to: Date } {
    const now = this.clock.now().getTime();
    return { from: new Date(now - ms), to: new Date(now + 1) };
  }
}
