// The messages the benchmark publishes: the TonyPi client's mix, and the points ingest makes of them.
import type { FleetConfig } from '@fleet/config';
import { decodeRobotMessage } from '@fleet/contracts';
import { robotIds, SimulatedRobot, type SimulatedMessage } from '@fleet/simulator';
import { seriesKey } from '@fleet/telemetry';
import { toPoints } from '@apps/ingest/src/telemetry-mapper';

export interface Prepared {
  /** Topic without the run's prefix. */
  topic: string;
  body: Buffer;
  points: number;
}

export interface Expected {
  messages: Prepared[];
  points: number;
  /** Per measurement: how many points, and a field every one of them has (to count them by). */
  byMeasurement: Map<string, { points: number; field: string }>;
  robotIds: string[];
}

/**
 * The client's mix from `robots` simulated robots (per robot and 30 s: 150 sensor readings, 10 servo reports,
 * 6 locations, 3 statuses, 1 battery report), each message with a timestamp of its own so every point is distinct,
 * and the points ingest will make of them (ingest's own mapping).
 */
export function prepareMessages(count: number, robots: number, run: string, config: FleetConfig): Expected {
  const ids = robotIds(`bench_${run}_`, robots);
  const sims = ids.map(
    (robotId, index) => new SimulatedRobot({ robotId, index, seed: index + 1, clockZone: config.robots.timezone }),
  );
  const base = Date.now() - 120_000;
  const ticks = ids.map(() => 0);
  const messages: Prepared[] = [];
  const fields = new Map<string, { points: number; common: Set<string> }>();
  const keys = new Set<string>();
  const receivedAt = new Date();
  const add = (message: SimulatedMessage) => {
    const body = Buffer.from(JSON.stringify(message.payload));
    const decoded = decodeRobotMessage(message.topic, body, receivedAt, config.robots);
    if (!decoded.ok)
      throw new Error(`the simulator made a message Fleet refuses: ${decoded.reason}: ${decoded.detail}`);
    const points = toPoints(decoded.message);
    for (const p of points) {
      keys.add(`${p.measurement}|${p.robotId}|${seriesKey(p.tags)}|${p.time.getTime()}`);
      const m = fields.get(p.measurement) ?? { points: 0, common: new Set(Object.keys(p.fields)) };
      m.points++;
      for (const f of m.common) if (!(f in p.fields)) m.common.delete(f);
      fields.set(p.measurement, m);
    }
    messages.push({ topic: message.topic, body, points: points.length });
  };
  for (let at = 0; messages.length < count; at++) {
    for (let r = 0; r < robots && messages.length < count; r++) {
      const robot = sims[r];
      const due: ((now: Date) => SimulatedMessage[])[] = [];
      if (at % 2 === 0) due.push((now) => robot.sensors(now, at));
      if (at % 3 === 0) due.push((now) => [robot.servos(now, at)]);
      if (at % 5 === 0) due.push((now) => [robot.locationUpdate(now, at)]);
      if (at % 10 === 0) due.push((now) => [robot.status(now, at)]);
      if (at % 30 === 0) due.push((now) => [robot.batteryStatus(now, at)]);
      for (const make of due) {
        // A millisecond of its own per batch of readings; readings of one batch are distinct series.
        for (const message of make(new Date(base + ticks[r]++))) if (messages.length < count) add(message);
      }
    }
  }
  const total = messages.reduce((sum, m) => sum + m.points, 0);
  if (keys.size !== total)
    throw new Error(`the prepared points are not distinct: ${keys.size} keys for ${total} points`);
  const byMeasurement = new Map<string, { points: number; field: string }>();
  for (const [measurement, { points, common }] of fields) {
    const field = [...common][0];
    if (!field) throw new Error(`no field common to every ${measurement} point, nothing to count them by`);
    byMeasurement.set(measurement, { points, field });
  }
  return { messages, points: total, byMeasurement, robotIds: ids };
}
