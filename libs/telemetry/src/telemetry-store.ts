import { TELEMETRY_MEASUREMENTS } from '@fleet/contracts';

/**
 * The measurements Fleet writes. Names follow what the TonyPi backend's code writes (not its design document).
 * Tags are only ever bounded sets (robot id, sensor type, servo id/name, detection label, log level); everything
 * else is a field.
 */
export const MEASUREMENTS = TELEMETRY_MEASUREMENTS;
export type Measurement = (typeof MEASUREMENTS)[number];

export type FieldValue = number | string | boolean;

/**
 * One point of one series. A series is (measurement, robot id, tags); writing a point with the same series and time
 * again replaces it, so redelivery never duplicates.
 *
 * @example
 * { measurement: 'servo_data', robotId: 'tonypi_01', tags: { servo_id: '3', servo_name: 'left_knee' },
 *   fields: { position: 512, temperature: 41.5, voltage: 7.4 }, time: new Date('2026-01-24T10:30:45.123Z') }
 */
export interface TelemetryPoint {
  measurement: Measurement;
  robotId: string;
  /** Bounded tags besides `robot_id`; keys and values are plain strings. */
  tags?: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, FieldValue>>;
  /** Millisecond precision is kept. */
  time: Date;
}

/** The latest point of each series of one robot and measurement. */
export interface LatestPoint {
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  time: Date;
}

export const AGGREGATIONS = ['mean', 'min', 'max', 'last', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface HistoryQuery {
  robotId: string;
  measurement: Measurement;
  /** Numeric fields to aggregate. */
  fields: readonly string[];
  from: Date;
  to: Date;
  /** Only the series with these tag values (e.g. `{ servo_id: '3' }`, `{ sensor_type: 'cpu_temperature' }`). */
  tags?: Readonly<Record<string, string>>;
  /** Bucket width in milliseconds; omitted: chosen so the range has at most {@link MAX_BUCKETS} buckets. */
  everyMs?: number;
  /** Default `mean`. */
  fn?: Aggregation;
}

/**
 * Aggregated history in columns: one entry of `times` per bucket with at least one point (empty buckets are left
 * out), and for each field requested one value per bucket, null where the bucket has no point of that field.
 *
 * @example
 * { everyMs: 60_000, fn: 'mean', times: [1769250600000, 1769250660000],
 *   values: { percentage: [81.5, 81.25], voltage: [7.4, null] } }
 */
export interface HistoryResult {
  everyMs: number;
  fn: Aggregation;
  /** Start of each bucket, epoch ms, oldest first. */
  times: number[];
  values: Record<string, (number | null)[]>;
}

/** One bucket of a {@link HistoryResult}, for who reads a history bucket by bucket. */
export interface HistoryBucket {
  time: Date;
  values: Record<string, number | null>;
}

/** The buckets of a history, oldest first. */
export function historyBuckets(result: HistoryResult): HistoryBucket[] {
  const fields = Object.keys(result.values);
  return result.times.map((time, i) => ({
    time: new Date(time),
    values: Object.fromEntries(fields.map((field) => [field, result.values[field][i] ?? null])),
  }));
}

export const MAX_BUCKETS = 1_000;

/** Bucket widths a history query rounds up to, so buckets line up across queries and stores. */
const NICE_WINDOWS_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000,
];

/** The smallest "nice" bucket width giving at most {@link MAX_BUCKETS} buckets over `from`..`to`. */
export function autoWindowMs(from: Date, to: Date): number {
  const span = Math.max(0, to.getTime() - from.getTime());
  const needed = span / MAX_BUCKETS;
  return NICE_WINDOWS_MS.find((w) => w >= needed) ?? Math.ceil(needed / 86_400_000) * 86_400_000;
}

/**
 * Where time series live: InfluxDB, or Postgres for the all-in-one mode and small fleets. Both adapters pass the
 * same contract suite.
 */
export interface TelemetryStore {
  /** Store points; resolves once they are durable. Rejects when the store cannot take them (nothing is partial). */
  write(points: readonly TelemetryPoint[]): Promise<void>;
  /** Latest point of every series of a robot's measurement (optionally only series with these tags). */
  latest(robotId: string, measurement: Measurement, tags?: Readonly<Record<string, string>>): Promise<LatestPoint[]>;
  /** Aggregated history of numeric fields over a range. */
  history(query: HistoryQuery): Promise<HistoryResult>;
  /** Robot ids with at least one point in `from`..`to`, sorted. */
  robotsSeen(from: Date, to: Date): Promise<string[]>;
  /** Create what the store needs (database, retention, partitions); safe to call again. */
  prepare(): Promise<void>;
  /** A cheap round trip, for health. */
  ping(): Promise<Record<string, unknown>>;
  /** Human-readable target for logs and health, without credentials. */
  readonly target: string;
}
