import { webhookBackoffMs } from './webhook-backoff';

const middle = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999_999;

describe('webhook backoff', () => {
  it('waits 5 s after the first failure and doubles after each one', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => webhookBackoffMs(n, middle))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000,
    ]);
  });

  it('stops growing at an hour', () => {
    expect(webhookBackoffMs(10, middle)).toBe(2_560_000);
    expect(webhookBackoffMs(11, middle)).toBe(3_600_000);
    expect(webhookBackoffMs(100, middle)).toBe(3_600_000);
    expect(webhookBackoffMs(100, highest)).toBe(3_600_000);
    expect(webhookBackoffMs(100, lowest)).toBe(2_880_000);
  });

  it('spreads each delay by up to 20% either way', () => {
    expect(webhookBackoffMs(1, lowest)).toBe(4_000);
    expect(webhookBackoffMs(1, highest)).toBe(6_000);
    expect(webhookBackoffMs(3, () => 0.25)).toBe(18_000);
    const delays = Array.from({ length: 200 }, () => webhookBackoffMs(2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(8_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(12_000);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('treats a count below one as the first failure', () => {
    expect(webhookBackoffMs(0, middle)).toBe(5_000);
    expect(webhookBackoffMs(-3, middle)).toBe(5_000);
  });
});
