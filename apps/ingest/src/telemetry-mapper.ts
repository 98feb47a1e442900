import type { FieldValue, TelemetryPoint } from '@fleet/telemetry';
import { storable } from './storable';

/** An accepted robot message, as the mapper needs it. */
export interface MappableMessage {
  kind: string;
  robotId: string;
  time: Date;
  data: Readonly<Record<string, unknown>>;
}

type Fields = Record<string, FieldValue>;

/** Copies the keys that hold a finite number, a string or a boolean; anything else (objects, null) is left out. */
function scalars(source: Readonly<Record<string, unknown>>, keys: readonly string[], rename?: (key: string) => string) {
  const fields: Fields = {};
  for (const key of keys) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) fields[rename ? rename(key) : key] = value;
    } else if (typeof value === 'string') fields[rename ? rename(key) : key] = storable(value);
    else if (typeof value === 'boolean') fields[rename ? rename(key) : key] = value;
  }
  return fields;
}

/** Numeric and text values of an object, all of its keys (for open-ended blocks like `system_info`). */
function allScalars(source: unknown, rename: (key: string) => string): Fields {
  if (!source || typeof source !== 'object') return {};
  return scalars(source as Record<string, unknown>, Object.keys(source), rename);
}

/** Open-ended payloads keep their own key names, except `time`, which InfluxDB reserves for the timestamp. */
const openKey = (key: string) => (key === 'time' ? 'time_value' : key);

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Tag values are bounded sets, but still text a robot sent: keep them short. */
const tag = (value: unknown): string => storable(String(value).slice(0, 64));

const SERVO_FIELDS = ['position', 'temperature', 'voltage', 'torque_enabled', 'alert_level', 'angle', 'load'] as const;

/**
 * The time series points a robot message becomes, named as the TonyPi backend names them (`sensor_data`,
 * `robot_status`, `servo_data`, ...). Kinds without time series (scan, command and e-stop responses) give none.
 */
export function toPoints(message: MappableMessage): TelemetryPoint[] {
  const { robotId, time, data } = message;
  const point = (measurement: TelemetryPoint['measurement'], fields: Fields, tags?: Record<string, string>) =>
    Object.keys(fields).length === 0 ? [] : [{ measurement, robotId, time, fields, ...(tags && { tags }) }];
  switch (message.kind) {
    case 'sensors':
      return point('sensor_data', scalars(data, ['value', 'unit']), { sensor_type: tag(data.sensor_type) });
    case 'status': {
      const fields: Fields = {
        ...allScalars(data.system_info, (key) => `system_${key}`),
        ...scalars(data, ['status', 'emergency_stopped']),
      };
      return point('robot_status', fields);
    }
    case 'servos': {
      const servos = asRecord(data.servos);
      return Object.entries(servos).flatMap(([key, value]) => {
        const servo = asRecord(value);
        const id = servo.id ?? key.replace(/^servo_?/, '');
        const tags = { servo_id: tag(id), servo_name: tag(servo.name ?? key) };
        return point('servo_data', scalars(servo, SERVO_FIELDS), tags);
      });
    }
    case 'battery':
      return point('battery_status', scalars(data, ['percentage', 'voltage', 'charging', 'current', 'temperature']));
    case 'location':
      return point('robot_location', scalars(data, ['x', 'y', 'z', 'heading', 'latitude', 'longitude', 'altitude']));
    case 'vision': {
      const fields = allScalars(data, openKey);
      delete fields.robot_id;
      delete fields.timestamp;
      if (Array.isArray(data.bbox)) fields.bbox = JSON.stringify(data.bbox);
      return point('vision_data', fields);
    }
    case 'logs':
      return point('robot_logs', scalars(data, ['message', 'source']), { level: tag(data.level ?? 'INFO') });
    case 'job': {
      const fields = allScalars(data, openKey);
      delete fields.robot_id;
      delete fields.timestamp;
      return point('job_progress', fields);
    }
    default:
      return [];
  }
}
