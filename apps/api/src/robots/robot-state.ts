import type { RobotState } from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import type { LiveEntry, RobotLiveState } from '@fleet/messaging';

type Value = number | string | boolean;

const num = (value: Value | undefined): number | null => (typeof value === 'number' ? value : null);
const bool = (value: Value | undefined): boolean | null => (typeof value === 'boolean' ? value : null);
const text = (value: Value | undefined): string | null =>
  typeof value === 'string' ? value : value === undefined ? null : String(value);

/** The later of two ISO or Date times, as ISO; null when neither is known. */
function latest(a: string | null, b: Date | null): string | null {
  const other = b?.toISOString() ?? null;
  if (a === null) return other;
  return other !== null && other > a ? other : a;
}

/** The series key's measurement: `servo_data:3,left_knee` → `servo_data`. */
const measurementOf = (key: string) => key.split(':', 1)[0] ?? key;

/** `robot_status` stores `system_info` keys as `system_<key>`: shown again under their own names. */
function systemInfo(entry: LiveEntry): NonNullable<RobotState['system']> {
  const system: NonNullable<RobotState['system']> = { time: entry.time };
  for (const [field, value] of Object.entries(entry.fields)) {
    if (field.startsWith('system_')) system[field.slice('system_'.length)] = value;
  }
  return system;
}

/**
 * What the dashboard shows for one robot: its registry row with the newest live values (battery, system info,
 * servos, location, sensors, job, vision) as ingest last stored them. Live status and last sighting win over the
 * registry's when newer; a robot the live state does not know shows the registry's alone.
 */
export function robotStateView(robot: Robot, live: RobotLiveState | null): RobotState {
  const state: RobotState = {
    robot_id: robot.robot_id,
    name: robot.name,
    is_active: robot.is_active,
    live: live !== null,
    status: live?.status ?? robot.status,
    status_at: live?.statusAt ?? null,
    last_seen: latest(live?.lastSeen ?? null, robot.last_seen),
    emergency_stopped: null,
    battery: null,
    system: null,
    location: null,
    servos: [],
    sensors: [],
    job: null,
    vision: null,
  };
  for (const [key, entry] of Object.entries(live?.entries ?? {})) {
    const { fields, tags, time } = entry;
    const measurement = measurementOf(key);
    switch (measurement) {
      case 'battery_status':
        state.battery = {
          ...fields,
          time,
          percentage: num(fields.percentage),
          voltage: num(fields.voltage),
          charging: bool(fields.charging),
        };
        break;
      case 'robot_status':
        state.system = systemInfo(entry);
        state.emergency_stopped = bool(fields.emergency_stopped);
        break;
      case 'robot_location':
        state.location = { ...fields, time, x: num(fields.x), y: num(fields.y) };
        break;
      case 'servo_data':
        state.servos.push({
          ...fields,
          time,
          id: tags.servo_id ?? key.slice(measurement.length + 1),
          name: tags.servo_name ?? null,
          position: num(fields.position),
          temperature: num(fields.temperature),
          voltage: num(fields.voltage),
        });
        break;
      case 'sensor_data':
        state.sensors.push({
          time,
          sensor_type: tags.sensor_type ?? key.slice(measurement.length + 1),
          value: fields.value ?? null,
          unit: text(fields.unit),
        });
        break;
      case 'job_progress':
        state.job = { ...fields, time };
        break;
      case 'vision_data':
        state.vision = { ...fields, time };
        break;
      default:
        break;
    }
  }
  if (state.emergency_stopped === null && state.status === 'emergency_stopped') state.emergency_stopped = true;
  state.servos.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  state.sensors.sort((a, b) => a.sensor_type.localeCompare(b.sensor_type));
  return state;
}
