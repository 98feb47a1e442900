/**
 * How much faster than the real client the simulator runs: `1x` is the client's own pace (sensors every 2 s),
 * `10x` publishes ten times as often. A plain number works too (`2.5`).
 */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*x?\s*$/i.exec(text);
  const rate = match ? Number(match[1]) : Number.NaN;
  if (!(rate > 0) || rate > 10_000) {
    throw new RangeError(
      `rate: expected a speed-up like 1x, 10x, 100x or 2.5 (more than 0, at most 10000), got '${text}'`,
    );
  }
  return rate;
}
