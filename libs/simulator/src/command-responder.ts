import { randomUUID } from 'node:crypto';
import { COMMANDS_ALLOWED_WHILE_STOPPED } from '@fleet/contracts';
import type { SimulatedRobot } from './simulated-robot';
import type { CommandResponse, LegacyJobProgress, SimulatedMessage } from './tonypi-payloads';

/** What a robot does with a message Fleet sent it: what it publishes back, and whether it shuts down. */
export interface CommandOutcome {
  messages: SimulatedMessage[];
  /** A `shutdown` command: the client stops (it reports itself offline and disconnects). */
  shutdown: boolean;
}

/** The topics a robot listens on, as the TonyPi client subscribes to them. */
export function commandTopics(robotId: string): string[] {
  return [
    `tonypi/commands/${robotId}`,
    'tonypi/commands/broadcast',
    `tonypi/items/${robotId}`,
    `tonypi/emergency_stop/${robotId}`,
    'tonypi/emergency_stop/broadcast',
  ];
}

/**
 * Answers a command as the TonyPi client does: on `tonypi/commands/response` (and, for an emergency stop, also on
 * `tonypi/emergency_stop/response`), with the same keys and messages. `topic` is without any installation prefix.
 */
export function respondToCommand(
  robot: SimulatedRobot,
  topic: string,
  body: Buffer | string,
  now: Date,
  at: number,
): CommandOutcome {
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString());
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    // The client logs "Error handling message" and answers nothing.
    return { messages: [], shutdown: false };
  }
  const type = typeof payload.type === 'string' ? payload.type : '';
  const given = payload.id as string | null | undefined;
  const base = { robot_id: robot.robotId, command_id: given ?? null, timestamp: robot.timestamp(now) };
  const reply = (response: CommandResponse): SimulatedMessage => ({
    topic: 'tonypi/commands/response',
    payload: response,
  });

  if (topic.startsWith('tonypi/emergency_stop/')) {
    const reason = typeof payload.reason === 'string' ? payload.reason : 'Emergency stop triggered';
    robot.emergencyStopped = true;
    robot.emergencyReason = reason;
    const cancelled = robot.cancelJob(now, at, reason);
    const response: CommandResponse = {
      robot_id: robot.robotId,
      command_id: given ?? randomUUID(),
      type: 'emergency_stop',
      timestamp: robot.timestamp(now),
      success: true,
      message: `Emergency stop activated: ${reason}`,
      reason,
      state: { emergency_stopped: true, motors_stopped: true },
    };
    return {
      messages: [
        robot.log(now, 'WARNING', `⚠️ EMERGENCY STOP: ${reason}`, 'emergency'),
        ...cancelled,
        { topic: 'tonypi/emergency_stop/response', payload: response },
        reply(response),
      ],
      shutdown: false,
    };
  }

  if (robot.emergencyStopped && !COMMANDS_ALLOWED_WHILE_STOPPED.includes(type)) {
    return {
      messages: [
        reply({
          ...base,
          command_id: given ?? randomUUID(),
          success: false,
          message: `Robot is emergency stopped. Send 'resume' command first. Reason: ${robot.emergencyReason}`,
        }),
      ],
      shutdown: false,
    };
  }

  switch (type) {
    case 'move': {
      const direction = typeof payload.direction === 'string' ? payload.direction : 'forward';
      const distance = typeof payload.distance === 'number' ? payload.distance : 1.0;
      robot.move(direction, distance);
      const { location, battery_level } = robot.statusData() as { location: object; battery_level: number };
      return {
        messages: [
          reply({
            ...base,
            success: true,
            message: `Moved ${direction} for ${distance} units`,
            new_location: location,
            battery_level,
          }),
        ],
        shutdown: false,
      };
    }
    // The robot-side module's clear_emergency ends a stop as resume does.
    case 'resume':
    case 'clear_emergency': {
      if (!robot.emergencyStopped) {
        return {
          messages: [
            reply({
              robot_id: robot.robotId,
              command_id: given ?? randomUUID(),
              type,
              timestamp: robot.timestamp(now),
              success: true,
              message: 'Robot was not in emergency stop state',
            }),
          ],
          shutdown: false,
        };
      }
      const previous = robot.emergencyReason;
      robot.emergencyStopped = false;
      robot.emergencyReason = null;
      return {
        messages: [
          robot.log(now, 'INFO', '✅ Emergency stop cleared - robot resumed', 'emergency'),
          reply({
            robot_id: robot.robotId,
            command_id: given ?? randomUUID(),
            type,
            timestamp: robot.timestamp(now),
            success: true,
            message: `Robot resumed from emergency stop (was: ${previous})`,
            previous_reason: previous,
            state: { emergency_stopped: false, ready: true },
          }),
        ],
        shutdown: false,
      };
    }
    case 'status_request':
      return {
        messages: [reply({ ...base, success: true, message: 'Status retrieved', data: robot.statusData() })],
        shutdown: false,
      };
    case 'battery_request': {
      const battery = robot.batteryLevel;
      return {
        messages: [
          reply({
            ...base,
            success: true,
            message: 'Battery status retrieved',
            data: { battery_level: battery, charging: false, estimated_time: battery * 2 },
          }),
        ],
        shutdown: false,
      };
    }
    case 'stop':
      return { messages: [reply({ ...base, success: true, message: 'Robot stopped successfully' })], shutdown: false };
    case 'shutdown':
      return { messages: [reply({ ...base, success: true, message: 'Robot shutting down' })], shutdown: true };
    case 'head_nod':
      return { messages: [reply({ ...base, success: true, message: 'Head nod completed' })], shutdown: false };
    case 'head_shake':
      return { messages: [reply({ ...base, success: true, message: 'Head shake completed' })], shutdown: false };
    default:
      if (topic.startsWith('tonypi/items/')) return { messages: itemInfo(robot, payload, now), shutdown: false };
      return {
        messages: [reply({ ...base, command_id: given ?? randomUUID(), success: false, message: 'Unknown command' })],
        shutdown: false,
      };
  }
}

/** The client assumes ten items per job. */
const ITEMS_TOTAL = 10;

/** A scan reply: the client acknowledges it and, when the item was found, reports job progress the old way. */
function itemInfo(robot: SimulatedRobot, payload: Record<string, unknown>, now: Date): SimulatedMessage[] {
  const found = payload.found === true;
  const messages: SimulatedMessage[] = [
    {
      topic: 'tonypi/commands/response',
      payload: {
        robot_id: robot.robotId,
        timestamp: robot.timestamp(now),
        success: found,
        item: payload.item ?? null,
        message: typeof payload.message === 'string' ? payload.message : 'Item info',
      },
    },
  ];
  if (found) {
    const done = robot.recordFoundItem();
    const percent = Math.round((done / ITEMS_TOTAL) * 100 * 100) / 100;
    const progress: LegacyJobProgress = {
      robot_id: robot.robotId,
      percent,
      status: percent < 100 ? 'working' : 'completed',
      items_done: done,
      items_total: ITEMS_TOTAL,
      timestamp: robot.timestamp(now),
    };
    // The client publishes the progress first, the acknowledgement after.
    messages.unshift({ topic: `tonypi/job/${robot.robotId}`, payload: progress });
  }
  return messages;
}
