import type { TelemetryEvent } from '@fleet/contracts';

/** A reading alerting judges against a threshold: what (`metric`), where on the robot (`source`), how much. */
export interface MetricSample {
  metric: string;
  /** Which part of the robot: `cpu`, `memory`, `battery`, `servo_3`, or the sensor type. */
  source: string;
  value: number;
  /** Words for the alert message (an e-stop's reason, a robot's error text). */
  note?: string;
}

/** What one telemetry event tells alerting. */
export interface Observation {
  robotId: string;
  kind: string;
  messageKey: string;
  /** When it happened (the robot's clock when trusted): orders samples. */
  time: Date;
  /** When Fleet received it: proves the robot is there. */
  receivedAt: Date;
  samples: MetricSample[];
  /** Battery messages: whether the robot is on its charger (battery alerts are suppressed meanwhile). */
  charging?: boolean;
  /** A status message: what the robot said it is (`online`, `offline`, ...). */
  status?: string;
}

/**
 * Conditions that are not thresholds on a reading but are judged the same way: 1 while they hold, 0 once they
 * are over (an e-stop acknowledged, then resumed; a robot reporting `error`, then `online`).
 */
export const SIGNAL_METRICS = {
  emergencyStop: 'emergency_stop',
  statusError: 'status_error',
} as const;

const RESERVED_METRICS: ReadonlySet<string> = new Set([...Object.values(SIGNAL_METRICS), 'offline']);

/**
 * Reads the samples out of one telemetry event as ingest published it. Unknown kinds and fields without a
 * number give no sample; the event still shows the robot is alive.
 *
 * @example
 * observe({ kind: 'battery', data: { percentage: 19, charging: false }, ... }).samples
 * // [{ metric: 'battery', source: 'battery', value: 19 }]
 */
export function observe(event: TelemetryEvent): Observation {
  const observation: Observation = {
    robotId: event.robotId,
    kind: event.kind,
    messageKey: event.messageKey,
    time: new Date(event.time),
    receivedAt: new Date(event.receivedAt),
    samples: [],
  };
  const data = event.data;
  const add = (metric: string, source: string, value: unknown, note?: string) => {
    const n = toNumber(value);
    if (n !== undefined) observation.samples.push({ metric, source, value: n, ...(note && { note }) });
  };
  switch (event.kind) {
    case 'status': {
      const info = record(data.system_info) ?? {};
      add('cpu', 'cpu', info.cpu_percent);
      add('memory', 'memory', info.memory_percent);
      add('disk', 'disk', info.disk_usage);
      add('temperature', 'cpu', info.temperature ?? info.cpu_temperature);
      const status = typeof data.status === 'string' ? data.status : undefined;
      if (status) observation.status = status;
      if (status === 'error') {
        add(SIGNAL_METRICS.statusError, 'status', 1, text(info.error) ?? text(data.error) ?? text(data.message));
      } else if (status === 'online') {
        add(SIGNAL_METRICS.statusError, 'status', 0);
      }
      if (status === 'online' && data.emergency_stopped === false) add(SIGNAL_METRICS.emergencyStop, 'robot', 0);
      break;
    }
    case 'battery':
      add('battery', 'battery', data.percentage);
      if (typeof data.charging === 'boolean') observation.charging = data.charging;
      break;
    case 'servos':
      for (const [key, value] of Object.entries(record(data.servos) ?? {})) {
        const servo = record(value);
        if (!servo) continue;
        const id = toNumber(servo.id);
        const source = id !== undefined && Number.isInteger(id) ? `servo_${id}` : key;
        const name = text(servo.name);
        add('servo_temp', source, servo.temperature, name);
        add('servo_voltage', source, servo.voltage, name);
      }
      break;
    case 'sensors': {
      const type = text(data.sensor_type);
      if (type === 'cpu_temperature') add('temperature', 'cpu', data.value);
      // A sensor named like one of alerting's own conditions is not taken for it.
      else if (type && !RESERVED_METRICS.has(type)) add(type, type, data.value);
      break;
    }
    case 'emergency_stop_response':
    case 'command_response': {
      const type = text(data.type) ?? text(data.command_type);
      const state = record(data.state);
      const resumed = type === 'resume' || type === 'resume_ack';
      const stopped = type === 'emergency_stop' || type === 'emergency_stop_ack' || state?.emergency_stopped === true;
      if (data.success === true && stopped && !resumed) {
        add(SIGNAL_METRICS.emergencyStop, 'robot', 1, text(data.reason) ?? text(data.message));
      } else if (data.success === true && resumed) {
        add(SIGNAL_METRICS.emergencyStop, 'robot', 0);
      }
      break;
    }
    default:
      break;
  }
  return observation;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, 500) : undefined;
}
