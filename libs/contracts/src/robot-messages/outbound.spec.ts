import { InvalidInputError } from '../errors';
import { parseOrThrow } from '../validation';
import { emergencyStopMessageSchema } from './emergency-stop.schema';
import { itemsReplySchema } from './items-reply.schema';
import { ROBOT_COMMAND_TYPES, robotCommandSchema, type RobotCommand } from './robot-command.schema';
import { robotConfigMessageSchema } from './robot-config.schema';

const SENT_AT = '2026-01-24T10:30:45.123Z';

function issuePaths(schema: Parameters<typeof parseOrThrow>[0], input: unknown): string[] {
  try {
    parseOrThrow(schema, input, 'message');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues.map((i) => i.path);
  }
  throw new Error('accepted');
}

describe('messages Fleet sends to robots', () => {
  it('commands: {type, id, ...params, timestamp} for every type a TonyPi client handles', () => {
    const commands: RobotCommand[] = [
      { type: 'move', id: 'cmd_1', direction: 'forward', distance: 1, speed: 0.5, timestamp: SENT_AT },
      { type: 'move', id: 'cmd_2', direction: 'kick_left', timestamp: SENT_AT },
      { type: 'resume', id: 'rsm_1769250700', timestamp: SENT_AT },
      { type: 'set_servo', id: 'cmd_3', servo_id: 5, position: -20, timestamp: SENT_AT },
      { type: 'start_job', id: 'cmd_4', items_total: 15, timestamp: SENT_AT },
      ...(['stop', 'status_request', 'battery_request', 'shutdown', 'head_nod', 'head_shake'] as const).map((type) => ({
        type,
        id: `cmd_${type}`,
        timestamp: SENT_AT,
      })),
    ];
    for (const command of commands) expect(robotCommandSchema.parse(command)).toEqual(command);
    expect(ROBOT_COMMAND_TYPES).toEqual(
      expect.arrayContaining([
        'move',
        'stop',
        'resume',
        'status_request',
        'battery_request',
        'shutdown',
        'head_nod',
        'head_shake',
      ]),
    );
  });

  it.each([
    [{ type: 'dance', id: 'c1', timestamp: SENT_AT }, 'type'],
    [{ type: 'move', id: 'c1', timestamp: SENT_AT }, 'direction'],
    [{ type: 'move', id: 'c1', direction: 'up', timestamp: SENT_AT }, 'direction'],
    [{ type: 'move', id: 'c1', direction: 'forward', distance: -1, timestamp: SENT_AT }, 'distance'],
    [{ type: 'stop', id: 'c 1', timestamp: SENT_AT }, 'id'],
    [{ type: 'stop', id: 'c1', timestamp: '2026-01-24T10:30:45' }, 'timestamp'],
    [{ type: 'stop', id: 'c1', timestamp: SENT_AT, speed: 1 }, '(root)'],
    [{ type: 'set_servo', id: 'c1', servo_id: 1, position: 120, timestamp: SENT_AT }, 'position'],
  ])('refuses the command %j, naming %s', (command, path) => {
    expect(issuePaths(robotCommandSchema, command)).toEqual([path]);
  });

  it('emergency stop: {type: "emergency_stop", reason, id, timestamp}', () => {
    const stop = { type: 'emergency_stop', reason: 'Operator pressed stop', id: 'emg_1769250645', timestamp: SENT_AT };
    expect(emergencyStopMessageSchema.parse(stop)).toEqual(stop);
    expect(issuePaths(emergencyStopMessageSchema, { ...stop, reason: '' })).toEqual(['reason']);
    expect(issuePaths(emergencyStopMessageSchema, { ...stop, type: 'stop' })).toEqual(['type']);
  });

  it('items reply: what the client reads (found, item, message)', () => {
    const found = { robot_id: 'r1', qr: 'QR12345', found: true, item: { name: 'Widget A' }, timestamp: SENT_AT };
    expect(itemsReplySchema.parse(found)).toEqual(found);
    const missing = { robot_id: 'r1', qr: 'QR0', found: false, message: 'Item not found', timestamp: SENT_AT };
    expect(itemsReplySchema.parse(missing)).toEqual(missing);
    expect(issuePaths(itemsReplySchema, { ...found, found: 'yes' })).toEqual(['found']);
  });

  it('config: one section with its settings', () => {
    const config = { config_type: 'navigation', config_data: { max_speed: 1.5 }, timestamp: SENT_AT };
    expect(robotConfigMessageSchema.parse(config)).toEqual(config);
    expect(issuePaths(robotConfigMessageSchema, { ...config, config_type: 'Navigation!' })).toEqual(['config_type']);
    expect(issuePaths(robotConfigMessageSchema, { ...config, config_data: [] })).toEqual(['config_data']);
  });
});
