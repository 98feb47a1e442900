import { compareIds, formatId, MemoryStream, nextId, parseId } from './memory-stream';

describe('stream ids', () => {
  it('grow with the clock, and by sequence within a millisecond or when the clock goes back', () => {
    expect(nextId({ ms: 0, seq: 0 }, 1_000)).toEqual({ ms: 1_000, seq: 0 });
    expect(nextId({ ms: 1_000, seq: 0 }, 1_000)).toEqual({ ms: 1_000, seq: 1 });
    expect(nextId({ ms: 1_000, seq: 4 }, 900)).toEqual({ ms: 1_000, seq: 5 });
  });

  it('format, parse and compare as Redis does', () => {
    expect(formatId({ ms: 1_700_000_000_000, seq: 3 })).toBe('1700000000000-3');
    expect(parseId('1700000000000-3')).toEqual({ ms: 1_700_000_000_000, seq: 3 });
    expect(() => parseId('>')).toThrow('not a stream id: ">"');
    expect(compareIds(parseId('2-0'), parseId('1-9'))).toBeGreaterThan(0);
    expect(compareIds(parseId('2-1'), parseId('2-10'))).toBeLessThan(0);
  });
});

describe('memory stream', () => {
  const filled = (count: number, maxLength = 1_000) => {
    const stream = new MemoryStream(maxLength);
    const ids = Array.from({ length: count }, (_, i) => stream.append(JSON.stringify(i), 1_000));
    return { stream, ids };
  };

  it('starts a group at the end or at the beginning', () => {
    const { stream, ids } = filled(3);
    stream.createGroup('late', 'end');
    stream.createGroup('all', 'beginning');
    stream.createGroup('all', 'end'); // an existing group keeps its position
    expect(stream.readNew('late', 'c', 10, 0)).toEqual([]);
    expect(stream.readNew('all', 'c', 10, 0).map((e) => e.id)).toEqual(ids);
  });

  it("restarts a group at the end, as it is or new, dropping only the consumer's pending events", () => {
    const { stream, ids } = filled(4);
    stream.createGroup('g', 'beginning');
    stream.readNew('g', 'a', 1, 0);
    stream.readNew('g', 'b', 1, 0);
    stream.restartGroupAtEnd('g', 'a');
    stream.restartGroupAtEnd('new', 'a');
    expect(stream.readPending('g', 'a', 10, 0)).toEqual([]);
    expect(stream.readPending('g', 'b', 10, 0)).toEqual([{ id: ids[1], payload: '1' }]);
    expect(stream.readNew('g', 'a', 10, 0)).toEqual([]);
    expect(stream.readNew('new', 'a', 10, 0)).toEqual([]);
    const next = stream.append('"next"', 2_000);
    expect(stream.readNew('g', 'a', 10, 0)).toEqual([{ id: next, payload: '"next"' }]);
    expect(stream.readNew('new', 'a', 10, 0)).toEqual([{ id: next, payload: '"next"' }]);
  });

  it('delivers each event once per group, and keeps it pending for its consumer until acked', () => {
    const { stream, ids } = filled(4);
    stream.createGroup('g', 'beginning');
    expect(stream.readNew('g', 'a', 2, 0).map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(stream.readNew('g', 'b', 10, 0).map((e) => e.id)).toEqual(ids.slice(2));
    expect(stream.ack('g', [ids[0], 'nope'])).toBe(1);
    expect(stream.readPending('g', 'a', 10, 0)).toEqual([{ id: ids[1], payload: '1' }]);
    expect(stream.readPending('g', 'b', 1, 0)).toEqual([{ id: ids[2], payload: '2' }]);
  });

  it('lets another consumer claim what stayed pending for the idle time', () => {
    const { stream, ids } = filled(3);
    stream.createGroup('g', 'beginning');
    stream.readNew('g', 'a', 3, 1_000);
    expect(stream.claim('g', 'b', '0-0', 10, 500, 1_499).events).toEqual([]);
    expect(stream.claim('g', 'b', '0-0', 2, 500, 1_500)).toEqual({
      next: ids[2],
      events: [
        { id: ids[0], payload: '0' },
        { id: ids[1], payload: '1' },
      ],
      trimmed: [],
    });
    expect(stream.claim('g', 'b', ids[2], 2, 500, 1_500)).toEqual({
      next: '0-0',
      events: [{ id: ids[2], payload: '2' }],
      trimmed: [],
    });
    expect(stream.readPending('g', 'a', 10, 1_500)).toEqual([]);
    expect(stream.readPending('g', 'b', 10, 1_500).map((e) => e.id)).toEqual(ids);
  });

  it('reading the pending list counts as a delivery, so a consumer that retries keeps its events', () => {
    const { stream } = filled(1);
    stream.createGroup('g', 'beginning');
    stream.readNew('g', 'a', 1, 0);
    stream.readPending('g', 'a', 1, 400);
    expect(stream.claim('g', 'b', '0-0', 10, 500, 800).events).toEqual([]);
  });

  it('trims to about maxLength, oldest first, and reports trimmed pending events as gone', () => {
    const stream = new MemoryStream(10);
    stream.createGroup('g', 'end');
    const first = stream.append('"first"', 0);
    stream.readNew('g', 'a', 1, 0);
    for (let i = 0; i < 25; i += 1) stream.append(String(i), 0);
    expect(stream.length).toBeGreaterThanOrEqual(10);
    expect(stream.length).toBeLessThanOrEqual(20);
    expect(stream.readPending('g', 'a', 10, 0)).toEqual([{ id: first, payload: null }]);
    expect(stream.claim('g', 'b', '0-0', 10, 0, 0)).toEqual({ next: '0-0', events: [], trimmed: [first] });
    expect(stream.readPending('g', 'a', 10, 0)).toEqual([]);
  });
});
