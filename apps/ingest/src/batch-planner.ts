import type { RobotSighting, NewDeadLetter, NewLogEntry } from '@fleet/database';
import {
  safeCameraUrl,
  scannedCode,
  scannedStation,
  type ItemsReply,
  type LogLevel,
  type RobotStatus,
  type TelemetryEvent,
} from '@fleet/contracts';
import type { TelemetryPoint } from '@fleet/telemetry';
import type { BufferedMessage } from './buffer/record-codec';
import { storable } from './storable';
import { toPoints, type MappableMessage } from './telemetry-mapper';

/** What decoding one message gave: an accepted message, or why it was refused. */
export type Decoded =
  | { ok: true; message: MappableMessage & { receivedAt: Date; clock: string } }
  | { ok: false; reason: string; detail: string; robotId?: string };

/** What the planner needs to know about robots already registered. */
export interface RegistryView {
  isKnown(robotId: string): boolean;
  /** The status last recorded, if any. */
  status(robotId: string): string | undefined;
  /** When `last_seen` was last written (ms), to write it at most once per `sightingIntervalMs`. */
  sightingWrittenAt(robotId: string): number | undefined;
}

export interface PlannerOptions {
  logId: string;
  autoRegister: boolean;
  maxMessageBytes: number;
  sightingIntervalMs: number;
  decode(message: BufferedMessage): Decoded;
}

export interface ConnectionEvent {
  robot_id: string;
  event: 'connected' | 'disconnected';
  timestamp: Date;
  message_key: string;
  details: Record<string, unknown>;
}

export interface Reply {
  topic: string;
  payload: Record<string, unknown>;
}

/** Everything one batch of messages turns into, written in this order: points, entities, live state, events. */
export interface IngestPlan {
  points: TelemetryPoint[];
  sightings: Map<string, RobotSighting>;
  newRobots: Set<string>;
  statuses: { robotId: string; status: string; at: Date }[];
  connectionEvents: ConnectionEvent[];
  logs: NewLogEntry[];
  deadLetters: NewDeadLetter[];
  events: TelemetryEvent[];
  replies: Reply[];
  accepted: number;
  rejected: Map<string, number>;
}

const ROBOT_LOG_LEVELS: Record<string, LogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
  critical: 'CRITICAL',
  fatal: 'CRITICAL',
};

/** The key that tells one received message from every other, in every table and event it leads to. */
export const messageKey = (logId: string, seq: number) => `${logId}:${seq}`;

/**
 * Turns a batch of buffered messages into what must be written. Pure: the registry view and the decoder are given,
 * so the same batch read again after a crash gives the same plan (and the same keys).
 */
export function planBatch(batch: readonly BufferedMessage[], registry: RegistryView, options: PlannerOptions) {
  const plan: IngestPlan = {
    points: [],
    sightings: new Map(),
    newRobots: new Set(),
    statuses: [],
    connectionEvents: [],
    logs: [],
    deadLetters: [],
    events: [],
    replies: [],
    accepted: 0,
    rejected: new Map(),
  };
  const statusNow = new Map<string, string | undefined>();
  const sightingAt = new Map<string, number | undefined>();

  const reject = (message: BufferedMessage, reason: string, detail: string, robotId?: string) => {
    plan.rejected.set(reason, (plan.rejected.get(reason) ?? 0) + 1);
    plan.deadLetters.push({
      message_key: messageKey(options.logId, message.seq),
      received_at: new Date(message.receivedAt),
      topic: storable(message.topic),
      robot_id: robotId ?? null,
      reason,
      detail: storable(detail),
      payload: message.payload,
      payload_bytes: message.size,
    });
  };

  for (const buffered of batch) {
    const key = messageKey(options.logId, buffered.seq);
    if (buffered.size > options.maxMessageBytes) {
      reject(
        buffered,
        'oversize',
        `payload is ${buffered.size} bytes, more than the ${options.maxMessageBytes} allowed`,
      );
      continue;
    }
    const decoded = options.decode(buffered);
    if (!decoded.ok) {
      reject(buffered, decoded.reason, decoded.detail, decoded.robotId);
      continue;
    }
    const message = decoded.message;
    const robotId = message.robotId;
    const known = registry.isKnown(robotId) || plan.newRobots.has(robotId);
    if (!known && !options.autoRegister) {
      reject(
        buffered,
        'unknown_robot',
        `robot '${robotId}' is not registered (automatic registration is off)`,
        robotId,
      );
      continue;
    }
    plan.accepted += 1;
    if (!known) {
      plan.newRobots.add(robotId);
      // Registered as online by its first message.
      statusNow.set(robotId, 'online');
    }

    for (const point of toPoints(message)) plan.points.push(point);

    // last_seen is when Fleet heard from the robot; written at most once a second per robot, status always.
    const previousStatus = known && !statusNow.has(robotId) ? registry.status(robotId) : statusNow.get(robotId);
    const status = message.kind === 'status' ? statusOf(message.data) : undefined;
    const seenAt = message.receivedAt.getTime();
    const lastWritten = sightingAt.has(robotId) ? sightingAt.get(robotId) : registry.sightingWrittenAt(robotId);
    if (status || !known || lastWritten === undefined || seenAt - lastWritten >= options.sightingIntervalMs) {
      const sighting = plan.sightings.get(robotId) ?? { at: message.receivedAt };
      if (seenAt >= sighting.at.getTime()) sighting.at = message.receivedAt;
      if (status) {
        sighting.status = status;
        const ip = text(message.data.ip_address);
        const sent = message.data.camera_url;
        const camera = safeCameraUrl(text(sent));
        if (ip) sighting.ip_address = ip.slice(0, 45);
        if (camera) sighting.camera_url = camera;
        else if (sent !== undefined && sent !== null && sent !== '') {
          // Not kept as the camera (the dashboard would show it), and not lost either: an operator sees why.
          plan.logs.push({
            level: 'WARNING',
            category: 'robot',
            message: 'camera_url ignored: not an http or https URL of at most 255 characters',
            robot_id: robotId,
            timestamp: message.time,
            message_key: `${key}:camera_url`,
            details: { camera_url: JSON.stringify(sent).slice(0, 1_000), topic: storable(buffered.topic) },
          });
        }
      }
      plan.sightings.set(robotId, sighting);
      sightingAt.set(robotId, seenAt);
    }
    if (status) {
      plan.statuses.push({ robotId, status, at: message.time });
      statusNow.set(robotId, status);
    }
    const connection = connectionChange(previousStatus, status, !known);
    if (connection) {
      plan.connectionEvents.push({
        robot_id: robotId,
        event: connection,
        timestamp: message.receivedAt,
        message_key: key,
        details: { source: 'mqtt', ...(status && { status }), ...(!known && { registered: true }) },
      });
    }

    if (message.kind === 'logs') {
      const level = ROBOT_LOG_LEVELS[(text(message.data.level) ?? 'info').toLowerCase()] ?? 'INFO';
      plan.logs.push({
        level,
        category: 'robot',
        message: text(message.data.message) ?? '',
        robot_id: robotId,
        timestamp: message.time,
        message_key: key,
        details: { source: text(message.data.source) ?? null, topic: storable(buffered.topic) },
      });
    }

    if (message.kind === 'scan') plan.replies.push(scanReply(robotId, message.data, message.receivedAt));

    plan.events.push({
      messageKey: key,
      robotId,
      kind: message.kind,
      time: message.time.toISOString(),
      receivedAt: message.receivedAt.toISOString(),
      clock: message.clock,
      data: message.data,
    });
  }
  return plan;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? storable(value) : undefined;
}

const STATUSES: readonly string[] = ['online', 'offline', 'error', 'maintenance', 'emergency_stopped'];

function statusOf(data: Readonly<Record<string, unknown>>): RobotStatus | undefined {
  const status = typeof data.status === 'string' ? data.status.toLowerCase() : undefined;
  if (status && STATUSES.includes(status)) return status as RobotStatus;
  return data.emergency_stopped === true ? 'emergency_stopped' : status ? 'online' : undefined;
}

/** A robot coming online (or heard from the first time) connects; one saying it goes offline disconnects. */
function connectionChange(
  previous: string | undefined,
  status: string | undefined,
  isNew: boolean,
): 'connected' | 'disconnected' | undefined {
  if (status === 'offline') return previous !== 'offline' ? 'disconnected' : undefined;
  if (isNew) return 'connected';
  if (status && status !== 'offline' && (previous === undefined || previous === 'offline')) return 'connected';
  return undefined;
}

/**
 * The answer to a scan on `tonypi/items/{id}`. Fleet keeps no item catalogue yet, so it answers that the code was
 * recorded and names no item; the scan itself reaches the event stream (and jobs) like every message.
 */
function scanReply(robotId: string, data: Readonly<Record<string, unknown>>, at: Date): Reply {
  const code = scannedCode(data);
  const station = scannedStation(data);
  return {
    topic: `tonypi/items/${robotId}`,
    payload: {
      robot_id: robotId,
      qr: code,
      found: false,
      message: station ? `scan of ${code} at ${station} recorded` : `scan of ${code} recorded`,
      timestamp: at.toISOString(),
    } satisfies ItemsReply,
  };
}
