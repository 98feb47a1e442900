import fc from 'fast-check';
import { concatHistories } from './history-query';
import {
  ColumnText,
  columnsText,
  columnTexts,
  joinColumnTexts,
  rememberColumnsText,
  sliceColumnTexts,
} from './history-text';

/** What a history column holds: numbers of every kind JSON writes differently, and gaps. */
const cell = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 1e-7, -1.5e-300, Number.MAX_VALUE),
  fc.constant(null),
);
const column = fc.array(cell, { maxLength: 60 });
const bare = (values: readonly unknown[]) => JSON.stringify(values).slice(1, -1);

describe('ColumnText', () => {
  it('gives the text JSON.stringify writes for any run of a column', () => {
    fc.assert(
      fc.property(column, fc.nat(), fc.nat(), (values, a, b) => {
        const start = Math.min(a, b) % (values.length + 1);
        const end = Math.max(start, Math.max(a, b) % (values.length + 1));
        expect(ColumnText.of(values).slice(start, end)).toBe(bare(values.slice(start, end)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('joins two columns as if they were written as one', () => {
    fc.assert(
      fc.property(column, column, fc.nat(), fc.nat(), (first, then, a, b) => {
        const all = [...first, ...then];
        const joined = ColumnText.join(ColumnText.of(first), ColumnText.of(then));
        const start = Math.min(a, b) % (all.length + 1);
        const end = Math.max(start, Math.max(a, b) % (all.length + 1));
        expect(joined.length).toBe(all.length);
        expect(joined.slice(start, end)).toBe(bare(all.slice(start, end)));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('columnsText', () => {
  const times = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * 60_000);

  it('writes columns nobody kept text of', () => {
    expect(columnsText({ times: [1, 2], values: { a: [0.5, null] } })).toEqual({
      times: '1,2',
      values: { a: '0.5,null' },
    });
  });

  it('takes kept text for the columns it was kept for, and only for them', () => {
    const columns = { times: times(3), values: { a: [1, 2, 3] } };
    rememberColumnsText(columns, () => ({ times: 'kept', values: { a: 'kept' } }));
    expect(columnsText(columns).times).toBe('kept');
    // The same times with other values: written, not taken.
    expect(columnsText({ times: columns.times, values: { a: [4, 5, 6] } }).values.a).toBe('4,5,6');
  });

  it('joins the kept text of parts and writes the rest, as JSON.stringify would write the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5), fc.boolean()), { maxLength: 5 }), fc.nat(), (parts, seed) => {
        let at = 0;
        const columns = parts.map(([n, kept], i) => {
          const part = {
            times: times(n, at),
            values: { a: times(n).map((_, j) => ((j + seed + i) % 3 ? j / 7 : null)) },
          };
          at += n * 60_000;
          if (kept) {
            const text = columnTexts(part);
            rememberColumnsText(part, () => sliceColumnTexts(text, 0, n));
          }
          return part;
        });
        const whole = concatHistories(60_000, 'mean', ['a'], columns);
        expect(columnsText(whole)).toEqual({ times: bare(whole.times), values: { a: bare(whole.values.a) } });
      }),
      { numRuns: 1_000 },
    );
  });

  it('extends kept text by the buckets read since', () => {
    const first = { times: times(2), values: { a: [1, null] } };
    const then = { times: times(2, 120_000), values: { a: [null, 2.5] } };
    const text = joinColumnTexts(columnTexts(first), columnTexts(then));
    expect(sliceColumnTexts(text, 1, 4)).toEqual({ times: '60000,120000,180000', values: { a: 'null,null,2.5' } });
  });
});
