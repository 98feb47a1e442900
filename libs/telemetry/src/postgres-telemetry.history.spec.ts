import { planHistory } from './postgres-telemetry.history';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('planHistory', () => {
  const t0 = Date.parse('2026-03-10T00:00:00Z');
  const keepFrom = t0 - 7 * DAY;

  it('reads whole minutes from the rollups and the partial ones at either end from raw points', () => {
    expect(planHistory(t0 + 15_000, t0 + 4 * MINUTE + 30_000, MINUTE, keepFrom)).toEqual({
      everyMs: MINUTE,
      raw: [
        { from: t0 + 15_000, to: t0 + MINUTE },
        { from: t0 + 4 * MINUTE, to: t0 + 4 * MINUTE + 30_000 },
      ],
      rollups: { from: t0 + MINUTE, to: t0 + 4 * MINUTE },
    });
    expect(planHistory(t0, t0 + DAY, 15 * MINUTE, keepFrom)).toEqual({
      everyMs: 15 * MINUTE,
      raw: [],
      rollups: { from: t0, to: t0 + DAY },
    });
  });

  it('reads raw points only for buckets narrower than a minute or ranges inside one minute', () => {
    expect(planHistory(t0, t0 + 10 * MINUTE, 10_000, keepFrom)).toEqual({
      everyMs: 10_000,
      raw: [{ from: t0, to: t0 + 10 * MINUTE }],
      rollups: null,
    });
    expect(planHistory(t0 + 1, t0 + 999, MINUTE, keepFrom)).toEqual({
      everyMs: MINUTE,
      raw: [{ from: t0 + 1, to: t0 + 999 }],
      rollups: null,
    });
  });

  it('takes whole buckets and widens buckets to minutes where raw points are past retention', () => {
    const old = keepFrom - DAY;
    expect(planHistory(old + 15_000, old + 10 * MINUTE + 1, 10_000, keepFrom)).toEqual({
      everyMs: MINUTE,
      raw: [],
      rollups: { from: old, to: old + 11 * MINUTE },
    });
    expect(planHistory(old + 15_000, old + 20_000, 90_000, keepFrom)).toEqual({
      everyMs: 2 * MINUTE,
      raw: [],
      rollups: { from: old, to: old + 2 * MINUTE },
    });
    // The tail is inside retention again: its partial minute comes from raw points.
    expect(planHistory(old + 15_000, t0 + 30_000, MINUTE, keepFrom)).toEqual({
      everyMs: MINUTE,
      raw: [{ from: t0, to: t0 + 30_000 }],
      rollups: { from: old, to: t0 },
    });
  });

  it('plans nothing for an empty range', () => {
    expect(planHistory(t0, t0, MINUTE, keepFrom)).toEqual({ everyMs: MINUTE, raw: [], rollups: null });
  });
});
