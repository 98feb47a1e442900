import { checkName, encodeEvents, resolveSubscribeOptions, retryDelayMs, SUBSCRIBE_DEFAULTS } from './event-bus';
import { entriesOfClaim, entriesOfRead } from './redis-event-bus';

describe('subscribe options', () => {
  it('fills in the defaults', () => {
    expect(resolveSubscribeOptions()).toEqual({ batchSize: 100, blockMs: 1_000, claimIdleMs: 30_000, from: 'end' });
    expect(resolveSubscribeOptions({ batchSize: 5, blockMs: undefined })).toEqual({
      ...SUBSCRIBE_DEFAULTS,
      batchSize: 5,
    });
  });

  it.each([
    [{ batchSize: 0 }, 'SubscribeOptions.batchSize must be a positive integer, got 0'],
    [{ blockMs: 1.5 }, 'SubscribeOptions.blockMs must be a positive integer, got 1.5'],
    [{ claimIdleMs: -1 }, 'SubscribeOptions.claimIdleMs must be a positive integer, got -1'],
    [{ from: 'start' as 'end' }, "SubscribeOptions.from must be 'end' or 'beginning', got start"],
  ])('refuses %j', (options, message) => {
    expect(() => resolveSubscribeOptions(options)).toThrow(message);
  });
});

describe('stream, group and consumer names', () => {
  it('accepts what Fleet uses', () => {
    expect(checkName('stream', 'telemetry')).toBe('telemetry');
    expect(checkName('consumer', 'alerting-pod-7.example:1')).toBe('alerting-pod-7.example:1');
  });

  it.each(['', 'two words', 'tab\there', 'x'.repeat(201), 42])('refuses %j, naming the field', (name) => {
    expect(() => checkName('group', name)).toThrow(/^group must be a name of 1 to 200 characters/);
  });
});

describe('event encoding', () => {
  it('encodes each item as JSON', () => {
    expect(encodeEvents('s', [{ a: 1 }, 'x', null, new Date('2026-01-24T10:30:45.123Z')])).toEqual([
      '{"a":1}',
      '"x"',
      'null',
      '"2026-01-24T10:30:45.123Z"',
    ]);
  });

  it('names the item that JSON cannot hold', () => {
    expect(() => encodeEvents('telemetry', [{}, undefined])).toThrow(
      'data[1] for stream telemetry cannot be encoded as JSON (got undefined)',
    );
    expect(() => encodeEvents('telemetry', [{ n: 1n }])).toThrow('data[0] for stream telemetry cannot be encoded');
  });
});

describe('retry delay', () => {
  it('doubles from 100 ms and stops growing at 10 s', () => {
    expect([1, 2, 3, 4, 8, 20].map(retryDelayMs)).toEqual([100, 200, 400, 800, 10_000, 10_000]);
  });
});

describe('Redis stream replies', () => {
  it('reads XREADGROUP entries, and trimmed ones as null', () => {
    expect(entriesOfRead(null)).toEqual([]);
    expect(
      entriesOfRead([
        [
          'fleet:events:s',
          [
            ['1-0', ['data', '{"a":1}']],
            ['1-1', null],
            ['1-2', ['other', 'x']],
          ],
        ],
      ]),
    ).toEqual([
      { id: '1-0', payload: '{"a":1}' },
      { id: '1-1', payload: null },
      { id: '1-2', payload: null },
    ]);
  });

  it('reads XAUTOCLAIM replies with their cursor', () => {
    expect(entriesOfClaim(['5-0', [['3-0', ['data', '1']]], ['2-0']])).toEqual({
      next: '5-0',
      events: [{ id: '3-0', payload: '1' }],
      trimmed: ['2-0'],
    });
    expect(entriesOfClaim(['0-0', []])).toEqual({ next: '0-0', events: [], trimmed: [] });
  });
});
