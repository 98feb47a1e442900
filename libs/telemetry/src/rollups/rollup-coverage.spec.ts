import { coverageWithin } from './rollup-coverage';

const MINUTE = 60_000;

describe('coverageWithin', () => {
  const t0 = Date.parse('2026-03-10T00:00:00Z');
  const rolled = { rolledFrom: t0, rolledUntil: t0 + 60 * MINUTE };

  it('covers from where the tier starts to its watermark, or to the first minute marked within the range', () => {
    const marks = [t0 + 5 * MINUTE, t0 + 20 * MINUTE];
    const facts = { ...rolled, marks, complete: true };
    expect(coverageWithin(facts, t0, t0 + 2 * MINUTE)).toEqual({ from: t0, until: t0 + 60 * MINUTE });
    expect(coverageWithin(facts, t0, t0 + 10 * MINUTE)).toEqual({ from: t0, until: t0 + 5 * MINUTE });
    // A mark before the range does not cut it.
    expect(coverageWithin(facts, t0 + 6 * MINUTE, t0 + 120 * MINUTE)).toEqual({ from: t0, until: t0 + 20 * MINUTE });
    expect(coverageWithin(facts, t0 + 21 * MINUTE, t0 + 120 * MINUTE)).toEqual({ from: t0, until: t0 + 60 * MINUTE });
  });

  it('is null before the first roll', () => {
    expect(coverageWithin({ rolledFrom: null, rolledUntil: null, marks: [], complete: true }, t0, t0 + 1)).toBeNull();
  });

  it('cannot tell past the last of the marks kept when they are not all of them', () => {
    const facts = { ...rolled, marks: [t0 + 5 * MINUTE, t0 + 7 * MINUTE], complete: false };
    expect(coverageWithin(facts, t0, t0 + 6 * MINUTE)).toEqual({ from: t0, until: t0 + 5 * MINUTE });
    expect(coverageWithin(facts, t0 + 6 * MINUTE, t0 + 30 * MINUTE)).toEqual({ from: t0, until: t0 + 7 * MINUTE });
    expect(coverageWithin(facts, t0 + 8 * MINUTE, t0 + 30 * MINUTE)).toBeUndefined();
    // Marks not kept come after the last one kept.
    expect(coverageWithin(facts, t0, t0 + 5 * MINUTE)).toEqual({ from: t0, until: t0 + 60 * MINUTE });
  });
});
