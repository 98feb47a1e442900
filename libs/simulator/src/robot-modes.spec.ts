import { parseRate } from './rate';
import { modesPerRobot } from './robot-modes';

describe('modesPerRobot', () => {
  it('gives a bare mode to every robot and a numbered one to those robots only', () => {
    expect(modesPerRobot(['job', '2:silent', '1,3:hot-servos', '2-3:low-battery'], 3)).toEqual([
      ['job', 'hot-servos'],
      ['job', 'silent', 'low-battery'],
      ['job', 'hot-servos', 'low-battery'],
    ]);
    expect(modesPerRobot([], 2)).toEqual([[], []]);
  });

  it.each([
    ['dancing', /unknown mode 'dancing' \(expected one of low-battery, hot-servos, high-cpu, job, silent\)/],
    ['4:job', /robot numbers run from 1 to 3/],
    ['0:job', /robot numbers run from 1 to 3/],
    ['x:job', /expected robot numbers like 2, 1,3 or 2-4/],
    ['3-2:job', /robot numbers run from 1 to 3/],
  ])('refuses %s, saying why', (spec, message) => {
    expect(() => modesPerRobot([spec], 3)).toThrow(message);
  });
});

describe('parseRate', () => {
  it.each([
    ['1x', 1],
    ['10x', 10],
    ['100X', 100],
    ['2.5', 2.5],
    [' 50 ', 50],
  ])('reads %s', (text, rate) => {
    expect(parseRate(text)).toBe(rate);
  });

  it.each(['0', '0x', 'fast', '-2', '1e3', '20000x'])('refuses %s, naming the option', (text) => {
    expect(() => parseRate(text)).toThrow(/^rate: expected a speed-up like 1x, 10x, 100x or 2\.5/);
  });
});
