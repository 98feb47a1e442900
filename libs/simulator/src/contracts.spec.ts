import { decodeRobotMessage, type RobotTimeOptions } from '@fleet/contracts';
import { respondToCommand } from './command-responder';
import { ROBOT_MODES } from './robot-modes';
import { SimulatedRobot } from './simulated-robot';
import type { SimulatedMessage } from './tonypi-payloads';

const START = Date.parse('2026-01-24T10:30:00.000Z');
const TIME: RobotTimeOptions = { timezone: '+08:00', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };

/** Ten simulated minutes of a robot in every mode at once, answering every command Fleet sends. */
function everything(): { message: SimulatedMessage; now: Date }[] {
  const robot = new SimulatedRobot({
    robotId: 'tonypi_07',
    index: 6,
    modes: ROBOT_MODES,
    seed: 5,
    clockZone: '+08:00',
  });
  const out: { message: SimulatedMessage; now: Date }[] = [];
  const add = (now: Date, messages: SimulatedMessage[]) => out.push(...messages.map((message) => ({ message, now })));
  add(new Date(START), robot.startup(new Date(START), 0));
  for (let at = 1; at <= 600; at++) {
    const now = new Date(START + at * 1000);
    add(now, robot.sensors(now, at));
    add(now, [robot.servos(now, at), robot.locationUpdate(now, at), robot.status(now, at)]);
    add(now, [robot.batteryStatus(now, at), robot.heartbeat(now, at)]);
    add(now, robot.jobEvents(now, at));
  }
  const now = new Date(START + 601_000);
  const command = (topic: string, body: object) =>
    add(now, respondToCommand(robot, topic, JSON.stringify(body), now, 601).messages);
  for (const type of [
    'move',
    'status_request',
    'battery_request',
    'stop',
    'head_nod',
    'head_shake',
    'dance',
    'shutdown',
  ]) {
    command('tonypi/commands/tonypi_07', { type, id: `c-${type}` });
  }
  command('tonypi/items/tonypi_07', { found: true, item: { name: 'box' } });
  command('tonypi/emergency_stop/broadcast', { type: 'emergency_stop', id: 'e1', reason: 'test' });
  command('tonypi/commands/tonypi_07', { type: 'move', id: 'refused' });
  command('tonypi/commands/tonypi_07', { type: 'resume', id: 'r1' });
  command('tonypi/commands/tonypi_07', { type: 'resume', id: 'r2' });
  add(now, [robot.status(now, 601, 'offline')]);
  return out;
}

describe('what the simulator publishes, read by Fleet', () => {
  const published = everything();

  it('covers every kind of message the TonyPi client sends', () => {
    const topics = new Set(published.map((p) => p.message.topic.replace('tonypi_07', '{id}')));
    expect([...topics].sort()).toEqual([
      'tonypi/battery',
      'tonypi/commands/response',
      'tonypi/emergency_stop/response',
      'tonypi/job/{id}',
      'tonypi/location',
      'tonypi/logs/{id}',
      'tonypi/sensors/{id}',
      'tonypi/servos/{id}',
      'tonypi/status/{id}',
    ]);
  });

  it('decodes every message, with the robot id and the robot clock trusted', () => {
    const problems = published.flatMap(({ message, now }) => {
      const result = decodeRobotMessage(message.topic, Buffer.from(JSON.stringify(message.payload)), now, TIME);
      if (!result.ok) return [`${message.topic}: ${result.reason}: ${result.detail}`];
      if (result.message.robotId !== 'tonypi_07') return [`${message.topic}: robot ${result.message.robotId}`];
      const hasTime = 'timestamp' in message.payload;
      if (hasTime && (result.message.clock !== 'ok' || Math.abs(result.message.time.getTime() - now.getTime()) > 1)) {
        return [`${message.topic}: clock ${result.message.clock} at ${result.message.time.toISOString()}`];
      }
      return [];
    });
    expect(problems).toEqual([]);
  });
});
