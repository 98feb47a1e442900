import { robotIdSchema } from '../robot.schema';

/** Every kind of message a robot publishes, one per inbound topic. */
export const ROBOT_MESSAGE_KINDS = [
  'sensors',
  'status',
  'servos',
  'battery',
  'location',
  'vision',
  'logs',
  'job',
  'scan',
  'command_response',
  'emergency_stop_response',
] as const;
export type RobotMessageKind = (typeof ROBOT_MESSAGE_KINDS)[number];

/** Where a robot publishes each kind, and where the robot id travels. Topics are given without `MQTT_TOPIC_PREFIX`. */
export interface RobotTopicInfo {
  /** The topic as documented, `{robotId}` standing for the id. */
  address: string;
  /** The MQTT subscription filter that receives it. */
  filter: string;
  /** `topic`: the last topic level is the robot id; `payload`: only the payload's `robot_id` names the robot. */
  robotIdIn: 'topic' | 'payload';
}

export const ROBOT_INBOUND_TOPICS: { readonly [K in RobotMessageKind]: RobotTopicInfo } = {
  sensors: { address: 'tonypi/sensors/{robotId}', filter: 'tonypi/sensors/+', robotIdIn: 'topic' },
  status: { address: 'tonypi/status/{robotId}', filter: 'tonypi/status/+', robotIdIn: 'topic' },
  servos: { address: 'tonypi/servos/{robotId}', filter: 'tonypi/servos/+', robotIdIn: 'topic' },
  battery: { address: 'tonypi/battery', filter: 'tonypi/battery', robotIdIn: 'payload' },
  location: { address: 'tonypi/location', filter: 'tonypi/location', robotIdIn: 'payload' },
  vision: { address: 'tonypi/vision/{robotId}', filter: 'tonypi/vision/+', robotIdIn: 'topic' },
  logs: { address: 'tonypi/logs/{robotId}', filter: 'tonypi/logs/+', robotIdIn: 'topic' },
  job: { address: 'tonypi/job/{robotId}', filter: 'tonypi/job/+', robotIdIn: 'topic' },
  scan: { address: 'tonypi/scan/{robotId}', filter: 'tonypi/scan/+', robotIdIn: 'topic' },
  command_response: { address: 'tonypi/commands/response', filter: 'tonypi/commands/response', robotIdIn: 'payload' },
  emergency_stop_response: {
    address: 'tonypi/emergency_stop/response',
    filter: 'tonypi/emergency_stop/response',
    robotIdIn: 'payload',
  },
};

/**
 * The topic filters ingest subscribes to (without `MQTT_TOPIC_PREFIX`): exactly the robots' publications, never the
 * command topics Fleet itself publishes on.
 */
export const ROBOT_SUBSCRIPTIONS: readonly string[] = ROBOT_MESSAGE_KINDS.map((k) => ROBOT_INBOUND_TOPICS[k].filter);

/** The last topic level that addresses every robot at once. */
export const BROADCAST = 'broadcast';

/**
 * Robot ids that would collide with fixed topics (`tonypi/commands/broadcast`, `tonypi/commands/response`): a robot
 * registered under one of them could not be told apart from the broadcast or the responses.
 */
export const RESERVED_ROBOT_IDS: readonly string[] = [BROADCAST, 'response'];

const BY_LEVEL: Readonly<Record<string, RobotMessageKind | undefined>> = {
  sensors: 'sensors',
  status: 'status',
  servos: 'servos',
  vision: 'vision',
  logs: 'logs',
  job: 'job',
  scan: 'scan',
};

/** A recognised topic whose robot id has not been checked yet. */
export interface TopicMatch {
  kind: RobotMessageKind;
  topicRobotId?: string;
}

/** Recognises the shape of an inbound topic without judging the robot id in it. */
export function matchRobotTopic(topic: string): TopicMatch | null {
  if (!topic.startsWith('tonypi/')) return null;
  const second = topic.indexOf('/', 7);
  if (second === -1) {
    const level = topic.slice(7);
    return level === 'battery' || level === 'location' ? { kind: level } : null;
  }
  const level = topic.slice(7, second);
  const last = topic.slice(second + 1);
  if (last.length === 0 || last.includes('/')) return null;
  if (last === 'response') {
    if (level === 'commands') return { kind: 'command_response' };
    if (level === 'emergency_stop') return { kind: 'emergency_stop_response' };
  }
  const kind = BY_LEVEL[level];
  return kind ? { kind, topicRobotId: last } : null;
}

// Ids seen in topics repeat endlessly; remembering the valid ones spares a schema check per message.
const validIds = new Set<string>();
const MAX_REMEMBERED_IDS = 10_000;

/** Whether `id` is a valid robot id (the rules of `robotIdSchema`). */
export function isRobotId(id: string): boolean {
  if (validIds.has(id)) return true;
  if (!robotIdSchema.safeParse(id).success) return false;
  if (validIds.size >= MAX_REMEMBERED_IDS) validIds.clear();
  validIds.add(id);
  return true;
}

/** Whether `id` may name a robot: a valid id that no fixed topic level uses. */
export function isUsableRobotId(id: string): boolean {
  return isRobotId(id) && !RESERVED_ROBOT_IDS.includes(id);
}

/**
 * Routes an inbound topic (without `MQTT_TOPIC_PREFIX`) to its message kind; null for anything robots do not
 * publish, including a topic whose robot id is not a usable id. `topicRobotId` is set for topics that carry the id.
 *
 * @example
 * parseRobotTopic('tonypi/sensors/tonypi_01'); // { kind: 'sensors', topicRobotId: 'tonypi_01' }
 * parseRobotTopic('tonypi/battery');           // { kind: 'battery' }
 * parseRobotTopic('tonypi/commands/tonypi_01'); // null: Fleet publishes there, robots do not
 */
export function parseRobotTopic(topic: string): { kind: RobotMessageKind; topicRobotId?: string } | null {
  const match = matchRobotTopic(topic);
  if (match?.topicRobotId !== undefined && !isUsableRobotId(match.topicRobotId)) return null;
  return match;
}

function target(what: string, id: string, broadcastAllowed: boolean): string {
  if (broadcastAllowed && id === BROADCAST) return id;
  if (!isRobotId(id)) throw new Error(`${what}: '${id}' is not a valid robot id (letters, digits and _ . : - only)`);
  if (RESERVED_ROBOT_IDS.includes(id)) throw new Error(`${what}: '${id}' is reserved and cannot name a robot`);
  return id;
}

/**
 * The topic a command goes to: one robot, or every robot with `'broadcast'`. Throws on an id that is not valid.
 *
 * @example
 * commandTopic('tonypi_01'); // 'tonypi/commands/tonypi_01'
 * commandTopic('broadcast'); // 'tonypi/commands/broadcast'
 */
export function commandTopic(robotId: string): string {
  return `tonypi/commands/${target('command topic', robotId, true)}`;
}

/** The topic an emergency stop goes to: one robot, or every robot with `'broadcast'`. */
export function emergencyStopTopic(robotId: string): string {
  return `tonypi/emergency_stop/${target('emergency stop topic', robotId, true)}`;
}

/** The topic Fleet answers a robot's QR scan on. */
export function itemsTopic(robotId: string): string {
  return `tonypi/items/${target('items topic', robotId, false)}`;
}

/** The topic Fleet sends a robot its configuration on. */
export function configTopic(robotId: string): string {
  return `tonypi/config/${target('config topic', robotId, false)}`;
}

/** The outbound topics as documented, `{robotId}` standing for the id. */
export const ROBOT_OUTBOUND_TOPICS = {
  command: 'tonypi/commands/{robotId}',
  commandBroadcast: 'tonypi/commands/broadcast',
  emergencyStop: 'tonypi/emergency_stop/{robotId}',
  emergencyStopBroadcast: 'tonypi/emergency_stop/broadcast',
  items: 'tonypi/items/{robotId}',
  config: 'tonypi/config/{robotId}',
} as const;
