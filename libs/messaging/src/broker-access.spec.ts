import { mayPublish, maySubscribe, payloadRobotProblem, robotIdProblem, type BrokerIdentity } from './broker-access';

const robot: BrokerIdentity = { kind: 'robot', robotId: 'tonypi_01', via: 'credential' };
const fleet: BrokerIdentity = { kind: 'fleet' };

describe('what a robot may publish on the embedded broker', () => {
  it.each([
    ['tonypi/sensors/tonypi_01', true],
    ['tonypi/status/tonypi_01', true],
    ['tonypi/servos/tonypi_01', true],
    ['tonypi/vision/tonypi_01', true],
    ['tonypi/logs/tonypi_01', true],
    ['tonypi/job/tonypi_01', true],
    ['tonypi/scan/tonypi_01', true],
    ['tonypi/battery', true],
    ['tonypi/location', true],
    ['tonypi/commands/response', true],
    ['tonypi/emergency_stop/response', true],
    ['tonypi/sensors/tonypi_02', false],
    ['tonypi/status/tonypi_010', false],
    ['tonypi/sensors/tonypi_01/extra', false],
    ['tonypi/commands/tonypi_01', false],
    ['tonypi/commands/broadcast', false],
    ['tonypi/emergency_stop/tonypi_01', false],
    ['tonypi/emergency_stop/broadcast', false],
    ['tonypi/config/tonypi_01', false],
    ['tonypi/items/tonypi_01', false],
    ['tonypi/battery/tonypi_02', false],
    ['elsewhere/tonypi_01', false],
    ['$SYS/broker/uptime', false],
  ])('%s: %s', (topic, allowed) => {
    expect(mayPublish(robot, topic, '')).toBe(allowed);
  });

  it('binds a robot admitted without credentials to its client id by the same rules', () => {
    const anonymous: BrokerIdentity = { kind: 'robot', robotId: 'tonypi_07', via: 'anonymous' };
    expect(mayPublish(anonymous, 'tonypi/status/tonypi_07', '')).toBe(true);
    expect(mayPublish(anonymous, 'tonypi/status/tonypi_01', '')).toBe(false);
  });

  it('applies the rules under MQTT_TOPIC_PREFIX, and keeps robots out of topics outside it', () => {
    expect(mayPublish(robot, 'site-a/tonypi/sensors/tonypi_01', 'site-a')).toBe(true);
    expect(mayPublish(robot, 'site-a/tonypi/battery', 'site-a')).toBe(true);
    expect(mayPublish(robot, 'site-a/tonypi/commands/tonypi_01', 'site-a')).toBe(false);
    expect(mayPublish(robot, 'tonypi/sensors/tonypi_01', 'site-a')).toBe(false);
    expect(mayPublish(robot, 'site-b/tonypi/sensors/tonypi_01', 'site-a')).toBe(false);
  });

  it('lets Fleet itself publish anywhere but $SYS', () => {
    expect(mayPublish(fleet, 'tonypi/commands/broadcast', '')).toBe(true);
    expect(mayPublish(fleet, 'tonypi/emergency_stop/tonypi_01', '')).toBe(true);
    expect(mayPublish(fleet, 'anything/else', '')).toBe(true);
    expect(mayPublish(fleet, '$SYS/broker/uptime', '')).toBe(false);
  });
});

describe("a robot's payload on the topics without an id", () => {
  const problem = (topic: string, payload: string, identity: BrokerIdentity = robot, prefix = '') =>
    payloadRobotProblem(identity, topic, Buffer.from(payload), prefix);

  it.each(['tonypi/battery', 'tonypi/location', 'tonypi/commands/response', 'tonypi/emergency_stop/response'])(
    '%s must name the robot itself',
    (topic) => {
      expect(problem(topic, '{"robot_id":"tonypi_01"}')).toBeUndefined();
      expect(problem(topic, '{"robot_id":"tonypi_02"}')).toBe(
        "its payload's robot_id is 'tonypi_02', not its own 'tonypi_01'",
      );
      // Python's JSON (NaN, Infinity), which ingest reads, is read here too.
      expect(problem(topic, '{"robot_id":"tonypi_02","percentage":NaN,"x":-Infinity}')).toBe(
        "its payload's robot_id is 'tonypi_02', not its own 'tonypi_01'",
      );
    },
  );

  it.each(['not json', '[1]', 'null', '{}', '{"robot_id":""}', '{"robot_id":7}'])(
    'leaves %s to ingest, which says what is wrong with it',
    (payload) => {
      expect(problem('tonypi/battery', payload)).toBeUndefined();
    },
  );

  it('applies under MQTT_TOPIC_PREFIX, to anonymous robots, and not to topics with the id or to Fleet', () => {
    expect(problem('site-a/tonypi/battery', '{"robot_id":"tonypi_02"}', robot, 'site-a')).toBeDefined();
    const anonymous: BrokerIdentity = { kind: 'robot', robotId: 'tonypi_07', via: 'anonymous' };
    expect(problem('tonypi/location', '{"robot_id":"tonypi_01"}', anonymous)).toBeDefined();
    expect(problem('tonypi/location', '{"robot_id":"tonypi_07"}', anonymous)).toBeUndefined();
    // The topic's id rules there (mayPublish); ingest refuses a payload that contradicts it.
    expect(problem('tonypi/sensors/tonypi_01', '{"robot_id":"tonypi_02"}')).toBeUndefined();
    expect(problem('tonypi/battery', '{"robot_id":"tonypi_02"}', fleet)).toBeUndefined();
  });
});

describe('what a robot may subscribe to on the embedded broker', () => {
  it.each([
    ['tonypi/commands/tonypi_01', true],
    ['tonypi/commands/broadcast', true],
    ['tonypi/emergency_stop/tonypi_01', true],
    ['tonypi/emergency_stop/broadcast', true],
    ['tonypi/items/tonypi_01', true],
    ['tonypi/config/tonypi_01', true],
    ['tonypi/+/tonypi_01', true],
    ['tonypi/commands/tonypi_02', false],
    ['tonypi/emergency_stop/tonypi_02', false],
    ['tonypi/commands/+', false],
    ['tonypi/commands/#', false],
    ['tonypi/commands/tonypi_01/#', false],
    ['tonypi/+/+', false],
    ['tonypi/+/broadcast', false],
    ['tonypi/commands/response', false],
    ['tonypi/battery', false],
    ['tonypi/sensors/tonypi_02', false],
    ['tonypi/#', false],
    ['#', false],
    ['+/commands/tonypi_01', false],
    ['$share/robots/tonypi/commands/tonypi_01', false],
    ['$SYS/#', false],
  ])('%s: %s', (filter, allowed) => {
    expect(maySubscribe(robot, filter, '')).toBe(allowed);
  });

  it('applies the rules under MQTT_TOPIC_PREFIX', () => {
    expect(maySubscribe(robot, 'site-a/tonypi/commands/tonypi_01', 'site-a')).toBe(true);
    expect(maySubscribe(robot, 'site-a/tonypi/commands/broadcast', 'site-a')).toBe(true);
    expect(maySubscribe(robot, 'tonypi/commands/tonypi_01', 'site-a')).toBe(false);
    expect(maySubscribe(robot, '+/tonypi/commands/tonypi_01', 'site-a')).toBe(false);
  });

  it('lets Fleet itself read everything, shared subscriptions included', () => {
    expect(maySubscribe(fleet, '#', '')).toBe(true);
    expect(maySubscribe(fleet, '$share/ingest/tonypi/sensors/+', '')).toBe(true);
  });
});

describe('what a browser signed in with an access token may do on the embedded broker', () => {
  const browser: BrokerIdentity = { kind: 'browser', username: 'ana', role: 'admin' };

  it.each([
    ['tonypi/#', true],
    ['tonypi/sensors/+', true],
    ['tonypi/status/tonypi_01', true],
    ['tonypi/commands/response', true],
    ['tonypi/+/tonypi_01', true],
    ['#', false],
    ['+/sensors/tonypi_01', false],
    ['$share/dashboard/tonypi/#', false],
    ['$SYS/#', false],
    ['elsewhere/#', false],
  ])('subscribes to %s: %s', (filter, allowed) => {
    expect(maySubscribe(browser, filter, '')).toBe(allowed);
  });

  it('reads robot topics only under MQTT_TOPIC_PREFIX', () => {
    expect(maySubscribe(browser, 'site-a/tonypi/#', 'site-a')).toBe(true);
    expect(maySubscribe(browser, 'site-a/#', 'site-a')).toBe(false);
    expect(maySubscribe(browser, 'tonypi/#', 'site-a')).toBe(false);
    expect(maySubscribe(browser, '$share/g/site-a/tonypi/#', 'site-a')).toBe(false);
  });

  it.each(['tonypi/commands/tonypi_01', 'tonypi/emergency_stop/broadcast', 'tonypi/sensors/tonypi_01', 'x'])(
    'publishes nothing, whatever its role: %s',
    (topic) => {
      expect(mayPublish(browser, topic, '')).toBe(false);
    },
  );
});

describe('robot ids that can log in', () => {
  it.each(['tonypi_01', 'rover-7', 'esp32.lab:3', 'fleetwood', 'webcam_01', 'web'])('%s can', (id) => {
    expect(robotIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['', 'Too small'],
    ['tonypi/01', 'letters, digits and _ . : - only'],
    ['tonypi+', 'letters, digits and _ . : - only'],
    ['x'.repeat(51), 'Too big'],
    ['broadcast', 'reserved'],
    ['response', 'reserved'],
    ['fleet', 'reserved'],
    ['fleet-ingest-1', "starting with 'fleet-'"],
    ['web-tonypi_01', "starting with 'web-'"],
  ])('%j cannot: %s', (id, reason) => {
    expect(robotIdProblem(id)).toContain(reason);
  });
});
