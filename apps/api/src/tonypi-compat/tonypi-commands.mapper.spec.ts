import {
  tonypiCommandSentSchema,
  tonypiRobotCommandSchema,
  tonypiScanTriggeredSchema,
  type CommandView,
} from '@fleet/contracts';
import { commandResult, commandSent, robotCommandInput, scanTriggered } from './tonypi-commands.mapper';

const view = { id: '6f1c2a4e-0000-4000-8000-000000000001' } as CommandView;

describe('TonyPi robot-data command bodies', () => {
  it('name the command by type or command; every other field but the envelope is a parameter', () => {
    const body = tonypiRobotCommandSchema.parse({
      robot_id: 'tonypi_01',
      command: 'move',
      direction: 'forward',
      distance: 1,
      id: 'mine',
      timestamp: '2026-01-01T00:00:00Z',
    });
    expect(robotCommandInput(body)).toEqual({ type: 'move', parameters: { direction: 'forward', distance: 1 } });
    expect(robotCommandInput(tonypiRobotCommandSchema.parse({ type: 'stop' }))).toEqual({
      type: 'stop',
      parameters: {},
    });
  });

  it('are refused without a command, with an unknown one, or when type and command disagree', () => {
    expect(tonypiRobotCommandSchema.safeParse({ robot_id: 'tonypi_01' }).success).toBe(false);
    expect(tonypiRobotCommandSchema.safeParse({ type: 'fly' }).success).toBe(false);
    expect(tonypiRobotCommandSchema.safeParse({ type: 'stop', command: 'move' }).success).toBe(false);
    expect(tonypiRobotCommandSchema.safeParse({ type: 'stop', command: 'stop' }).success).toBe(true);
  });

  it('are echoed with the command id, on the robot topic or the broadcast topic', () => {
    const body = tonypiRobotCommandSchema.parse({ robot_id: 'tonypi_01', type: 'move', direction: 'left' });
    const sent = commandSent(body, view);
    expect(sent).toEqual({
      success: true,
      message: 'Command sent to robot',
      topic: 'tonypi/commands/tonypi_01',
      command: { robot_id: 'tonypi_01', type: 'move', direction: 'left', command_id: view.id },
    });
    expect(tonypiCommandSentSchema.parse(sent)).toEqual(sent);
    expect(commandSent(tonypiRobotCommandSchema.parse({ type: 'stop' }), view).topic).toBe('tonypi/commands/broadcast');
  });
});

describe('TonyPi command answers', () => {
  it('carry the id the robot receives', () => {
    expect(commandResult('Command sent successfully', view)).toEqual({
      success: true,
      message: 'Command sent successfully',
      command_id: view.id,
    });
  });

  it('a triggered scan is published on the robot scan topic with a UTC timestamp', () => {
    const scan = scanTriggered('tonypi_01', 'STATION_A', new Date('2026-03-01T10:00:00.500Z'));
    expect(scan).toEqual({
      success: true,
      topic: 'tonypi/scan/tonypi_01',
      payload: { robot_id: 'tonypi_01', qr: 'STATION_A', timestamp: '2026-03-01T10:00:00.500Z' },
    });
    expect(tonypiScanTriggeredSchema.parse(scan)).toEqual(scan);
  });
});
