import {
  commandTopic,
  configTopic,
  emergencyStopTopic,
  itemsTopic,
  parseRobotTopic,
  ROBOT_INBOUND_TOPICS,
  ROBOT_MESSAGE_KINDS,
  ROBOT_SUBSCRIPTIONS,
} from './robot-topics';

describe('robot topics', () => {
  it.each([
    ['tonypi/sensors/tonypi_raspberrypi', { kind: 'sensors', topicRobotId: 'tonypi_raspberrypi' }],
    ['tonypi/status/tonypi_01', { kind: 'status', topicRobotId: 'tonypi_01' }],
    ['tonypi/servos/tonypi_01', { kind: 'servos', topicRobotId: 'tonypi_01' }],
    ['tonypi/battery', { kind: 'battery' }],
    ['tonypi/location', { kind: 'location' }],
    ['tonypi/vision/tonypi_01', { kind: 'vision', topicRobotId: 'tonypi_01' }],
    ['tonypi/logs/tonypi_01', { kind: 'logs', topicRobotId: 'tonypi_01' }],
    ['tonypi/job/tonypi_01', { kind: 'job', topicRobotId: 'tonypi_01' }],
    ['tonypi/scan/tonypi_01', { kind: 'scan', topicRobotId: 'tonypi_01' }],
    ['tonypi/commands/response', { kind: 'command_response' }],
    ['tonypi/emergency_stop/response', { kind: 'emergency_stop_response' }],
    ['tonypi/sensors/rover.7:a-b', { kind: 'sensors', topicRobotId: 'rover.7:a-b' }],
  ])('routes %s', (topic, expected) => {
    expect(parseRobotTopic(topic)).toEqual(expected);
  });

  it.each([
    // Fleet publishes these; robots never do.
    'tonypi/commands/tonypi_01',
    'tonypi/commands/broadcast',
    'tonypi/emergency_stop/tonypi_01',
    'tonypi/emergency_stop/broadcast',
    'tonypi/items/tonypi_01',
    'tonypi/config/tonypi_01',
    // Not robot topics at all, or the wrong depth.
    'tonypi/sensors',
    'tonypi/sensors/',
    'tonypi/sensors/tonypi_01/extra',
    'tonypi/battery/tonypi_01',
    'tonypi/unknown/tonypi_01',
    'tonypi',
    'other/sensors/tonypi_01',
    '',
    // Ids that are not robot ids, or are reserved.
    'tonypi/sensors/bad id',
    `tonypi/sensors/${'x'.repeat(51)}`,
    'tonypi/status/broadcast',
    'tonypi/status/response',
  ])('does not route %j', (topic) => {
    expect(parseRobotTopic(topic)).toBeNull();
  });

  it('subscribes to exactly the robot topics, one filter per kind', () => {
    expect(ROBOT_SUBSCRIPTIONS).toEqual([
      'tonypi/sensors/+',
      'tonypi/status/+',
      'tonypi/servos/+',
      'tonypi/battery',
      'tonypi/location',
      'tonypi/vision/+',
      'tonypi/logs/+',
      'tonypi/job/+',
      'tonypi/scan/+',
      'tonypi/commands/response',
      'tonypi/emergency_stop/response',
    ]);
  });

  it('documents an address that routes back to its kind', () => {
    for (const kind of ROBOT_MESSAGE_KINDS) {
      expect(parseRobotTopic(ROBOT_INBOUND_TOPICS[kind].address.replace('{robotId}', 'r1'))?.kind).toBe(kind);
    }
  });

  it('builds the topics Fleet publishes on', () => {
    expect(commandTopic('tonypi_01')).toBe('tonypi/commands/tonypi_01');
    expect(commandTopic('broadcast')).toBe('tonypi/commands/broadcast');
    expect(emergencyStopTopic('tonypi_01')).toBe('tonypi/emergency_stop/tonypi_01');
    expect(emergencyStopTopic('broadcast')).toBe('tonypi/emergency_stop/broadcast');
    expect(itemsTopic('tonypi_01')).toBe('tonypi/items/tonypi_01');
    expect(configTopic('tonypi_01')).toBe('tonypi/config/tonypi_01');
  });

  it('refuses to build a topic for an id that is not a robot', () => {
    expect(() => commandTopic('a/b')).toThrow("command topic: 'a/b' is not a valid robot id");
    expect(() => commandTopic('+')).toThrow('not a valid robot id');
    expect(() => commandTopic('response')).toThrow("command topic: 'response' is reserved");
    expect(() => emergencyStopTopic('')).toThrow('not a valid robot id');
    expect(() => itemsTopic('broadcast')).toThrow("items topic: 'broadcast' is reserved");
    expect(() => configTopic('#')).toThrow('not a valid robot id');
  });
});
