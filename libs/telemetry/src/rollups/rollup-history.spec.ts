import { bucketRollups, splitHistory } from './rollup-history';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('splitHistory', () => {
  const t0 = Date.parse('2026-03-10T00:00:00Z');

  it('reads the whole buckets the rollups cover from them and the rest raw, split at bucket boundaries', () => {
    const covered = { from: t0 - HOUR, until: t0 + 10 * MINUTE + 30_000 };
    expect(splitHistory(t0 + 15_000, t0 + 20 * MINUTE, 5 * MINUTE, covered)).toEqual({
      rollups: { from: t0 + 5 * MINUTE, to: t0 + 10 * MINUTE },
      raw: [
        { from: t0 + 15_000, to: t0 + 5 * MINUTE },
        { from: t0 + 10 * MINUTE, to: t0 + 20 * MINUTE },
      ],
    });
  });

  it('starts the rollups where they start to cover', () => {
    const covered = { from: t0 + 2 * MINUTE + 1, until: t0 + HOUR };
    expect(splitHistory(t0, t0 + 10 * MINUTE, MINUTE, covered)).toEqual({
      rollups: { from: t0 + 3 * MINUTE, to: t0 + 10 * MINUTE },
      raw: [{ from: t0, to: t0 + 3 * MINUTE }],
    });
  });

  it('reads raw only for buckets that are not whole minutes, nothing covered, or no whole bucket covered', () => {
    const all = { from: -Infinity, until: Infinity };
    expect(splitHistory(t0, t0 + HOUR, 30_000, all)).toEqual({ rollups: null, raw: [{ from: t0, to: t0 + HOUR }] });
    expect(splitHistory(t0, t0 + HOUR, MINUTE, null)).toEqual({ rollups: null, raw: [{ from: t0, to: t0 + HOUR }] });
    expect(splitHistory(t0 + 1, t0 + MINUTE + 1, MINUTE, all)).toEqual({
      rollups: null,
      raw: [{ from: t0 + 1, to: t0 + MINUTE + 1 }],
    });
    expect(splitHistory(t0, t0 + HOUR, MINUTE, { from: t0, until: t0 + 59_999 })).toEqual({
      rollups: null,
      raw: [{ from: t0, to: t0 + HOUR }],
    });
  });

  it('splits nothing for an empty range', () => {
    expect(splitHistory(t0, t0, MINUTE, { from: 0, until: Infinity })).toEqual({ rollups: null, raw: [] });
  });
});

describe('bucketRollups', () => {
  const t0 = Date.parse('2026-03-10T00:00:00Z');
  const at = (minutes: number) => t0 + minutes * MINUTE;
  // Field 0: minutes 0, 1 (two series) and 3; field 1: minute 1.
  const rows = (v: number[], w: (number | null)[]) => ({
    f: [0, 0, 0, 0, 1],
    t: [at(0), at(1), at(1), at(3), at(1)],
    v,
    w,
  });

  it('merges minutes into buckets per aggregation and joins the fields on one time axis', () => {
    const fields = ['a', 'b'];
    expect(bucketRollups('mean', fields, 2 * MINUTE, rows([10, 20, 30, 8, 5], [1, 2, 2, 4, 1]))).toEqual({
      times: [at(0), at(2)],
      values: { a: [60 / 5, 2], b: [5, null] },
    });
    expect(bucketRollups('count', fields, 2 * MINUTE, rows([1, 2, 2, 4, 1], [null, null, null, null, null]))).toEqual({
      times: [at(0), at(2)],
      values: { a: [5, 4], b: [1, null] },
    });
    expect(bucketRollups('min', fields, MINUTE, rows([10, 20, 3, 8, 5], [null, null, null, null, null]))).toEqual({
      times: [at(0), at(1), at(3)],
      values: { a: [10, 3, 8], b: [null, 5, null] },
    });
    expect(bucketRollups('max', fields, HOUR, rows([10, 20, 3, 8, 5], [null, null, null, null, null]))).toEqual({
      times: [t0],
      values: { a: [20], b: [5] },
    });
    // The newest value wins, whichever series it is in.
    expect(bucketRollups('last', fields, HOUR, rows([10, 20, 3, 8, 5], [1, 5, 4, 3, 1]))).toEqual({
      times: [t0],
      values: { a: [20], b: [5] },
    });
  });

  it('answers no buckets for no rollups', () => {
    expect(bucketRollups('mean', ['a'], MINUTE, { f: null, t: null, v: null, w: null })).toEqual({
      times: [],
      values: { a: [] },
    });
  });
});
