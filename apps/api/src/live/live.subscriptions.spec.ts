import { InvalidInputError } from '@fleet/contracts';
import { LiveSubscriptions, MAX_FOLLOWED_ROBOTS } from './live.subscriptions';

describe('what a live client follows', () => {
  it('follows named robots on the channels named, and nothing else', () => {
    const subs = new LiveSubscriptions();
    subs.add(['tonypi_01'], ['telemetry', 'alerts']);
    expect(subs.wants('telemetry', 'tonypi_01')).toBe(true);
    expect(subs.wants('alerts', 'tonypi_01')).toBe(true);
    expect(subs.wants('status', 'tonypi_01')).toBe(false);
    expect(subs.wants('telemetry', 'tonypi_02')).toBe(false);
    expect(subs.wants('alerts', null)).toBe(false);
  });

  it('"*" follows every robot and what belongs to none', () => {
    const subs = new LiveSubscriptions();
    subs.add('*', ['alerts']);
    expect(subs.wants('alerts', 'anything')).toBe(true);
    expect(subs.wants('alerts', null)).toBe(true);
    expect(subs.wants('telemetry', 'anything')).toBe(false);
  });

  it('unsubscribing takes away what it names; "*" ends the channel', () => {
    const subs = new LiveSubscriptions();
    subs.add(['tonypi_01', 'tonypi_02'], ['telemetry']);
    subs.remove(['tonypi_01'], ['telemetry']);
    expect(subs.wants('telemetry', 'tonypi_01')).toBe(false);
    expect(subs.wants('telemetry', 'tonypi_02')).toBe(true);
    subs.add('*', ['telemetry']);
    subs.remove(['tonypi_03'], ['telemetry']);
    expect(subs.wants('telemetry', 'tonypi_03')).toBe(true);
    subs.remove('*', ['telemetry']);
    expect(subs.wants('telemetry', 'tonypi_02')).toBe(false);
    expect(subs.wants('telemetry', 'tonypi_03')).toBe(false);
  });

  it('refuses to follow too many robots by name, changing nothing', () => {
    const subs = new LiveSubscriptions();
    const many = Array.from({ length: MAX_FOLLOWED_ROBOTS / 2 }, (_, i) => `r${i}`);
    subs.add(many, ['telemetry', 'status']);
    subs.add(many, ['telemetry']);
    expect(() => subs.add(['one_more'], ['alerts'])).toThrow(InvalidInputError);
    expect(subs.wants('alerts', 'one_more')).toBe(false);
  });
});
