import { parseRobotJson, robotIdSchema } from '@fleet/contracts';
import { unprefixTopic } from './topics';

/**
 * Who is at the other end of a connection to the embedded broker: one of Fleet's own services, a robot, known by
 * its credential or, with `MQTT_ALLOW_ANONYMOUS=true`, only by the client id it chose, or a person's browser (or
 * script) signed in with an API access token.
 *
 * @example
 * const robot: BrokerIdentity = { kind: 'robot', robotId: 'tonypi_01', via: 'credential' };
 * const browser: BrokerIdentity = { kind: 'browser', username: 'ana', role: 'viewer' };
 */
export type BrokerIdentity =
  | { kind: 'fleet' }
  | { kind: 'robot'; robotId: string; via: 'credential' | 'anonymous' }
  | { kind: 'browser'; username: string; role: string };

/** Fleet's services use client ids that start with this; no robot may take one over. */
export const FLEET_CLIENT_ID_PREFIX = 'fleet-';

/**
 * Browsers (and scripts) logging in with an access token use client ids that start with this, and no robot may: a
 * browser that took a robot's client id would disconnect the robot and could inherit its session.
 */
export const BROWSER_CLIENT_ID_PREFIX = 'web-';

/** Topics a robot publishes with its id as the last level. */
const PUBLISHED_UNDER_ID = ['sensors', 'status', 'servos', 'vision', 'logs', 'job', 'scan'];

/**
 * Topics the TonyPi client publishes without its id in the topic: any robot may use them, and the `robot_id` in the
 * payload says whose they are. Only the broker knows who published, so it refuses a robot's payload that names
 * another robot ({@link payloadRobotProblem}); ingest checks the rest of the payload.
 */
const PUBLISHED_SHARED = new Set([
  'tonypi/battery',
  'tonypi/location',
  'tonypi/commands/response',
  'tonypi/emergency_stop/response',
]);

/** The first level of every robot topic. */
const ROBOT_ROOT = 'tonypi';

/** Orders for every robot. */
const BROADCASTS = ['tonypi/commands/broadcast', 'tonypi/emergency_stop/broadcast'];

/**
 * Ids that would let a robot read shared topics (`tonypi/commands/broadcast` is every robot's, and
 * `tonypi/commands/response` carries every robot's answers) or pass for Fleet's user on Mosquitto.
 */
const RESERVED_ROBOT_IDS = new Set(['broadcast', 'response', 'fleet']);

/**
 * Why `robotId` cannot log in to the broker as a robot (and so cannot be given credentials), or undefined if it can.
 * A robot's id is also its MQTT client id, so the prefixes of Fleet's and browsers' client ids are not robot ids.
 *
 * @example
 * robotIdProblem('tonypi_01'); // undefined
 * robotIdProblem('tonypi/01'); // 'letters, digits and _ . : - only'
 */
export function robotIdProblem(robotId: string): string | undefined {
  const parsed = robotIdSchema.safeParse(robotId);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  if (RESERVED_ROBOT_IDS.has(robotId)) return `'${robotId}' is reserved (a shared topic name or Fleet's own user)`;
  if (robotId.startsWith(FLEET_CLIENT_ID_PREFIX)) {
    return `ids starting with '${FLEET_CLIENT_ID_PREFIX}' are reserved for Fleet's own MQTT clients`;
  }
  if (robotId.startsWith(BROWSER_CLIENT_ID_PREFIX)) {
    return `ids starting with '${BROWSER_CLIENT_ID_PREFIX}' are reserved for browsers' MQTT clients`;
  }
  return undefined;
}

/**
 * Whether `identity` may publish on `topic` (as received, with `MQTT_TOPIC_PREFIX` if any). Fleet publishes anywhere
 * but `$SYS`; a robot only its own telemetry, under its own id, and the topics that carry no id; a browser nowhere
 * (commands go through the API, which checks the role and records them).
 */
export function mayPublish(identity: BrokerIdentity, topic: string, prefix: string): boolean {
  if (topic.startsWith('$SYS/')) return false;
  if (identity.kind === 'fleet') return true;
  if (identity.kind === 'browser') return false;
  const local = unprefixTopic(prefix, topic);
  if (local === undefined) return false;
  if (PUBLISHED_SHARED.has(local)) return true;
  const levels = local.split('/');
  return (
    levels.length === 3 &&
    levels[0] === 'tonypi' &&
    PUBLISHED_UNDER_ID.includes(levels[1] ?? '') &&
    levels[2] === identity.robotId
  );
}

/**
 * Why a robot may not publish `payload` on `topic` (as received, with `MQTT_TOPIC_PREFIX` if any), or undefined if
 * it may: on the topics without an id ({@link PUBLISHED_SHARED}) the payload's `robot_id` must be the robot's own.
 * A payload that is not a JSON object, or has no `robot_id`, passes: ingest keeps it as a dead letter, with its own
 * reason. Only robots are checked; call it after {@link mayPublish}.
 *
 * @example
 * const robot: BrokerIdentity = { kind: 'robot', robotId: 'tonypi_01', via: 'credential' };
 * payloadRobotProblem(robot, 'tonypi/battery', Buffer.from('{"robot_id":"tonypi_01"}'), ''); // undefined
 * payloadRobotProblem(robot, 'tonypi/battery', Buffer.from('{"robot_id":"tonypi_02"}'), '');
 * // "its payload's robot_id is 'tonypi_02', not its own 'tonypi_01'"
 */
export function payloadRobotProblem(
  identity: BrokerIdentity,
  topic: string,
  payload: Buffer | string,
  prefix: string,
): string | undefined {
  if (identity.kind !== 'robot') return undefined;
  const local = unprefixTopic(prefix, topic);
  if (local === undefined || !PUBLISHED_SHARED.has(local)) return undefined;
  // Read as ingest reads it: what ingest would refuse as not JSON goes through, to be dead-lettered with its reason.
  const read = parseRobotJson(typeof payload === 'string' ? Buffer.from(payload) : payload);
  if (!read.ok) return undefined;
  const parsed = read.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const claimed = (parsed as { robot_id?: unknown }).robot_id;
  // The same reading as ingest's: only a non-empty string names a robot.
  if (typeof claimed !== 'string' || claimed === '' || claimed === identity.robotId) return undefined;
  return `its payload's robot_id is '${claimed.slice(0, 100)}', not its own '${identity.robotId}'`;
}

/**
 * Whether `identity` may subscribe to `filter` (as sent, with `MQTT_TOPIC_PREFIX` if any). Fleet reads everything;
 * a robot reads what is addressed to it (`tonypi/<kind>/<its id>`: commands, emergency stop, items, config, and its
 * own telemetry) and the broadcasts. A wildcard is allowed only when every topic it can match is one of those:
 * `tonypi/+/tonypi_01` is, `tonypi/commands/+` and `tonypi/#` are not. A browser reads every robot topic
 * (`tonypi/#`), in its own subscription only: never a shared one, which would take messages away from Fleet.
 */
export function maySubscribe(identity: BrokerIdentity, filter: string, prefix: string): boolean {
  if (identity.kind === 'fleet') return true;
  const local = unprefixTopic(prefix, filter);
  if (local === undefined) return false;
  const levels = local.split('/');
  if (identity.kind === 'browser') return levels[0] === ROBOT_ROOT;
  const readable = [['tonypi', '+', identity.robotId], ...BROADCASTS.map((topic) => topic.split('/'))];
  return readable.some((pattern) => within(levels, pattern));
}

/** Whether every topic that `filter` matches is matched by `pattern` (both split into levels; `pattern` has no `#`). */
function within(filter: string[], pattern: string[]): boolean {
  if (filter.length !== pattern.length) return false;
  return filter.every((level, i) => level !== '#' && (pattern[i] === '+' || level === pattern[i]));
}
