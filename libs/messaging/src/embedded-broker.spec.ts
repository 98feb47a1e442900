import { mayPublish } from './embedded-broker';

describe('who may publish where on the embedded broker', () => {
  it.each([
    ['tonypi/commands/tonypi_01', false],
    ['tonypi/commands/broadcast', false],
    ['tonypi/emergency_stop/broadcast', false],
    ['tonypi/config/tonypi_01', false],
    ['tonypi/items/tonypi_01', false],
    ['tonypi/commands/response', true],
    ['tonypi/emergency_stop/response', true],
    ['tonypi/sensors/tonypi_01', true],
    ['tonypi/battery', true],
    ['$SYS/broker/uptime', false],
  ])('a robot on %s: %s', (topic, allowed) => {
    expect(mayPublish(topic, '', false)).toBe(allowed);
  });

  it('lets Fleet itself command robots', () => {
    expect(mayPublish('tonypi/commands/broadcast', '', true)).toBe(true);
  });

  it('guards the same topics under a prefix, and leaves other prefixes alone', () => {
    expect(mayPublish('site-a/tonypi/commands/r1', 'site-a', false)).toBe(false);
    expect(mayPublish('site-a/tonypi/commands/response', 'site-a', false)).toBe(true);
    expect(mayPublish('tonypi/commands/r1', 'site-a', false)).toBe(true);
  });
});
