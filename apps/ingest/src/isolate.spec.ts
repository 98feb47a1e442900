import { InvalidInputError } from '@fleet/contracts';
import { InfluxError } from '@fleet/telemetry';
import { isPermanent, writeIsolating } from './isolate';

describe('writeIsolating', () => {
  it('writes everything in one call when the store takes it', async () => {
    const calls: number[][] = [];
    const written = await writeIsolating(
      [1, 2, 3],
      (items) => Promise.resolve(calls.push([...items])),
      () => undefined,
    );
    expect(written).toBe(3);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('sets aside exactly the items the store refuses and writes all the others', async () => {
    const stored = new Set<number>();
    const refused: number[] = [];
    const items = Array.from({ length: 100 }, (_, i) => i);
    const bad = new Set([7, 8, 63]);
    const written = await writeIsolating(
      items,
      (batch) => {
        if (batch.some((i) => bad.has(i))) return Promise.reject(Object.assign(new Error('bad'), { code: '22P05' }));
        for (const i of batch) stored.add(i);
        return Promise.resolve();
      },
      (item) => refused.push(item),
    );
    expect(refused).toEqual([7, 8, 63]);
    expect(written).toBe(97);
    expect(stored.size).toBe(97);
  });

  it('throws errors that a retry can outlast, without splitting', async () => {
    let calls = 0;
    const outage = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    await expect(
      writeIsolating(
        [1, 2],
        () => {
          calls += 1;
          return Promise.reject(outage);
        },
        () => undefined,
      ),
    ).rejects.toBe(outage);
    expect(calls).toBe(1);
  });

  it('tells permanent refusals from outages', () => {
    expect(isPermanent(new InvalidInputError('bad point'))).toBe(true);
    expect(isPermanent(new InfluxError('field type conflict', 400, false))).toBe(true);
    expect(isPermanent(new InfluxError('engine: error syncing wal', 500, true))).toBe(false);
    expect(isPermanent(Object.assign(new Error('x'), { code: '23505' }))).toBe(true);
    expect(isPermanent(Object.assign(new Error('x'), { code: '57P01' }))).toBe(false);
    expect(isPermanent(new Error('socket hang up'))).toBe(false);
  });
});
