import type { HistoryResult } from './telemetry-store';

/**
 * The JSON text of a history's columns, for who sends them as JSON: each column's elements separated by commas,
 * exactly as `JSON.stringify` writes the array, without its brackets.
 */
export interface ColumnsText {
  times: string;
  values: Record<string, string>;
}

type Columns = Pick<HistoryResult, 'times' | 'values'>;

/**
 * One column's JSON text and where each element starts in it, so the text of any run of its elements is a slice of
 * it. Writing numbers as text is most of what a long history costs to send; a column kept (in a cache) keeps its text.
 */
export class ColumnText {
  private constructor(
    readonly text: string,
    /** Where element i starts; one entry more than there are elements, one past the end of the text. */
    private readonly starts: Uint32Array,
  ) {}

  static of(values: readonly (number | null)[]): ColumnText {
    const text = JSON.stringify(values).slice(1, -1);
    const starts = new Uint32Array(values.length + 1);
    // Numbers and null hold no comma: element i starts after the i-th comma.
    let element = 1;
    for (let i = 0; i < text.length && element < values.length; i++) {
      if (text.charCodeAt(i) === 44) starts[element++] = i + 1;
    }
    starts[values.length] = text.length + 1;
    return new ColumnText(text, starts);
  }

  /** The text of `first`'s elements followed by `then`'s. */
  static join(first: ColumnText, then: ColumnText): ColumnText {
    if (first.length === 0) return then;
    if (then.length === 0) return first;
    const starts = new Uint32Array(first.length + then.length + 1);
    starts.set(first.starts.subarray(0, first.length));
    const shift = first.text.length + 1;
    for (let i = 0; i <= then.length; i++) starts[first.length + i] = then.starts[i] + shift;
    return new ColumnText(`${first.text},${then.text}`, starts);
  }

  get length(): number {
    return this.starts.length - 1;
  }

  /** The text of elements `start` to `end` (indexes, `end` excluded). */
  slice(start: number, end: number): string {
    if (start >= end) return '';
    if (start === 0 && end === this.length) return this.text;
    return this.text.slice(this.starts[start], this.starts[end] - 1);
  }
}

/** The text of a set of columns: one {@link ColumnText} per column. */
export interface ColumnTexts {
  times: ColumnText;
  values: Record<string, ColumnText>;
}

export function columnTexts(columns: Columns): ColumnTexts {
  return {
    times: ColumnText.of(columns.times),
    values: Object.fromEntries(Object.entries(columns.values).map(([field, v]) => [field, ColumnText.of(v)])),
  };
}

/** `first`'s columns followed by `then`'s, as {@link ColumnText.join} does for one. */
export function joinColumnTexts(first: ColumnTexts, then: ColumnTexts): ColumnTexts {
  return {
    times: ColumnText.join(first.times, then.times),
    values: Object.fromEntries(
      Object.entries(first.values).map(([f, text]) => [f, ColumnText.join(text, then.values[f] ?? ColumnText.of([]))]),
    ),
  };
}

/** The text of elements `start` to `end` of every column. */
export function sliceColumnTexts(texts: ColumnTexts, start: number, end: number): ColumnsText {
  return {
    times: texts.times.slice(start, end),
    values: Object.fromEntries(Object.entries(texts.values).map(([f, text]) => [f, text.slice(start, end)])),
  };
}

interface Known {
  values: Columns['values'];
  text: () => ColumnsText;
}

/** Text already written, or ready to be put together, for columns a store returned; keyed by the times array. */
const known = new WeakMap<readonly number[], Known>();

/**
 * Says how to get the text of `columns` without writing their numbers again (from text a cache keeps). Columns are
 * not changed once returned, so the text stays theirs; it is asked for at most once.
 */
export function rememberColumnsText(columns: Columns, text: () => ColumnsText): void {
  let made: ColumnsText | undefined;
  known.set(columns.times, { values: columns.values, text: () => (made ??= text()) });
}

/** The JSON text of `columns`: from what {@link rememberColumnsText} said of them, else written now. */
export function columnsText(columns: Columns): ColumnsText {
  const entry = known.get(columns.times);
  if (entry && sameColumns(entry.values, columns.values)) return entry.text();
  return {
    times: JSON.stringify(columns.times).slice(1, -1),
    values: Object.fromEntries(Object.entries(columns.values).map(([f, v]) => [f, JSON.stringify(v).slice(1, -1)])),
  };
}

function sameColumns(a: Columns['values'], b: Columns['values']): boolean {
  if (a === b) return true;
  const fields = Object.keys(b);
  return fields.length === Object.keys(a).length && fields.every((f) => a[f] === b[f]);
}

/** The text of columns that follow one another, oldest first, as one: their texts joined. */
export function joinColumnsText(parts: readonly ColumnsText[], fields: readonly string[]): ColumnsText {
  // Concatenation, not Array#join: it keeps the long texts as they are instead of copying them into a new one.
  const join = (texts: string[]) => texts.reduce((all, t) => (t === '' ? all : all === '' ? t : `${all},${t}`), '');
  return {
    times: join(parts.map((p) => p.times)),
    values: Object.fromEntries(fields.map((f) => [f, join(parts.map((p) => p.values[f] ?? ''))])),
  };
}
