import fc from 'fast-check';
import type { TelemetryHistory } from '@fleet/contracts';
import { telemetryHistoryJson } from './history-json';

describe('telemetryHistoryJson', () => {
  const history = (fields: string[], n: number, value: (i: number) => number | null): TelemetryHistory => ({
    robot_id: 'tonypi_01',
    measurement: 'robot_status',
    fields,
    fn: 'mean',
    every_ms: 60_000,
    from: '2026-12-01T00:00:00.000Z',
    to: '2026-12-08T00:00:00.000Z',
    time: Array.from({ length: n }, (_, i) => Date.parse('2026-12-01T00:00:00Z') + i * 60_000),
    values: Object.fromEntries(fields.map((f) => [f, Array.from({ length: n }, (_, i) => value(i))])),
  });

  it('writes what JSON.stringify writes, for any fields and values', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 12 }), { maxLength: 4 }),
        fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 40 }),
        (fields, cells) => {
          const h = history(fields, cells.length, (i) => cells[i]);
          expect(telemetryHistoryJson(h)).toBe(JSON.stringify(h));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('writes an empty history', () => {
    const h = history(['system_cpu_percent'], 0, () => null);
    expect(JSON.parse(telemetryHistoryJson(h))).toEqual(h);
  });
});
