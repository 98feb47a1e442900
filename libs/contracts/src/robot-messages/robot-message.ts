import type { z } from 'zod';
import { batteryPayloadSchema, type BatteryPayload } from './battery.schema';
import { commandResponsePayloadSchema, type CommandResponsePayload } from './command-response.schema';
import {
  emergencyStopResponsePayloadSchema,
  type EmergencyStopResponsePayload,
} from './emergency-stop-response.schema';
import { describeValue, issuesDetail, robotIssueMessages } from './fields.schema';
import { jobPayloadSchema, type JobPayload } from './job.schema';
import { locationPayloadSchema, type LocationPayload } from './location.schema';
import { logsPayloadSchema, type LogsPayload } from './logs.schema';
import { resolveRobotTime, type RobotClock, type RobotTimeOptions } from './robot-time';
import {
  isUsableRobotId,
  matchRobotTopic,
  RESERVED_ROBOT_IDS,
  ROBOT_INBOUND_TOPICS,
  type RobotMessageKind,
} from './robot-topics';
import { scanPayloadSchema, type ScanPayload } from './scan.schema';
import { sensorsPayloadSchema, type SensorsPayload } from './sensors.schema';
import { servosPayloadSchema, type ServosPayload } from './servos.schema';
import { statusPayloadSchema, type StatusPayload } from './status.schema';
import { visionPayloadSchema, type VisionPayload } from './vision.schema';

/** The parsed payload of each kind of robot message. */
export interface RobotPayloads {
  sensors: SensorsPayload;
  status: StatusPayload;
  servos: ServosPayload;
  battery: BatteryPayload;
  location: LocationPayload;
  vision: VisionPayload;
  logs: LogsPayload;
  job: JobPayload;
  scan: ScanPayload;
  command_response: CommandResponsePayload;
  emergency_stop_response: EmergencyStopResponsePayload;
}

/** The schema of each inbound topic's payload, built once. */
export const ROBOT_PAYLOAD_SCHEMAS: { readonly [K in RobotMessageKind]: z.ZodType<RobotPayloads[K], unknown> } = {
  sensors: sensorsPayloadSchema,
  status: statusPayloadSchema,
  servos: servosPayloadSchema,
  battery: batteryPayloadSchema,
  location: locationPayloadSchema,
  vision: visionPayloadSchema,
  logs: logsPayloadSchema,
  job: jobPayloadSchema,
  scan: scanPayloadSchema,
  command_response: commandResponsePayloadSchema,
  emergency_stop_response: emergencyStopResponsePayloadSchema,
};

/**
 * One accepted robot message: who sent it, when (the robot's time if plausible, else the time of receipt, with
 * `clock` saying which), and its payload as parsed (numeric strings are numbers; unknown keys are kept).
 */
export type RobotMessage = {
  [K in RobotMessageKind]: {
    kind: K;
    robotId: string;
    time: Date;
    clock: RobotClock;
    data: RobotPayloads[K];
  };
}[RobotMessageKind];

/** The message of one kind, e.g. `RobotMessageOf<'battery'>`. */
export type RobotMessageOf<K extends RobotMessageKind> = Extract<RobotMessage, { kind: K }>;

/**
 * Why a message was refused. `oversize` and `unknown_robot` are decided by ingest (size limit, registration);
 * the others by {@link decodeRobotMessage}.
 */
export const REJECT_REASONS = [
  'bad_json',
  'not_an_object',
  'unknown_topic',
  'schema',
  'robot_mismatch',
  'missing_robot_id',
  'oversize',
  'unknown_robot',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A refused message: why, in a few words naming the fields, and from whom when known. */
export interface RobotMessageRejection {
  ok: false;
  reason: RejectReason;
  /** What was wrong, naming the field(s): `value: expected a number, got "abc"`. Under 500 characters. */
  detail: string;
  /** The robot the message is from, when the topic or payload tells. */
  robotId?: string;
}

/** The outcome of {@link decodeRobotMessage}. */
export type DecodeResult = { ok: true; message: RobotMessage } | RobotMessageRejection;

function reject(reason: RejectReason, detail: string, robotId?: string): RobotMessageRejection {
  return robotId === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, robotId };
}

// Python's json.dumps writes NaN, Infinity and -Infinity, which JSON.parse refuses; as null they reach the schema,
// which names the field (or accepts null where a reading may be absent).
const NON_FINITE = /-?Infinity|NaN/g;

function parseLenient(text: string): unknown {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 0x22 /* " */) {
      i++;
      continue;
    }
    out += text.slice(from, i).replace(NON_FINITE, 'null');
    let end = i + 1;
    while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c /* \ */ ? 2 : 1;
    out += text.slice(i, end + 1);
    from = i = end + 1;
  }
  return JSON.parse(out + text.slice(from).replace(NON_FINITE, 'null'));
}

/**
 * A robot payload as ingest reads it: JSON, or the JSON Python writes (`NaN`, `Infinity` read as null). The broker
 * reads payloads the same way, so that no payload means one thing to it and another to ingest.
 */
export function parseRobotJson(payload: Buffer): { ok: true; value: unknown } | { ok: false; detail: string } {
  if (payload.length === 0) return { ok: false, detail: 'empty payload: expected a JSON object' };
  const text = payload.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    try {
      return { ok: true, value: parseLenient(text) };
    } catch {
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, detail: `not JSON: ${why.slice(0, 200)}` };
    }
  }
}

const PARSE_OPTIONS = { error: robotIssueMessages };

function payloadRobotId(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Validates one robot message exactly as the TonyPi client publishes it, and turns it into a {@link RobotMessage};
 * or says why not. Pure and allocation-light: it runs for every message ingest receives.
 *
 * `topic` is without `MQTT_TOPIC_PREFIX`. The robot id comes from the topic, or from the payload's `robot_id` on
 * topics without one (`tonypi/battery`, `tonypi/location`, the response topics); a payload `robot_id` that
 * contradicts the topic is refused (`robot_mismatch`).
 *
 * @example
 * const result = decodeRobotMessage('tonypi/battery', Buffer.from('{"robot_id":"r1","percentage":"87.5"}'),
 *   new Date(), config.robots);
 * if (result.ok) result.message; // { kind: 'battery', robotId: 'r1', clock: 'missing', data: { percentage: 87.5, ... } }
 */
export function decodeRobotMessage(
  topic: string,
  payload: Buffer,
  receivedAt: Date,
  opts: RobotTimeOptions,
): DecodeResult {
  const match = matchRobotTopic(topic);
  if (!match) return reject('unknown_topic', `no robot message is published on '${topic.slice(0, 200)}'`);
  const { kind, topicRobotId } = match;
  if (topicRobotId !== undefined && !isUsableRobotId(topicRobotId)) {
    const why = RESERVED_ROBOT_IDS.includes(topicRobotId)
      ? 'is reserved'
      : 'is not a valid robot id (letters, digits and _ . : - only, at most 50)';
    return reject('unknown_topic', `robot id ${describeValue(topicRobotId)} in the topic ${why}`);
  }

  const json = parseRobotJson(payload);
  if (!json.ok) return reject('bad_json', json.detail, topicRobotId);
  const raw = json.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return reject('not_an_object', `expected a JSON object, got ${describeValue(raw)}`, topicRobotId);
  }

  const claimed = payloadRobotId((raw as { robot_id?: unknown }).robot_id);
  if (topicRobotId !== undefined && claimed !== undefined && claimed !== topicRobotId) {
    return reject(
      'robot_mismatch',
      `robot_id ${describeValue(claimed)} differs from ${describeValue(topicRobotId)} in the topic`,
      topicRobotId,
    );
  }
  if (ROBOT_INBOUND_TOPICS[kind].robotIdIn === 'payload' && claimed === undefined) {
    const sent = (raw as { robot_id?: unknown }).robot_id;
    if (sent === undefined || sent === null || sent === '') {
      return reject('missing_robot_id', `robot_id: required on ${ROBOT_INBOUND_TOPICS[kind].address}`);
    }
  }

  const parsed = ROBOT_PAYLOAD_SCHEMAS[kind].safeParse(raw, PARSE_OPTIONS);
  const robotId = topicRobotId ?? claimed;
  const knownId = robotId !== undefined && isUsableRobotId(robotId) ? robotId : undefined;
  if (!parsed.success) return reject('schema', issuesDetail(parsed.error.issues), knownId);
  if (knownId === undefined) {
    // Only a payload id can get here: the schema accepted its form, so it is one of the reserved ids.
    return reject('schema', `robot_id: ${describeValue(robotId)} is reserved`);
  }

  const data = parsed.data;
  const { time, clock } = resolveRobotTime((data as { timestamp?: unknown }).timestamp, receivedAt, opts);
  return { ok: true, message: { kind, robotId: knownId, time, clock, data } as RobotMessage };
}
