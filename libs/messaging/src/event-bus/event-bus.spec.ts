import { createLogger } from '@fleet/platform';
import { describeWithServer, uniqueName } from '../../../../test/support/servers';
import { RedisConnection } from '../redis-connection';
import {
  checkName,
  encodeEvents,
  resolveSubscribeOptions,
  retryDelayMs,
  SUBSCRIBE_DEFAULTS,
  type BusEvent,
  type EventBus,
  type SubscribeOptions,
} from './event-bus';
import { MemoryEventBus } from './memory-event-bus';
import { entriesOfClaim, entriesOfRead, RedisEventBus } from './redis-event-bus';

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
    [{ from: 'start' as 'end' }, "SubscribeOptions.from must be 'end', 'beginning' or 'now', got start"],
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

const logger = createLogger({ service: 'test', instanceId: 'test', level: 'silent', format: 'json' });

/** A bus of one adapter, and how to be done with it. */
type OpenBus = () => { bus: EventBus; close: () => Promise<void> };

const adapters: [string, (body: (open: OpenBus) => void) => void][] = [
  [
    'memory',
    (body) =>
      body(() => {
        const bus = new MemoryEventBus({ maxLength: 1_000, logger });
        return { bus, close: () => bus.close() };
      }),
  ],
  [
    'Redis',
    (body) =>
      describeWithServer('REDIS_URL', 'server', (url) =>
        body(() => {
          const redis = new RedisConnection(url, `${uniqueName('fleet_test')}:`, logger);
          const bus = new RedisEventBus({ redis, maxLength: 1_000, logger });
          return {
            bus,
            close: async () => {
              await bus.close();
              const keys = await redis.client.keys(`${redis.keyPrefix}*`);
              if (keys.length > 0) await redis.client.del(...keys);
              await redis.close();
            },
          };
        }),
      ),
  ],
];

/** A handler that keeps the data it gets, and resolves `until` once a given item has come. */
function recorder(fail = false) {
  const data: unknown[] = [];
  const waiters: { item: unknown; resolve: () => void }[] = [];
  return {
    data,
    handler: (events: BusEvent[]) => {
      data.push(...events.map((e) => e.data));
      for (const w of waiters.filter((w) => data.includes(w.item))) w.resolve();
      return fail ? Promise.reject(new Error('not now')) : Promise.resolve();
    },
    until: (item: unknown) =>
      data.includes(item) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ item, resolve })),
  };
}

describe.each(adapters)("a subscription from 'now' on %s", (_name, adapter) => {
  adapter((open) => {
    let world: ReturnType<OpenBus>;
    let stream: string;
    const now: SubscribeOptions = { from: 'now', blockMs: 20 };

    beforeEach(() => {
      world = open();
      stream = uniqueName('stream');
    });
    afterEach(() => world.close());

    it('of a new group gets only what is published after it is ready', async () => {
      const { bus } = world;
      await bus.publish(stream, ['before']);
      const got = recorder();
      await bus.subscribe(stream, 'live', 'live', got.handler, now).ready;
      await bus.publish(stream, ['after']);
      await got.until('after');
      expect(got.data).toEqual(['after']);
    });

    it('started again under the same group gets none of what was published while it was away', async () => {
      const { bus } = world;
      const first = recorder();
      const before = bus.subscribe(stream, 'live', 'live', first.handler, now);
      await before.ready;
      await bus.publish(stream, ['seen']);
      await first.until('seen');
      await before.close();

      await bus.publish(stream, ['missed 1', 'missed 2']);
      const second = recorder();
      await bus.subscribe(stream, 'live', 'live', second.handler, now).ready;
      await bus.publish(stream, ['new']);
      await second.until('new');
      expect(second.data).toEqual(['new']);
    });

    it('started again drops what it had received and not acknowledged', async () => {
      const { bus } = world;
      const failing = recorder(true);
      const before = bus.subscribe(stream, 'live', 'live', failing.handler, now);
      await before.ready;
      await bus.publish(stream, ['unacked']);
      await failing.until('unacked');
      await before.close();

      const second = recorder();
      await bus.subscribe(stream, 'live', 'live', second.handler, now).ready;
      await bus.publish(stream, ['new']);
      await second.until('new');
      expect(second.data).toEqual(['new']);
    });
  });
});
