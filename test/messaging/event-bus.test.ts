import { Inject, Injectable, Module } from '@nestjs/common';
import {
  EVENT_BUS,
  LIVE_STATE,
  MemoryEventBus,
  MessagingModule,
  RedisConnection,
  RedisEventBus,
  type BusEvent,
  type EventBus,
  type LiveState,
  type SubscribeOptions,
} from '@fleet/messaging';
import { startApp } from '../support/app';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { captureLogs } from '../support/logs';
import { describeWithServer, uniqueName } from '../support/servers';

/** One test's view of an adapter: buses sharing one stream space, and a way to let idle time pass. */
interface World {
  /** A bus; Redis buses of one world share a key prefix, as processes of one installation do. */
  bus(options?: { maxLength?: number }): EventBus;
  /** Lets `ms` pass for idle times: the memory adapter's clock moves; Redis's time passes by itself. */
  elapse(ms: number): void;
  /** A claimIdleMs the claim test can wait out: driven for memory, short for Redis. */
  claimIdleMs: number;
  logs: ReturnType<typeof captureLogs>;
  close(): Promise<void>;
}

type Adapter = (body: (open: () => World) => void) => void;

function memoryWorld(): World {
  let clock = Date.parse('2026-01-24T10:00:00.000Z');
  const logs = captureLogs();
  const buses: EventBus[] = [];
  return {
    bus: ({ maxLength = 1_000 } = {}) => {
      const bus = new MemoryEventBus({ maxLength, logger: logs.logger, now: () => clock });
      buses.push(bus);
      return bus;
    },
    elapse: (ms) => (clock += ms),
    claimIdleMs: 30_000,
    logs,
    close: async () => {
      await Promise.all(buses.map((b) => b.close()));
    },
  };
}

function redisWorld(url: string): World {
  const logs = captureLogs();
  const redis = new RedisConnection(url, `${uniqueName('fleet_test')}:`, logs.logger);
  const buses: EventBus[] = [];
  return {
    bus: ({ maxLength = 1_000 } = {}) => {
      const bus = new RedisEventBus({ redis, maxLength, logger: logs.logger });
      buses.push(bus);
      return bus;
    },
    elapse: () => undefined,
    claimIdleMs: 200,
    logs,
    close: async () => {
      await Promise.all(buses.map((b) => b.close()));
      const keys = await redis.client.keys(`${redis.keyPrefix}*`);
      if (keys.length > 0) await redis.client.del(...keys);
      await redis.close();
    },
  };
}

const adapters: [string, Adapter][] = [
  ['memory', (body) => body(memoryWorld)],
  ['Redis', (body) => describeWithServer('REDIS_URL', 'server', (url) => body(() => redisWorld(url)))],
];

/** A handler that records what it gets, and promises that resolve once what is awaited has arrived. */
function collector<T = unknown>(before?: (events: BusEvent<T>[]) => Promise<void>) {
  const events: BusEvent<T>[] = [];
  const batches: BusEvent<T>[][] = [];
  const waiters: { done: () => boolean; resolve: () => void }[] = [];
  const until = (done: () => boolean) =>
    done() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ done, resolve }));
  return {
    events,
    batches,
    data: () => events.map((e) => e.data),
    handler: async (batch: BusEvent<T>[]) => {
      await before?.(batch);
      batches.push(batch);
      events.push(...batch);
      for (const w of waiters.filter((w) => w.done())) w.resolve();
    },
    /** Resolves once `count` events have arrived. */
    until: (count: number) => until(() => events.length >= count),
    /** Resolves once an event with this data has arrived. */
    untilData: (data: unknown) => until(() => events.some((e) => e.data === data)),
  };
}

/** A handler that fails every call, telling each failure. */
function failing() {
  let failures = 0;
  let notify: (() => void) | undefined;
  return {
    handler: (): Promise<void> => {
      failures += 1;
      notify?.();
      return Promise.reject(new Error('store unavailable'));
    },
    failed: () => (failures > 0 ? Promise.resolve() : new Promise<void>((resolve) => (notify = resolve))),
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe.each(adapters)('EventBus on %s', (_name, adapter) => {
  adapter((open) => {
    let world: World;
    let bus: EventBus;
    let stream: string;
    const fast: SubscribeOptions = { blockMs: 20 };

    beforeEach(() => {
      world = open();
      bus = world.bus();
      stream = uniqueName('stream');
    });
    afterEach(() => world.close());

    it('delivers events in publishing order, with the ids publish returned', async () => {
      const got = collector();
      await bus.subscribe(stream, 'g', 'c1', got.handler).ready;
      const ids = [
        ...(await bus.publish(stream, [0])),
        ...(await bus.publish(stream, range(1, 150))),
        ...(await bus.publish(stream, [{ at: new Date('2026-01-24T10:30:45.123Z') }])),
      ];
      await got.until(152);
      expect(got.events.map((e) => e.id)).toEqual(ids);
      expect(got.data()).toEqual([...range(0, 151), { at: '2026-01-24T10:30:45.123Z' }]);
      expect(got.events.every((e) => e.stream === stream)).toBe(true);
      expect(Math.max(...got.batches.map((b) => b.length))).toBeLessThanOrEqual(100);
      expect(await bus.publish(stream, [])).toEqual([]);
    });

    it('starts a new group at the end of the stream, or at its beginning when asked', async () => {
      await bus.publish(stream, ['before']);
      const late = collector();
      const all = collector();
      await bus.subscribe(stream, 'late', 'c1', late.handler).ready;
      await bus.subscribe(stream, 'all', 'c1', all.handler, { from: 'beginning' }).ready;
      await bus.publish(stream, ['after']);
      await Promise.all([late.until(1), all.until(2)]);
      expect(late.data()).toEqual(['after']);
      expect(all.data()).toEqual(['before', 'after']);
    });

    it('gives every group every event', async () => {
      const alerting = collector();
      const reports = collector();
      await bus.subscribe(stream, 'alerting', 'a1', alerting.handler).ready;
      await bus.subscribe(stream, 'reports', 'r1', reports.handler, { batchSize: 7 }).ready;
      await bus.publish(stream, range(0, 20));
      await bus.publish(stream, range(20, 20));
      await Promise.all([alerting.until(40), reports.until(40)]);
      expect(alerting.data()).toEqual(range(0, 40));
      expect(reports.data()).toEqual(range(0, 40));
    });

    it('splits events between the members of a group', async () => {
      const gate = deferred();
      const holding = deferred<string>();
      let busy = false;
      const member = (name: string) =>
        collector(async () => {
          if (busy) return;
          busy = true;
          holding.resolve(name);
          await gate.promise; // the first member to get a batch holds it, so the next goes to the other
        });
      const a = member('a');
      const b = member('b');
      await bus.subscribe(stream, 'alerting', 'a', a.handler).ready;
      await bus.subscribe(stream, 'alerting', 'b', b.handler).ready;

      await bus.publish(stream, range(0, 5));
      const holder = await holding.promise;
      await bus.publish(stream, range(5, 5));
      const other = holder === 'a' ? b : a;
      await other.until(5);
      gate.resolve();
      const first = holder === 'a' ? a : b;
      await first.until(5);

      expect(first.data()).toEqual(range(0, 5));
      expect(other.data()).toEqual(range(5, 5));
    });

    it('delivers the events of a failing handler again, in order, until it succeeds', async () => {
      let calls = 0;
      const got = collector(() => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('database unavailable')) : Promise.resolve();
      });
      await bus.subscribe(stream, 'g', 'c1', got.handler).ready;
      await bus.publish(stream, ['a', 'b']);
      await got.until(2);
      expect(got.data()).toEqual(['a', 'b']);
      expect(calls).toBe(2);
      const failure = world.logs
        .lines()
        .find((l) => l.msg === 'event handler failed: its events will be delivered again');
      expect(failure).toMatchObject({ level: 'error', stream, group: 'g', consumer: 'c1', count: 2 });
    });

    it('redelivers what a consumer did not ack when it starts again, its pending events first', async () => {
      const broken = failing();
      const first = bus.subscribe(stream, 'g', 'c1', broken.handler);
      await first.ready;
      const ids = await bus.publish(stream, ['a', 'b']);
      await broken.failed();
      await first.close();
      await bus.publish(stream, ['c']);

      const got = collector();
      bus.subscribe(stream, 'g', 'c1', got.handler);
      await got.until(3);
      expect(got.data()).toEqual(['a', 'b', 'c']);
      expect(got.events.slice(0, 2).map((e) => e.id)).toEqual(ids);
    });

    it('lets another member claim events left unacked longer than claimIdleMs', async () => {
      const options = { ...fast, claimIdleMs: world.claimIdleMs };
      const broken = failing();
      const crashed = bus.subscribe(stream, 'g', 'c1', broken.handler, options);
      await crashed.ready;
      await bus.publish(stream, ['a', 'b']);
      await broken.failed();
      await crashed.close();

      const got = collector();
      await bus.subscribe(stream, 'g', 'c2', got.handler, options).ready;
      world.elapse(world.claimIdleMs + 1);
      await got.until(2);
      expect(got.data()).toEqual(['a', 'b']);
    });

    it('trims each stream to about maxLength events, keeping the newest', async () => {
      const small = world.bus({ maxLength: 10 });
      for (let i = 0; i < 300; i += 50) await small.publish(stream, range(i, 50));
      await small.publish(stream, ['last']);
      const got = collector();
      small.subscribe(stream, 'late', 'c1', got.handler, { from: 'beginning' });
      await got.untilData('last');
      const kept = got.data().slice(0, -1) as number[];
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(200);
      expect(kept).toEqual(range(300 - kept.length, kept.length));
    });

    it('logs, never hides, events trimmed away before their group acked them', async () => {
      const small = world.bus({ maxLength: 10 });
      const broken = failing();
      const first = small.subscribe(stream, 'g', 'c1', broken.handler);
      await first.ready;
      const [lost] = await small.publish(stream, ['lost']);
      await broken.failed();
      await first.close();
      for (let i = 0; i < 300; i += 50) await small.publish(stream, range(i, 50));
      await small.publish(stream, ['last']);

      const got = collector();
      small.subscribe(stream, 'g', 'c1', got.handler);
      await got.untilData('last');
      expect(got.data()).not.toContain('lost');
      const report = world.logs.lines().find((l) => String(l.msg).startsWith('events were trimmed from the stream'));
      expect(report).toMatchObject({ level: 'error', ids: [lost], group: 'g' });
    });

    it('ends subscriptions on close, and refuses to publish or subscribe afterwards', async () => {
      const got = collector();
      await bus.subscribe(stream, 'g', 'c1', got.handler).ready;
      const began = Date.now();
      await bus.close();
      expect(Date.now() - began).toBeLessThan(1_000);
      await expect(bus.publish(stream, [1])).rejects.toThrow('the event bus is closed');
      expect(() => bus.subscribe(stream, 'g', 'c2', got.handler)).toThrow('the event bus is closed');
    });

    it('refuses bad names, options and data, naming what is wrong', async () => {
      await expect(bus.publish('', [1])).rejects.toThrow('stream must be a name of 1 to 200 characters');
      await expect(bus.publish(stream, [1, undefined])).rejects.toThrow('data[1]');
      const noop = () => Promise.resolve();
      expect(() => bus.subscribe(stream, 'my group', 'c1', noop)).toThrow('group must be a name');
      expect(() => bus.subscribe(stream, 'g', 'c1', noop, { batchSize: 0 })).toThrow(
        'SubscribeOptions.batchSize must be a positive integer, got 0',
      );
    });
  });
});

describeWithServer('REDIS_URL', 'EventBus on Redis, when Redis fails', (url) => {
  const worlds: World[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });

  it('keeps retrying while Redis is unreachable, and still closes at once', async () => {
    const logs = captureLogs();
    const redis = new RedisConnection('redis://127.0.0.1:1', 'fleet_test:', logs.logger);
    const bus = new RedisEventBus({ redis, maxLength: 1_000, logger: logs.logger });
    bus.subscribe('telemetry', 'alerting', 'a1', () => Promise.resolve());
    await new Promise<void>((resolve) => {
      const check = () =>
        logs.lines().some((l) => l.msg === 'event stream unavailable: retrying') ? resolve() : setTimeout(check, 10);
      check();
    });
    const began = Date.now();
    await bus.close();
    expect(Date.now() - began).toBeLessThan(500);
    await redis.close();
  });

  it('creates its group again when the stream is deleted under it', async () => {
    const world = redisWorld(url);
    worlds.push(world);
    const bus = world.bus();
    const redis = new RedisConnection(url, '', world.logs.logger);
    try {
      const got = collector();
      const stream = uniqueName('stream');
      await bus.subscribe(stream, 'g', 'c1', got.handler, { from: 'beginning', blockMs: 20 }).ready;
      await bus.publish(stream, ['a']);
      await got.until(1);
      const [key] = await redis.client.keys(`*events:${stream}`);
      await redis.client.del(key);
      await bus.publish(stream, ['b']);
      await got.until(2);
      expect(got.data()).toEqual(['a', 'b']);
    } finally {
      await redis.close();
    }
  });
});

/** Two services of one process, as the all-in-one process runs them. */
@Injectable()
class Uses {
  constructor(
    @Inject(EVENT_BUS) readonly bus: EventBus,
    @Inject(LIVE_STATE) readonly live: LiveState,
  ) {}
}
@Module({ imports: [MessagingModule], providers: [Uses], exports: [Uses] })
class FirstService {}
@Injectable()
class UsesToo extends Uses {}
@Module({ imports: [MessagingModule], providers: [UsesToo], exports: [UsesToo] })
class SecondService {}
@Module({ imports: [FirstService, SecondService] })
class BothServices {}

describe('event bus and live state in a process', () => {
  let databases: DatabaseFactory;
  beforeAll(() => {
    databases = new DatabaseFactory(embeddedTarget());
  });
  afterAll(() => databases.dispose());

  it('are one instance for every module of the process, in memory without REDIS_URL, and close with it', async () => {
    const { url } = await databases.create();
    const running = await startApp(BothServices, 'fleet', { DATABASE_URL: url });
    const first = running.app.get(Uses);
    const second = running.app.get(UsesToo);
    expect(first.bus).toBeInstanceOf(MemoryEventBus);
    expect(second.bus).toBe(first.bus);
    expect(second.live).toBe(first.live);

    const got = collector();
    await second.bus.subscribe('robot-events', 'alerting', 'a1', got.handler).ready;
    await first.bus.publish('robot-events', ['robot went offline']);
    await got.until(1);
    await first.live.setStatus('tonypi_01', 'online', new Date());
    expect((await second.live.summary()).online).toBe(1);

    await running.close();
    await expect(first.bus.publish('robot-events', ['late'])).rejects.toThrow('the event bus is closed');
  });
});

describeWithServer('REDIS_URL', 'event bus and live state in a process', (redisUrl) => {
  let databases: DatabaseFactory;
  beforeAll(() => {
    databases = new DatabaseFactory(embeddedTarget());
  });
  afterAll(() => databases.dispose());

  it('use Redis when REDIS_URL is set', async () => {
    const { url } = await databases.create();
    const prefix = `${uniqueName('fleet_test')}:`;
    const running = await startApp(BothServices, 'fleet', {
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
    });
    const { bus } = running.app.get(Uses);
    expect(bus).toBeInstanceOf(RedisEventBus);
    expect(running.app.get(UsesToo).bus).toBe(bus);
    const got = collector();
    bus.subscribe('robot-events', 'alerting', 'a1', got.handler, { from: 'beginning' });
    await bus.publish('robot-events', ['robot went offline']);
    await got.until(1);
    await running.close();

    const redis = new RedisConnection(redisUrl, prefix, captureLogs().logger);
    const keys = await redis.client.keys(`${prefix}*`);
    expect(keys).toContain(`${prefix}events:robot-events`);
    await redis.client.del(...keys);
    await redis.close();
  });
});
