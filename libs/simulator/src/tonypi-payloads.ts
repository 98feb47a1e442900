// The payloads the TonyPi robot client publishes, key for key and in its order (robot_client/tonypi_client.py).

/** One MQTT message a simulated robot publishes: the topic without any installation prefix, and its JSON body. */
export interface SimulatedMessage {
  topic: string;
  payload: TonyPiPayload;
}

/** `tonypi/sensors/{id}`: one reading per message. */
export interface SensorReading {
  robot_id: string;
  sensor_type: SensorType;
  value: number;
  timestamp: string;
  unit: string;
}

export const SENSOR_UNITS = {
  accelerometer_x: 'm/s^2',
  accelerometer_y: 'm/s^2',
  accelerometer_z: 'm/s^2',
  gyroscope_x: 'deg/s',
  gyroscope_y: 'deg/s',
  gyroscope_z: 'deg/s',
  ultrasonic_distance: 'cm',
  cpu_temperature: 'C',
  light_sensor_dark: 'bool',
  light_level: '%',
} as const;
export type SensorType = keyof typeof SENSOR_UNITS;

export interface ServoReading {
  id: number;
  name: string;
  position: number;
  temperature: number;
  voltage: number;
  torque_enabled: boolean;
  alert_level: 'normal' | 'warning' | 'critical';
}

/** `tonypi/servos/{id}`. */
export interface ServoStatus {
  robot_id: string;
  servos: Record<string, ServoReading>;
  servo_count: number;
  timestamp: string;
}

export interface SystemInfo {
  platform: string;
  cpu_percent: number;
  memory_percent: number;
  disk_usage: number;
  temperature: number;
  cpu_temperature: number;
  uptime: number;
  hardware_mode: boolean;
  hardware_sdk: boolean;
}

/** `tonypi/status/{id}`. */
export interface RobotStatus {
  robot_id: string;
  status: 'online' | 'offline' | 'emergency_stopped';
  timestamp: string;
  system_info: SystemInfo;
  hardware_available: boolean;
  ip_address: string;
  camera_url: string;
  emergency_stopped: boolean;
  emergency_reason: string | null;
}

/** `tonypi/battery` (the robot id is only in the payload). */
export interface BatteryStatus {
  robot_id: string;
  percentage: number;
  voltage: number;
  charging: boolean;
  timestamp: string;
}

/** `tonypi/location` (the robot id is only in the payload). */
export interface RobotLocation {
  robot_id: string;
  x: number;
  y: number;
  z: number;
  timestamp: string;
}

/** `tonypi/logs/{id}`. */
export interface RobotLog {
  robot_id: string;
  timestamp: string;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  message: string;
  source: string;
}

/** `tonypi/job/{id}`, as `send_job_event` writes it: optional keys only when given. */
export interface JobEvent {
  robot_id: string;
  timestamp: string;
  task_name: string;
  status: 'started' | 'in_progress' | 'completed' | 'cancelled' | 'failed';
  phase?: 'scanning' | 'searching' | 'executing' | 'done';
  elapsed_time?: number;
  estimated_duration?: number;
  action_duration?: number;
  success?: boolean;
  reason?: string;
  items_done?: number;
  items_total?: number;
  progress_percent?: number;
}

/** `tonypi/job/{id}`, the older progress form the client sends when a scanned item is found. */
export interface LegacyJobProgress {
  robot_id: string;
  percent: number;
  status: 'working' | 'completed';
  items_done: number;
  items_total: number;
  timestamp: string;
}

/** `tonypi/commands/response` and `tonypi/emergency_stop/response`. */
export interface CommandResponse {
  robot_id: string;
  command_id?: string | null;
  type?: string;
  timestamp: string;
  success: boolean;
  message: string;
  [extra: string]: unknown;
}

export type TonyPiPayload =
  | SensorReading
  | ServoStatus
  | RobotStatus
  | BatteryStatus
  | RobotLocation
  | RobotLog
  | JobEvent
  | LegacyJobProgress
  | CommandResponse;
