// The telemetry events the alerting benchmark publishes: what ingest makes of the TonyPi client's messages.
import type { TelemetryEvent } from '@fleet/contracts';
import {
  round,
  SENSOR_UNITS,
  type BatteryStatus,
  type RobotStatus,
  type SeededRandom,
  type SensorReading,
  type SensorType,
  type ServoReading,
  type ServoStatus,
} from '@fleet/simulator';

/** One robot message before it is given its time: kind and payload as ingest publishes them. */
export interface Reading {
  robotId: string;
  kind: 'status' | 'battery' | 'servos' | 'sensors';
  data: Record<string, unknown>;
  /** When the robot sent it, in simulated milliseconds since the mix began; increasing per robot. */
  simulatedMs: number;
  /** How many of its values have a default threshold, and how many of those breach it. */
  judged: number;
  breaching: number;
}

const SERVO_NAMES = ['Left Hip', 'Left Knee', 'Right Hip', 'Right Knee', 'Head Pan', 'Head Tilt'];

/**
 * Draws one value with a threshold: in its normal range (clear of the threshold by more than its clear margin), or,
 * with the mix's breach probability, in its breaching range (past the default warning or critical threshold).
 */
type Draw = (normal: [number, number], breach: [number, number], digits?: number) => number;

/**
 * The TonyPi client's mix from every robot, endlessly: per robot and 30 simulated seconds 150 sensor readings, 10
 * servo reports (six servos), 3 statuses (cpu, memory, disk, temperature), 1 battery report. Each value that has a
 * default threshold breaches it with probability `breachShare`; the rest stay clear of it.
 */
export function* tonyPiMix(robotIds: readonly string[], random: SeededRandom, breachShare: number): Generator<Reading> {
  const battery = robotIds.map(() => random.uniform(60, 100));
  for (let at = 0; ; at++) {
    for (const [r, robotId] of robotIds.entries()) {
      // A millisecond of its own for each message of one robot and second, so no two share a time.
      let tick = 0;
      const message = (kind: Reading['kind'], build: (pick: Draw) => object): Reading => {
        let judged = 0;
        let breaching = 0;
        const pick: Draw = (normal, breach, digits = 1) => {
          judged++;
          const bad = random.chance(breachShare);
          if (bad) breaching++;
          const [min, max] = bad ? breach : normal;
          return round(random.uniform(min, max), digits);
        };
        const data = build(pick) as Record<string, unknown>;
        return { robotId, kind, data, simulatedMs: at * 1000 + tick++, judged, breaching };
      };
      if (at % 10 === 0) yield message('status', (pick) => status(robotId, pick, at));
      if (at % 30 === 0) {
        battery[r] = Math.max(30, battery[r] - random.uniform(0, 0.5));
        yield message('battery', (pick) => batteryStatus(robotId, battery[r], pick));
      }
      if (at % 3 === 0) yield message('servos', (pick) => servos(robotId, pick, random));
      if (at % 2 === 0) {
        for (const sensor of Object.keys(SENSOR_UNITS) as SensorType[]) {
          yield message('sensors', (pick) => sensorReading(robotId, sensor, pick, random));
        }
      }
    }
  }
}

/** Thresholds (warning/critical): cpu 70/90, memory 75/90, disk 80/90, temperature 70/80 (see the migrations). */
function status(robotId: string, pick: Draw, at: number): Omit<RobotStatus, 'timestamp'> {
  const temperature = pick([45, 62], [70, 85], 3);
  return {
    robot_id: robotId,
    status: 'online',
    system_info: {
      platform: 'Linux-5.10.103-v7l+-armv7l-with-glibc2.31',
      cpu_percent: pick([8, 60], [70, 100]),
      memory_percent: pick([25, 65], [75, 98]),
      disk_usage: pick([30, 70], [80, 97]),
      temperature,
      cpu_temperature: temperature,
      uptime: 3_600 + at,
      hardware_mode: true,
      hardware_sdk: true,
    },
    hardware_available: true,
    ip_address: '192.168.149.10',
    camera_url: 'http://192.168.149.10:8081/?action=stream',
    emergency_stopped: false,
    emergency_reason: null,
  };
}

/** Thresholds: 20% / 10%, lower is worse. */
function batteryStatus(robotId: string, level: number, pick: Draw): Omit<BatteryStatus, 'timestamp'> {
  const percentage = pick([level, level], [3, 20]);
  return { robot_id: robotId, percentage, voltage: round(9 + percentage * 0.036, 2), charging: false };
}

/** Thresholds: servo temperature 60/75 °C; servo voltage 5.5/5.0 V, lower is worse. */
function servos(robotId: string, pick: Draw, random: SeededRandom): Omit<ServoStatus, 'timestamp'> {
  const readings: Record<string, ServoReading> = {};
  SERVO_NAMES.forEach((name, i) => {
    const temperature = Math.round(pick([35, 52], [60, 80]));
    readings[`servo_${i + 1}`] = {
      id: i + 1,
      name,
      position: round(random.uniform(-90, 90), 1),
      temperature,
      voltage: pick([6.8, 7.6], [4.6, 5.5], 2),
      torque_enabled: true,
      alert_level: temperature > 70 ? 'critical' : temperature > 60 ? 'warning' : 'normal',
    };
  });
  return { robot_id: robotId, servos: readings, servo_count: SERVO_NAMES.length };
}

/** Only `cpu_temperature` has a threshold (temperature, 70/80 °C); the other readings are judged against none. */
function sensorReading(
  robotId: string,
  sensor: SensorType,
  pick: Draw,
  random: SeededRandom,
): Omit<SensorReading, 'timestamp'> {
  const value =
    sensor === 'cpu_temperature'
      ? pick([45, 62], [70, 85], 3)
      : sensor === 'accelerometer_z'
        ? round(random.uniform(9.5, 10), 3)
        : sensor === 'ultrasonic_distance'
          ? round(random.uniform(5, 200), 1)
          : sensor === 'light_level'
            ? random.int(60, 100)
            : sensor === 'light_sensor_dark'
              ? 0
              : round(random.uniform(-0.5, 0.5), 3);
  return { robot_id: robotId, sensor_type: sensor, value, unit: SENSOR_UNITS[sensor] };
}

/** The event ingest would publish for `reading`, sent at `time` and received a few milliseconds later. */
export function toEvent(reading: Pick<Reading, 'robotId' | 'kind' | 'data'>, key: string, time: Date): TelemetryEvent {
  return {
    messageKey: key,
    robotId: reading.robotId,
    kind: reading.kind,
    time: time.toISOString(),
    receivedAt: new Date(time.getTime() + 3).toISOString(),
    clock: 'ok',
    data: { ...reading.data, timestamp: time.toISOString() },
  };
}
