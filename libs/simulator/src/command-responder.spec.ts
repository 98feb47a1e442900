import { commandTopics, respondToCommand } from './command-responder';
import { SimulatedRobot } from './simulated-robot';
import type { CommandResponse, JobEvent, RobotStatus } from './tonypi-payloads';

const NOW = new Date('2026-01-24T10:30:45.123Z');
const robot = () => new SimulatedRobot({ robotId: 'tonypi_01', index: 0, seed: 1, clockZone: 'UTC', modes: ['job'] });
const send = (r: SimulatedRobot, topic: string, body: unknown, at = 0) =>
  respondToCommand(r, topic, JSON.stringify(body), NOW, at);

describe('respondToCommand: answers as the TonyPi client does', () => {
  it('listens where the client subscribes', () => {
    expect(commandTopics('tonypi_01')).toEqual([
      'tonypi/commands/tonypi_01',
      'tonypi/commands/broadcast',
      'tonypi/items/tonypi_01',
      'tonypi/emergency_stop/tonypi_01',
      'tonypi/emergency_stop/broadcast',
    ]);
  });

  it('moves, answering with the new location and battery', () => {
    const r = robot();
    const { messages } = send(r, 'tonypi/commands/tonypi_01', {
      type: 'move',
      id: 'c1',
      direction: 'right',
      distance: 2,
    });
    expect(messages).toEqual([
      {
        topic: 'tonypi/commands/response',
        payload: {
          robot_id: 'tonypi_01',
          command_id: 'c1',
          timestamp: expect.stringMatching(/^2026-01-24T10:30:45\.123/) as unknown,
          success: true,
          message: 'Moved right for 2 units',
          new_location: { x: 0, y: 2, z: 0 },
          battery_level: r.batteryLevel,
        },
      },
    ]);
  });

  it('stops on an emergency stop, cancelling the job, refuses other commands until resumed', () => {
    const r = robot();
    for (let at = 0; at < 60 && !r.runningTask; at++) r.jobEvents(NOW, at);
    const task = r.runningTask;
    expect(task).toBeDefined();

    const stop = send(r, 'tonypi/emergency_stop/broadcast', { type: 'emergency_stop', id: 'e1', reason: 'test' }, 60);
    expect(stop.messages.map((m) => m.topic)).toEqual([
      'tonypi/logs/tonypi_01',
      'tonypi/job/tonypi_01',
      'tonypi/emergency_stop/response',
      'tonypi/commands/response',
    ]);
    expect(stop.messages[1].payload).toMatchObject({
      task_name: task,
      status: 'cancelled',
      reason: 'test',
    } as JobEvent);
    expect(stop.messages[2].payload).toMatchObject({
      command_id: 'e1',
      type: 'emergency_stop',
      success: true,
      message: 'Emergency stop activated: test',
      reason: 'test',
      state: { emergency_stopped: true, motors_stopped: true },
    });
    expect(r.status(NOW, 61).payload).toMatchObject({
      status: 'emergency_stopped',
      emergency_stopped: true,
      emergency_reason: 'test',
    });
    expect(r.jobEvents(NOW, 500)).toEqual([]);

    const refused = send(r, 'tonypi/commands/tonypi_01', { type: 'move', id: 'c2' }).messages[0]
      .payload as CommandResponse;
    expect(refused).toMatchObject({
      command_id: 'c2',
      success: false,
      message: "Robot is emergency stopped. Send 'resume' command first. Reason: test",
    });
    expect(
      send(r, 'tonypi/commands/tonypi_01', { type: 'battery_request', id: 'c3' }).messages[0].payload,
    ).toMatchObject({
      success: true,
      data: { charging: false },
    });

    const resume = send(r, 'tonypi/commands/tonypi_01', { type: 'resume', id: 'c4' });
    expect(resume.messages[1].payload).toMatchObject({
      type: 'resume',
      success: true,
      message: 'Robot resumed from emergency stop (was: test)',
      previous_reason: 'test',
      state: { emergency_stopped: false, ready: true },
    });
    expect((r.status(NOW, 62).payload as RobotStatus).status).toBe('online');
  });

  it('answers status and battery requests, stop, head moves, and unknown commands', () => {
    const r = robot();
    r.sensors(NOW, 0);
    const status = send(r, 'tonypi/commands/broadcast', { type: 'status_request', id: 's' }).messages[0].payload;
    expect(status).toMatchObject({
      message: 'Status retrieved',
      data: {
        status: 'online',
        emergency_stopped: false,
        hardware_available: true,
        sensors: { light_status: expect.any(String) as unknown },
      },
    });
    const reply = (type: string) => send(r, 'tonypi/commands/tonypi_01', { type, id: 'x' }).messages[0].payload;
    expect(reply('stop')).toMatchObject({ success: true, message: 'Robot stopped successfully' });
    expect(reply('head_nod')).toMatchObject({ success: true, message: 'Head nod completed' });
    expect(reply('head_shake')).toMatchObject({ success: true, message: 'Head shake completed' });
    expect(reply('dance')).toMatchObject({ command_id: 'x', success: false, message: 'Unknown command' });
    expect(send(r, 'tonypi/commands/tonypi_01', { type: 'shutdown', id: 'z' }).shutdown).toBe(true);
    expect(respondToCommand(r, 'tonypi/commands/tonypi_01', 'not json', NOW, 0).messages).toEqual([]);
  });

  it('counts found items of a scan and reports progress the old way', () => {
    const r = robot();
    const found = send(r, 'tonypi/items/tonypi_01', { found: true, item: { name: 'box' } });
    expect(found.messages.map((m) => m.topic)).toEqual(['tonypi/job/tonypi_01', 'tonypi/commands/response']);
    expect(found.messages[0].payload).toEqual({
      robot_id: 'tonypi_01',
      percent: 10,
      status: 'working',
      items_done: 1,
      items_total: 10,
      timestamp: expect.any(String) as unknown,
    });
    expect(found.messages[1].payload).toMatchObject({ success: true, item: { name: 'box' }, message: 'Item info' });
    expect(send(r, 'tonypi/items/tonypi_01', { found: false }).messages).toHaveLength(1);
  });
});
