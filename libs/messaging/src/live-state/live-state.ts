/**
 * The newest values of one series of a robot, as ingest saw them.
 *
 * @example
 * { robotId: 'tonypi_01', measurement: 'servo_data', tags: { servo_id: '3', servo_name: 'left_knee' },
 *   fields: { position: 512, temperature: 41.5 }, time: new Date('2026-01-24T10:30:45.123Z') }
 */
export interface LiveUpdate {
  robotId: string;
  measurement: string;
  tags?: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, number | string | boolean>>;
  time: Date;
}

export interface LiveEntry {
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
}

/** Everything live about one robot: status, last sighting and the newest entry of each series. */
export interface RobotLiveState {
  robotId: string;
  status: string | null;
  statusAt: string | null;
  lastSeen: string | null;
  /** Keyed by {@link seriesKey}: `battery_status`, `servo_data:3,left_knee`, `sensor_data:cpu_temperature`. */
  entries: Record<string, LiveEntry>;
}

/** The fleet at a glance, over the robots with a known status. */
export interface FleetSummary {
  total: number;
  online: number;
  offline: number;
  /** Robots in any other status (`emergency_stopped`, `error`, ...), by status. */
  other: Record<string, number>;
  /** Mean of each robot's newest `battery_status.percentage`; null when no robot reported one. */
  batteryAverage: number | null;
  batteryReporting: number;
}

/**
 * What the dashboard shows live, kept apart from history: Redis hashes shared by every replica, or memory in the
 * all-in-one process. Writes are newest-wins, so replicas and redelivered messages may apply updates in any order.
 *
 * @example
 * await live.apply([{ robotId: 'tonypi_01', measurement: 'battery_status', fields: { percentage: 82 }, time }]);
 * const robot = await live.get('tonypi_01'); // robot.entries.battery_status.fields.percentage === 82
 */
export interface LiveState {
  /** Keeps, per robot and series (measurement + tag values), the newest entry by `time`; older updates are ignored. One round trip per batch. */
  apply(updates: readonly LiveUpdate[]): Promise<void>;
  /** Records status (online, offline, emergency_stopped, error, ...) unless a newer one is known. */
  setStatus(robotId: string, status: string, at: Date): Promise<void>;
  /** Coalesced last-seen (newest wins). */
  touch(entries: readonly { robotId: string; at: Date }[]): Promise<void>;
  /** One robot's state in one read (one HGETALL), or null when nothing is known about it. */
  get(robotId: string): Promise<RobotLiveState | null>;
  /** Online/offline counts, battery average from battery_status.percentage. */
  summary(): Promise<FleetSummary>;
  /** Forgets the robot (deleted or decommissioned). */
  remove(robotId: string): Promise<void>;
}

export const BATTERY_MEASUREMENT = 'battery_status';
export const BATTERY_FIELD = 'percentage';

/** Hash fields that are not series; series keys never start with `@`, because measurements may not. */
export const STATUS_FIELD = '@status';
export const LAST_SEEN_FIELD = '@lastSeen';

/** An update checked and encoded for storage; `battery` is set when it carries `battery_status.percentage`. */
export interface PreparedUpdate {
  robotId: string;
  series: string;
  entry: LiveEntry;
  battery: number | null;
}

/**
 * The series an update belongs to: the measurement, plus its tag values in the order of their sorted keys.
 * `seriesKey('servo_data', { servo_name: 'left_knee', servo_id: '3' })` → `servo_data:3,left_knee`.
 */
export function seriesKey(measurement: string, tags: Readonly<Record<string, string>> = {}): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? measurement : `${measurement}:${keys.map((k) => tags[k]).join(',')}`;
}

/** Whether a value stamped `candidate` replaces one stamped `current` (ISO strings; a tie replaces, as a rewrite). */
export function replaces(candidate: string, current: string | null | undefined): boolean {
  return current === null || current === undefined || candidate >= current;
}

/**
 * Checks a batch, naming the first bad field, and keeps only the newest update per robot and series (the later
 * one on a tie), so a batch needs one write per series.
 */
export function prepareUpdates(updates: readonly LiveUpdate[]): PreparedUpdate[] {
  // Checked in place and compared by time first: only the newest update per series is copied and stamped.
  const newest = new Map<string, { update: LiveUpdate; series: string; ms: number }>();
  for (let index = 0; index < updates.length; index++) {
    const update = updates[index];
    const ms = checkUpdate(update, index);
    const series = seriesKey(update.measurement, update.tags);
    const key = `${update.robotId}\n${series}`;
    const current = newest.get(key);
    if (current === undefined || ms >= current.ms) newest.set(key, { update, series, ms });
  }
  const prepared: PreparedUpdate[] = [];
  for (const { update, series, ms } of newest.values()) {
    const fields = { ...update.fields };
    const percentage = fields[BATTERY_FIELD];
    prepared.push({
      robotId: update.robotId,
      series,
      entry: { time: new Date(ms).toISOString(), tags: { ...update.tags }, fields },
      battery: update.measurement === BATTERY_MEASUREMENT && typeof percentage === 'number' ? percentage : null,
    });
  }
  return prepared;
}

/** First and last instants with a 24-character ISO form (years 0 to 9999), which compare as strings. */
const MIN_TIME_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Checks one update, naming its first bad field; returns its time in ms. */
function checkUpdate(update: LiveUpdate, index: number): number {
  const at = () => `updates[${index}]`;
  if (typeof update.robotId !== 'string' || update.robotId === '') checkId(`${at()}.robotId`, update.robotId);
  const { measurement } = update;
  if (typeof measurement !== 'string' || measurement === '' || measurement.startsWith('@')) {
    throw new TypeError(
      `${at()}.measurement must be a non-empty string not starting with @, got ${String(measurement)}`,
    );
  }
  const tags = update.tags ?? {};
  for (const name in tags) {
    if (!Object.hasOwn(tags, name)) continue;
    const value: unknown = tags[name];
    if (typeof value !== 'string') throw new TypeError(`${at()}.tags.${name} must be a string, got ${typeof value}`);
  }
  let count = 0;
  const fields = update.fields ?? {};
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    const value: unknown = fields[name];
    if (!(typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value))) {
      throw new TypeError(
        `${at()}.fields.${name} must be a finite number, a string or a boolean, got ${stringify(value)}`,
      );
    }
    count += 1;
  }
  if (count === 0) throw new TypeError(`${at()}.fields must hold at least one field`);
  const time: unknown = update.time;
  const ms = time instanceof Date ? time.getTime() : NaN;
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS))
    throw new TypeError(`${at()}.time must be a valid Date in years 0 to 9999, got ${stringify(time)}`);
  return ms;
}

/** The newest sighting per robot in a batch, as ISO strings. */
export function newestSightings(entries: readonly { robotId: string; at: Date }[]): Map<string, string> {
  const newest = new Map<string, string>();
  entries.forEach(({ robotId, at }, index) => {
    checkId(`entries[${index}].robotId`, robotId);
    const time = isoTime(`entries[${index}].at`, at);
    if (replaces(time, newest.get(robotId))) newest.set(robotId, time);
  });
  return newest;
}

export function checkStatus(robotId: string, status: string, at: Date): string {
  checkId('robotId', robotId);
  if (typeof status !== 'string' || status.trim() === '') {
    throw new TypeError(`status must be a non-empty string, got ${stringify(status)}`);
  }
  return isoTime('at', at);
}

export function checkId(field: string, robotId: unknown): asserts robotId is string {
  if (typeof robotId !== 'string' || robotId === '') {
    throw new TypeError(`${field} must be a non-empty string, got ${stringify(robotId)}`);
  }
}

/**
 * A robot's state from its stored hash fields: `@status` (JSON `{status, at}`), `@lastSeen` (ISO) and one JSON
 * {@link LiveEntry} per series. Null for an empty hash; a field that does not parse is left out.
 */
export function robotFromHash(robotId: string, hash: Readonly<Record<string, string>>): RobotLiveState | null {
  if (Object.keys(hash).length === 0) return null;
  const robot: RobotLiveState = { robotId, status: null, statusAt: null, lastSeen: null, entries: {} };
  for (const [field, value] of Object.entries(hash)) {
    if (field === LAST_SEEN_FIELD) {
      robot.lastSeen = value;
      continue;
    }
    const parsed = parseJson(value);
    if (field === STATUS_FIELD) {
      const { status, at } = (parsed ?? {}) as { status?: unknown; at?: unknown };
      if (typeof status === 'string' && typeof at === 'string') Object.assign(robot, { status, statusAt: at });
    } else if (isEntry(parsed)) {
      robot.entries[field] = parsed;
    }
  }
  return robot;
}

/** Counts robots by status and averages the battery percentages given. */
export function summarize(statuses: Iterable<string>, batteries: Iterable<number>): FleetSummary {
  const summary: FleetSummary = {
    total: 0,
    online: 0,
    offline: 0,
    other: {},
    batteryAverage: null,
    batteryReporting: 0,
  };
  for (const status of statuses) {
    summary.total += 1;
    if (status === 'online') summary.online += 1;
    else if (status === 'offline') summary.offline += 1;
    else summary.other[status] = (summary.other[status] ?? 0) + 1;
  }
  let sum = 0;
  for (const battery of batteries) {
    if (!Number.isFinite(battery)) continue;
    sum += battery;
    summary.batteryReporting += 1;
  }
  if (summary.batteryReporting > 0) summary.batteryAverage = sum / summary.batteryReporting;
  return summary;
}

/** ISO 8601 of a valid date in years 0 to 9999, whose strings sort as their times do. */
function isoTime(field: string, value: unknown): string {
  const time = value instanceof Date ? value.getTime() : NaN;
  const iso = Number.isFinite(time) ? new Date(time).toISOString() : '';
  if (iso.length !== 24)
    throw new TypeError(`${field} must be a valid Date in years 0 to 9999, got ${stringify(value)}`);
  return iso;
}

function isEntry(value: unknown): value is LiveEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { time, tags, fields } = value as Partial<LiveEntry>;
  return (
    typeof time === 'string' &&
    typeof tags === 'object' &&
    tags !== null &&
    typeof fields === 'object' &&
    fields !== null
  );
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function stringify(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? typeof value;
}
