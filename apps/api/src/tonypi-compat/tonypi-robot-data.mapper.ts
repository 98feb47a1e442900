import {
  safeCameraUrl,
  type TonyPiLatestData,
  type TonyPiPerfRecord,
  type TonyPiRobotStatus,
  type TonyPiSensorReading,
  type TonyPiServo,
  type TonyPiServoData,
} from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import type { LiveEntry, RobotLiveState } from '@fleet/messaging';
import { autoWindowMs, MAX_BUCKETS } from '@fleet/telemetry';

type Value = number | string | boolean;
type Fields = Record<string, Value | null>;

/** TonyPi's short names for measurements in `?measurement=`. */
export const MEASUREMENT_ALIASES: Readonly<Record<string, string>> = {
  sensors: 'sensor_data',
  servos: 'servo_data',
  battery: 'battery_status',
  location: 'robot_location',
};

/** TonyPi looks at the last five minutes for "now": a robot silent for longer is not listed. */
export const RECENT_MS = 5 * 60_000;

/** The most records `/pi/perf/{host}` returns, the newest ones (as TonyPi). */
export const PERF_RECORDS = 500;

export function measurementName(name: string): string {
  return MEASUREMENT_ALIASES[name] ?? name;
}

const num = (value: Value | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const text = (value: Value | null | undefined): string | null =>
  value === undefined || value === null ? null : String(value);

/** The later of two times, as ISO; null when neither is known. */
function later(a: string | null | undefined, b: Date | null | undefined): string | null {
  const other = b ? b.toISOString() : null;
  if (!a) return other;
  return other !== null && other > a ? other : a;
}

const measurementOf = (seriesKey: string) => seriesKey.split(':', 1)[0];

/** The live entries of one measurement, newest first, no older than `since`. */
function entriesOf(live: RobotLiveState | null, measurement: string, since?: Date): [string, LiveEntry][] {
  const floor = since?.toISOString();
  return Object.entries(live?.entries ?? {})
    .filter(([key, entry]) => measurementOf(key) === measurement && (floor === undefined || entry.time >= floor))
    .sort(([, a], [, b]) => b.time.localeCompare(a.time));
}

/** The most readings `GET /robot-data/sensors` answers with; the dashboard reads the last 20 at most. */
export const SENSOR_READINGS_MAX = 1_000;

/** The most robots one sensors answer reads, the first by id: each costs a look-up of its sensor types. */
export const SENSOR_ROBOTS_MAX = 20;

/** The most series (robot and sensor type) one sensors answer reads, the freshest: each costs a history query. */
export const SENSOR_SERIES_MAX = 50;

/** One sensor type of one robot heard from in a range: its unit and when it last reported. */
export interface SensorSource {
  robotId: string;
  sensorType: string;
  unit: string | null;
  latest: Date;
}

/**
 * What `GET /robot-data/sensors` reads for `from`..`to`: the {@link SENSOR_SERIES_MAX} freshest series, in buckets
 * wide enough that all of them together give at most {@link SENSOR_READINGS_MAX} readings. Buckets are the store's
 * widths (1 s, 2 s, 5 s, ... 1 d), so a few series over minutes keep one reading a second.
 */
export function planSensorReads(
  sources: readonly SensorSource[],
  from: Date,
  to: Date,
): { sources: SensorSource[]; everyMs: number } {
  const chosen = [...sources]
    .sort(
      (a, b) =>
        b.latest.getTime() - a.latest.getTime() ||
        a.robotId.localeCompare(b.robotId) ||
        a.sensorType.localeCompare(b.sensorType),
    )
    .slice(0, SENSOR_SERIES_MAX);
  // n buckets of a range that does not start on a bucket boundary touch n + 1 of them.
  const perSeries = Math.max(1, Math.floor(SENSOR_READINGS_MAX / Math.max(1, chosen.length)) - 1);
  const span = Math.max(0, to.getTime() - from.getTime());
  // autoWindowMs fits MAX_BUCKETS buckets in a span: scaled, it fits `perSeries`.
  const everyMs = autoWindowMs(new Date(0), new Date(Math.ceil((span * MAX_BUCKETS) / perSeries)));
  return { sources: chosen, everyMs };
}

/** One sensor type of one robot over a range, as the telemetry store answered (one value per bucket). */
export interface SensorSeries {
  robotId: string;
  sensorType: string;
  unit: string | null;
  buckets: readonly { time: Date; value: number | null }[];
}

/**
 * `GET /robot-data/sensors`: one record per reading, newest first (the dashboard takes the tail of the list), the
 * newest {@link SENSOR_READINGS_MAX} at most. Only numeric readings are listed: the dashboard formats every value
 * as a number.
 */
export function sensorReadings(measurement: string, series: readonly SensorSeries[]): TonyPiSensorReading[] {
  const readings = series.flatMap((s) =>
    s.buckets.flatMap((bucket) =>
      bucket.value === null || !Number.isFinite(bucket.value)
        ? []
        : [
            {
              timestamp: bucket.time.toISOString(),
              measurement,
              field: 'value' as const,
              value: bucket.value,
              robot_id: s.robotId,
              sensor_type: s.sensorType,
              unit: s.unit,
            },
          ],
    ),
  );
  return readings
    .sort(
      (a, b) =>
        b.timestamp.localeCompare(a.timestamp) ||
        a.robot_id.localeCompare(b.robot_id) ||
        a.sensor_type.localeCompare(b.sensor_type),
    )
    .slice(0, SENSOR_READINGS_MAX);
}

/**
 * `{x, y, z}` with three numbers, or null: the dashboard formats all three whenever a location is given. A robot
 * that reports no height stands on the floor.
 */
function location(fields: Readonly<Record<string, unknown>> | null | undefined): TonyPiRobotStatus['location'] {
  const x = num(fields?.x as Value);
  const y = num(fields?.y as Value);
  if (x === null || y === null) return null;
  return { x, y, z: num(fields?.z as Value) ?? 0 };
}

/** One robot of `GET /robot-data/status`: live status, battery and location, address and camera from the registry. */
export function robotStatus(robotId: string, live: RobotLiveState | null, robot?: Robot): TonyPiRobotStatus {
  const liveLocation = entriesOf(live, 'robot_location')[0]?.[1].fields;
  return {
    robot_id: robotId,
    name: robot?.name ?? null,
    status: live?.status ?? robot?.status ?? 'online',
    last_seen: later(live?.lastSeen, robot?.last_seen),
    battery_percentage: num(entriesOf(live, 'battery_status')[0]?.[1].fields.percentage),
    location: location(liveLocation) ?? location(robot?.location),
    ip_address: robot?.ip_address ?? null,
    camera_url: safeCameraUrl(robot?.camera_url),
  };
}

/**
 * `GET /robot-data/latest/{id}`: the newest values of the last five minutes, by measurement; an empty object
 * where the robot said nothing in that time.
 */
export function latestData(robotId: string, live: RobotLiveState | null, since: Date, robot?: Robot): TonyPiLatestData {
  const newest = (measurement: string): Fields => ({ ...entriesOf(live, measurement, since)[0]?.[1].fields });
  const battery = newest('battery_status');
  if ('charging' in battery) {
    battery.is_charging = battery.charging;
    delete battery.charging;
  }
  const status = newest('robot_status');
  if (Object.keys(status).length > 0) {
    status.status = live?.status ?? text(status.status);
    status.ip_address = robot?.ip_address ?? null;
    status.camera_url = safeCameraUrl(robot?.camera_url);
  }
  return {
    robot_id: robotId,
    sensors: newest('sensor_data'),
    battery,
    location: newest('robot_location'),
    status,
  };
}

/**
 * `GET /robot-data/servos/{id}`: the newest reading of each servo since `since`, keyed by servo name. A servo
 * without a numeric position, temperature and voltage is left out: the dashboard formats all three as numbers.
 */
export function servoData(robotId: string, live: RobotLiveState | null, since: Date, now: Date): TonyPiServoData {
  const servos: [number | null, TonyPiServo][] = [];
  const named = new Set<string>();
  for (const [key, { tags, fields }] of entriesOf(live, 'servo_data', since)) {
    const name = tags.servo_name ?? key.slice('servo_data:'.length);
    const [position, temperature, voltage] = [num(fields.position), num(fields.temperature), num(fields.voltage)];
    if (named.has(name) || position === null || temperature === null || voltage === null) continue;
    named.add(name);
    const id = /^\d{1,9}$/.test(tags.servo_id ?? '') ? Number(tags.servo_id) : null;
    servos.push([
      id,
      {
        id,
        name,
        robot_id: robotId,
        alert_level: text(fields.alert_level),
        torque_enabled: typeof fields.torque_enabled === 'boolean' ? fields.torque_enabled : null,
        position,
        temperature,
        voltage,
      },
    ]);
  }
  servos.sort(([a, x], [b, y]) => (a ?? Infinity) - (b ?? Infinity) || x.name.localeCompare(y.name));
  const answer: TonyPiServoData = {
    robot_id: robotId,
    servos: Object.fromEntries(servos.map(([, servo]) => [servo.name, servo])),
    servo_count: servos.length,
    timestamp: now.toISOString(),
  };
  if (servos.length === 0) answer.message = 'No servo data found';
  return answer;
}

/**
 * `GET /pi/perf/{host}`: one record per `system_*` value and time, oldest first, at most the newest
 * {@link PERF_RECORDS}. `status_type` is the robot id, as TonyPi took it from the status topic.
 */
export function perfRecords(
  robotId: string,
  buckets: readonly { time: Date; values: Readonly<Record<string, number | null>> }[],
): TonyPiPerfRecord[] {
  const records = [...buckets]
    .sort((a, b) => a.time.getTime() - b.time.getTime())
    .flatMap((bucket) =>
      Object.keys(bucket.values)
        .sort()
        .flatMap((field) => {
          const value = bucket.values[field];
          return value === null || value === undefined || !Number.isFinite(value)
            ? []
            : [
                {
                  time: bucket.time.toISOString(),
                  measurement: 'robot_status' as const,
                  field,
                  value,
                  robot_id: robotId,
                  status_type: robotId,
                },
              ];
        }),
    );
  return records.slice(-PERF_RECORDS);
}

/** The numeric `system_*` fields of a robot's newest `robot_status` point: what `/pi/perf` charts. */
export function systemFields(fields: Readonly<Record<string, Value>> | undefined): string[] {
  return Object.entries(fields ?? {})
    .filter(([field, value]) => field.startsWith('system_') && typeof value === 'number')
    .map(([field]) => field)
    .sort();
}
