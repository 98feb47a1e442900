// What the API benchmark puts in the stores before it reads them: robots, their live state, one robot's history and
// a fleet's worth of alerts, each written where and as the services that own it write it.
import type { Insertable, Kysely } from 'kysely';
import { toPoints } from '@apps/ingest/src/telemetry-mapper';
import type { FleetConfig } from '@fleet/config';
import { decodeRobotMessage, type AlertSeverity } from '@fleet/contracts';
import type { DB } from '@fleet/database';
import type { LiveState } from '@fleet/messaging';
import {
  naiveTimestamp,
  round,
  SeededRandom,
  SimulatedRobot,
  type ServoReading,
  type ServoStatus,
  type SimulatedMessage,
} from '@fleet/simulator';
import type { TelemetryPoint, TelemetryStore } from '@fleet/telemetry';

/** A TonyPi's bus servos: legs, arms and head. */
export const SERVOS = 18;
/** Points per `TelemetryStore.write`, about what ingest writes at once under load. */
const WRITE_BATCH = 5_000;
/** Rows per INSERT. */
const INSERT_BATCH = 1_000;

/**
 * The points ingest makes of one robot message: decoded and checked as ingest decodes it (robot times read in
 * `ROBOT_TIMEZONE`, judged against `receivedAt`), then mapped by ingest's own mapper.
 */
function ingested(message: SimulatedMessage, receivedAt: Date, config: FleetConfig): TelemetryPoint[] {
  const payload = Buffer.from(JSON.stringify(message.payload));
  const result = decodeRobotMessage(message.topic, payload, receivedAt, config.robots);
  if (!result.ok) throw new Error(`ingest would refuse the seeded ${message.topic} message: ${result.detail}`);
  const { kind, robotId, time, data } = result.message;
  return toPoints({ kind, robotId, time, data });
}

/** `tonypi/servos/{id}` with all {@link SERVOS} servos (the simulator's robot reports six). */
function servoStatus(robotId: string, now: Date, random: SeededRandom, zone: string): SimulatedMessage {
  const servos: Record<string, ServoReading> = {};
  for (let id = 1; id <= SERVOS; id++) {
    const temperature = random.int(36, 52);
    servos[`servo_${id}`] = {
      id,
      name: `Servo ${id}`,
      position: round(random.uniform(-90, 90), 1),
      temperature,
      voltage: random.int(7200, 7600) / 1000,
      torque_enabled: true,
      alert_level: temperature > 60 ? 'warning' : 'normal',
    };
  }
  const payload: ServoStatus = {
    robot_id: robotId,
    servos,
    servo_count: SERVOS,
    timestamp: naiveTimestamp(now, zone, random.int(0, 999)),
  };
  return { topic: `tonypi/servos/${robotId}`, payload };
}

/** Registers the robots as ingest leaves them: online, just seen. */
export async function seedRobots(db: Kysely<DB>, ids: readonly string[], now: Date): Promise<void> {
  await db
    .insertInto('robots')
    .values(
      ids.map((robot_id, i) => ({
        robot_id,
        name: `TonyPi ${i + 1}`,
        status: 'online',
        ip_address: `192.168.149.${10 + (i % 240)}`,
        last_seen: now,
        device_type: 'tonypi',
      })),
    )
    .execute();
}

/**
 * Each robot's live state as ingest leaves it after one round of the TonyPi client's messages (status, battery,
 * sensors, {@link SERVOS} servos, location): the points go to the telemetry store and the live state, the status
 * and the sighting to the live state. Resolves with the number of points.
 */
export async function seedLiveState(
  live: LiveState,
  store: TelemetryStore,
  config: FleetConfig,
  ids: readonly string[],
  now: Date,
): Promise<number> {
  const random = new SeededRandom(7);
  const zone = config.robots.timezone;
  const points = ids.flatMap((robotId, index) => {
    const robot = new SimulatedRobot({ robotId, index, clockZone: zone });
    const messages = [
      robot.status(now, 0),
      robot.batteryStatus(now, 0),
      ...robot.sensors(now, 0),
      servoStatus(robotId, now, random, zone),
      robot.locationUpdate(now, 0),
    ];
    return messages.flatMap((message) => ingested(message, now, config));
  });
  await store.write(points);
  await live.apply(points);
  for (const robotId of ids) await live.setStatus(robotId, 'online', now);
  await live.touch(ids.map((robotId) => ({ robotId, at: now })));
  return points.length;
}

/**
 * One robot's status reports (`robot_status`) every `stepMs` from `from` until `to`, written oldest first in
 * batches of {@link WRITE_BATCH}, as ingest would have written them as they came. Resolves with the number of points.
 */
export async function seedHistory(
  store: TelemetryStore,
  config: FleetConfig,
  robotId: string,
  from: Date,
  to: Date,
  stepMs: number,
): Promise<number> {
  const robot = new SimulatedRobot({ robotId, index: 0, clockZone: config.robots.timezone });
  let batch: TelemetryPoint[] = [];
  let written = 0;
  for (let t = from.getTime(); t < to.getTime(); t += stepMs) {
    const time = new Date(t);
    batch.push(...ingested(robot.status(time, (t - from.getTime()) / 1000), time, config));
    if (batch.length >= WRITE_BATCH) {
      await store.write(batch);
      written += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await store.write(batch);
  return written + batch.length;
}

interface AlertKind {
  type: string;
  metric: string;
  title: string;
  /** Warning and critical thresholds, as the default thresholds have them; none for event alerts. */
  warning?: number;
  critical?: number;
  below?: boolean;
  /** Per servo: the source names the servo. */
  perServo?: boolean;
}

/** What alerting raises for a TonyPi fleet, with the default thresholds (see the migrations). */
const ALERT_KINDS: readonly AlertKind[] = [
  { type: 'battery', metric: 'battery', title: 'Battery low', warning: 20, critical: 10, below: true },
  { type: 'temperature', metric: 'temperature', title: 'CPU temperature high', warning: 70, critical: 80 },
  { type: 'performance', metric: 'cpu', title: 'CPU usage high', warning: 70, critical: 90 },
  { type: 'system', metric: 'memory', title: 'Memory usage high', warning: 75, critical: 90 },
  { type: 'system', metric: 'disk', title: 'Disk usage high', warning: 80, critical: 90 },
  { type: 'servo', metric: 'servo_temp', title: 'Servo temperature high', warning: 60, critical: 75, perServo: true },
  {
    type: 'servo',
    metric: 'servo_voltage',
    title: 'Servo voltage low',
    warning: 5.5,
    critical: 5.0,
    below: true,
    perServo: true,
  },
  { type: 'network', metric: 'offline', title: 'Robot offline' },
  { type: 'emergency_stop', metric: 'emergency_stop', title: 'Emergency stop' },
];

export interface SeededAlerts {
  open: number;
  acknowledged: number;
  resolved: number;
}

/**
 * `count` alerts over the robots, created between `from` and `to`: mixed types and severities (about 1 in 10 info,
 * 6 in 10 warning, 3 in 10 critical), most resolved (by Fleet or by an operator), some acknowledged. As alerting
 * keeps it, at most one is open per robot, type and source: only the newest of each may be, and half of those are.
 */
export async function seedAlerts(
  db: Kysely<DB>,
  ids: readonly string[],
  count: number,
  from: Date,
  to: Date,
): Promise<SeededAlerts> {
  const random = new SeededRandom(11);
  const span = to.getTime() - from.getTime();
  const drafts = Array.from({ length: count }, (_, i) => {
    const kind = random.pick(ALERT_KINDS);
    const robotId = ids[i % ids.length];
    const source = kind.perServo ? `servo_${random.int(1, SERVOS)}` : kind.metric;
    const createdAt = new Date(from.getTime() + (span * (i + random.uniform(0, 1))) / count);
    return { kind, robotId, source, createdAt };
  });
  const newest = new Map<string, number>();
  drafts.forEach((d, i) => newest.set(`${d.robotId}\n${d.kind.type}\n${d.source}`, i));

  const seeded: SeededAlerts = { open: 0, acknowledged: 0, resolved: 0 };
  const rows = drafts.map(({ kind, robotId, source, createdAt }, i): Insertable<DB['alerts']> => {
    const draw = random.uniform(0, 1);
    const severity: AlertSeverity = draw < 0.1 ? 'info' : draw < 0.7 ? 'warning' : 'critical';
    const open = newest.get(`${robotId}\n${kind.type}\n${source}`) === i && random.chance(0.5);
    const acknowledged = random.chance(open ? 0.3 : 0.6);
    // Never after `to`: nothing the seeded fleet did lies in the future.
    const later = (minutes: number) =>
      new Date(Math.min(to.getTime(), createdAt.getTime() + random.uniform(1, minutes) * 60_000));
    const threshold = kind.warning === undefined ? null : severity === 'critical' ? kind.critical : kind.warning;
    const value =
      threshold === null || threshold === undefined
        ? null
        : round(kind.below ? threshold * random.uniform(0.5, 0.99) : threshold * random.uniform(1.01, 1.3), 1);
    const manual = !open && random.chance(0.2);
    if (open) seeded.open++;
    else seeded.resolved++;
    if (acknowledged) seeded.acknowledged++;
    const acknowledgedAt = acknowledged ? later(10) : null;
    const resolvedAt = open ? null : later(60);
    return {
      robot_id: robotId,
      alert_type: kind.type,
      severity,
      title: `${kind.title} on ${robotId}`,
      message:
        value === null
          ? `${kind.title} (${source})`
          : `${kind.metric} is ${value}, ${kind.below ? 'below' : 'above'} the ${severity} threshold ${threshold}`,
      source,
      value,
      threshold: threshold ?? null,
      details: JSON.stringify({ metric: kind.metric, source }),
      acknowledged,
      acknowledged_by: acknowledged ? 'operator' : null,
      acknowledged_at: acknowledgedAt,
      resolved: !open,
      resolved_at: resolvedAt,
      resolved_by: manual ? 'operator' : null,
      resolution: open ? null : manual ? 'manual' : 'auto',
      resolution_note: manual ? 'checked on site' : null,
      created_at: createdAt,
      updated_at: resolvedAt ?? acknowledgedAt ?? createdAt,
    };
  });
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await db
      .insertInto('alerts')
      .values(rows.slice(i, i + INSERT_BATCH))
      .execute();
  }
  return seeded;
}
