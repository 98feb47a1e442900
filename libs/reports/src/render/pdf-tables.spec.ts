import { evidenceText } from './pdf.renderer';
import { fitColumns, formatCell, orderedRows } from './pdf-tables';
import type { DataTable } from './report-model';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('fitColumns', () => {
  it('keeps a narrow table narrow, headers on one line where there is room', () => {
    const widths = fitColumns([60, 30], [50, 70], ['cut', 'none'], 500);
    expect(widths).toEqual([60, 70]);
  });

  it('stretches a table that is wide already to the full width', () => {
    const widths = fitColumns([100, 100, 100], [50, 50, 50], ['cut', 'none', 'none'], 500);
    expect(sum(widths)).toBeCloseTo(500);
    expect(widths[0]).toBeCloseTo(widths[1] ?? 0);
  });

  it('shares spare room between headers in proportion when not all fit on one line', () => {
    const widths = fitColumns([300, 40, 40], [40, 140, 140], ['cut', 'none', 'none'], 480);
    expect(widths[1]).toBeCloseTo(widths[2] ?? 0);
    expect(sum(widths)).toBeCloseTo(480);
  });

  it('takes from wrapping columns first, then from cut text, and never from numbers while text can give', () => {
    const widths = fitColumns([200, 150, 50, 50], [0, 0, 0, 0], ['wrap', 'cut', 'none', 'none'], 400);
    expect(widths).toEqual([150, 150, 50, 50]);
    const tighter = fitColumns([200, 150, 50, 50], [0, 0, 0, 0], ['wrap', 'cut', 'none', 'none'], 250);
    expect(tighter.slice(2)).toEqual([50, 50]);
    expect(tighter[0]).toBeCloseTo(60);
    expect(tighter[1]).toBeCloseTo(90);
  });

  it('scales everything when even the text at its narrowest does not fit', () => {
    const widths = fitColumns([100, 100, 100], [0, 0, 0], ['cut', 'none', 'none'], 150);
    expect(sum(widths)).toBeCloseTo(150);
  });
});

describe('formatCell', () => {
  const time = { timezone: 'Europe/Berlin', withYear: false };

  it('formats by the column’s kind', () => {
    expect(formatCell(7800, { kind: 'duration' }, time)).toBe('2 h 10 min');
    expect(formatCell(12345.678, { kind: 'number' }, time)).toBe('12,345.7');
    expect(formatCell(5.4321, { kind: 'number', digits: 2 }, time)).toBe('5.43');
    expect(formatCell(12000, { kind: 'id' }, time)).toBe('12000');
    expect(formatCell(12000, { kind: 'integer' }, time)).toBe('12,000');
    expect(formatCell(99.95, { kind: 'percent' }, time)).toBe('100.0');
    expect(formatCell('2026-12-07T13:30:00.000Z', { kind: 'time' }, time)).toBe('7 Dec, 14:30');
    expect(formatCell(true, { kind: 'flag' }, time)).toBe('yes');
  });

  it('says what a null means where "–" would not', () => {
    expect(formatCell(null, { kind: 'time' }, time)).toBe('–');
    expect(formatCell(null, { kind: 'time', nullText: 'still offline' }, time)).toBe('still offline');
  });
});

describe('orderedRows', () => {
  const table = (direction: 'asc' | 'desc'): DataTable => ({
    kind: 'table',
    name: 't',
    title: null,
    columns: [
      { key: 'robot_id', label: 'Robot', kind: 'text' },
      { key: 'mean', label: 'Mean', kind: 'number' },
    ],
    rows: [
      ['a', 10],
      ['b', null],
      ['c', 30],
      ['d', 10],
    ],
    pdfOrder: { key: 'mean', direction },
    empty: '',
  });

  it('orders by the column, nulls last, ties in document order', () => {
    expect(orderedRows(table('desc')).map((r) => r[0])).toEqual(['c', 'a', 'd', 'b']);
    expect(orderedRows(table('asc')).map((r) => r[0])).toEqual(['a', 'd', 'c', 'b']);
  });

  it('leaves a table without an order as it is', () => {
    const t = { ...table('asc'), pdfOrder: undefined };
    expect(orderedRows(t)).toBe(t.rows);
  });
});

describe('evidenceText', () => {
  it('reads the unit from the key’s suffix', () => {
    expect(evidenceText('acknowledge_median_s', 744)).toBe('acknowledge median: 12 min');
    expect(evidenceText('availability_percent', 92.7)).toBe('availability: 92.7 %');
    expect(evidenceText('max_c', 79.6)).toBe('max: 79.6 °C');
    expect(evidenceText('first_half_per_h', 5.1)).toBe('first half: 5.1/h');
    expect(evidenceText('failed', 19)).toBe('failed: 19');
    expect(evidenceText('top_reason', 'invalid_payload')).toBe('top reason: invalid_payload');
    expect(evidenceText('since_s', null)).toBe('since s: –');
  });
});
