import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { MemoryLiveState, RedisConnection, RedisLiveState, type LiveState, type LiveUpdate } from '@fleet/messaging';
import { captureLogs } from '../support/logs';
import { describeWithServer, uniqueName } from '../support/servers';

/** One test's live state, and the Redis commands something sent (none for memory). */
interface World {
  live: LiveState;
  /** Whether the adapter talks to a server (and so has round trips to count). */
  remote: boolean;
  /** Names of the Redis commands `work` sent; null for the memory adapter. */
  commandsOf(work: () => Promise<unknown>): Promise<string[] | null>;
  close(): Promise<void>;
}

type Adapter = (body: (open: () => Promise<World>) => void) => void;

const COMMAND_STARTED = 'tracing:ioredis:command:start';

async function redisWorld(url: string): Promise<World> {
  const redis = new RedisConnection(url, `${uniqueName('fleet_test')}:`, captureLogs().logger);
  await redis.ping();
  return {
    live: new RedisLiveState(redis),
    remote: true,
    commandsOf: async (work) => {
      const sent: string[] = [];
      const record = (message: unknown) => sent.push((message as { command: string }).command.toLowerCase());
      subscribe(COMMAND_STARTED, record);
      try {
        await work();
      } finally {
        unsubscribe(COMMAND_STARTED, record);
      }
      return sent;
    },
    close: async () => {
      const keys = await redis.client.keys(`${redis.keyPrefix}*`);
      if (keys.length > 0) await redis.client.del(...keys);
      await redis.close();
    },
  };
}

const adapters: [string, Adapter][] = [
  [
    'memory',
    (body) =>
      body(() =>
        Promise.resolve({
          live: new MemoryLiveState(),
          remote: false,
          commandsOf: async (work) => {
            await work();
            return null;
          },
          close: () => Promise.resolve(),
        }),
      ),
  ],
  ['Redis', (body) => describeWithServer('REDIS_URL', 'server', (url) => body(() => redisWorld(url)))],
];

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 24, 10, 0, seconds));
const iso = (seconds: number) => t(seconds).toISOString();

function battery(robotId: string, percentage: number, seconds: number): LiveUpdate {
  return { robotId, measurement: 'battery_status', fields: { percentage, charging: false }, time: t(seconds) };
}

function servo(robotId: string, id: string, position: number, seconds: number): LiveUpdate {
  return {
    robotId,
    measurement: 'servo_data',
    tags: { servo_id: id, servo_name: `servo_${id}` },
    fields: { position, temperature: 40.5, torque_enabled: true },
    time: t(seconds),
  };
}

describe.each(adapters)('LiveState on %s', (_name, adapter) => {
  adapter((open) => {
    let world: World;
    let live: LiveState;

    beforeEach(async () => {
      world = await open();
      live = world.live;
    });
    afterEach(() => world.close());

    it('keeps the newest entry per series whatever order updates arrive in', async () => {
      await live.apply([battery('tonypi_01', 70, 20), servo('tonypi_01', '1', 500, 5)]);
      await live.apply([battery('tonypi_01', 90, 10), servo('tonypi_01', '1', 510, 6)]);
      await live.apply([battery('tonypi_01', 60, 30), battery('tonypi_01', 95, 25), battery('tonypi_01', 99, 1)]);

      const robot = await live.get('tonypi_01');
      expect(robot?.entries.battery_status).toEqual({
        time: iso(30),
        tags: {},
        fields: { percentage: 60, charging: false },
      });
      expect(robot?.entries['servo_data:1,servo_1'].fields.position).toBe(510);
    });

    it('ends with the newest entry when many writers race with out-of-order updates', async () => {
      const seconds = Array.from({ length: 60 }, (_, i) => (i * 37) % 60); // every second once, shuffled
      await Promise.all(seconds.map((s) => live.apply([battery('tonypi_01', s, s)])));
      await Promise.all(seconds.map((s) => live.setStatus('tonypi_01', s % 2 ? 'online' : 'error', t(s))));
      expect(await live.get('tonypi_01')).toMatchObject({
        status: 'online',
        statusAt: iso(59),
        entries: { battery_status: { time: iso(59), fields: { percentage: 59 } } },
      });
      expect(await live.summary()).toMatchObject({ online: 1, batteryAverage: 59 });
    });

    it('replaces an entry with one of the same time, as a rewrite of the same point', async () => {
      await live.apply([battery('tonypi_01', 70, 20)]);
      await live.apply([battery('tonypi_01', 71, 20)]);
      expect((await live.get('tonypi_01'))?.entries.battery_status.fields.percentage).toBe(71);
    });

    it('returns every series of a robot in one read', async () => {
      await live.apply([
        battery('tonypi_01', 80, 1),
        servo('tonypi_01', '1', 500, 1),
        servo('tonypi_01', '2', 600, 1),
        {
          robotId: 'tonypi_01',
          measurement: 'sensor_data',
          tags: { sensor_type: 'cpu_temperature' },
          fields: { value: 52.5, unit: 'C' },
          time: t(2),
        },
        battery('tonypi_02', 10, 1),
      ]);
      await live.setStatus('tonypi_01', 'online', t(0));
      await live.touch([{ robotId: 'tonypi_01', at: t(3) }]);

      let robot: Awaited<ReturnType<LiveState['get']>> = null;
      const commands = await world.commandsOf(async () => (robot = await live.get('tonypi_01')));
      expect(commands).toEqual(world.remote ? ['hgetall'] : null);
      expect(robot).toEqual({
        robotId: 'tonypi_01',
        status: 'online',
        statusAt: iso(0),
        lastSeen: iso(3),
        entries: {
          battery_status: { time: iso(1), tags: {}, fields: { percentage: 80, charging: false } },
          'servo_data:1,servo_1': {
            time: iso(1),
            tags: { servo_id: '1', servo_name: 'servo_1' },
            fields: { position: 500, temperature: 40.5, torque_enabled: true },
          },
          'servo_data:2,servo_2': {
            time: iso(1),
            tags: { servo_id: '2', servo_name: 'servo_2' },
            fields: { position: 600, temperature: 40.5, torque_enabled: true },
          },
          'sensor_data:cpu_temperature': {
            time: iso(2),
            tags: { sensor_type: 'cpu_temperature' },
            fields: { value: 52.5, unit: 'C' },
          },
        },
      });
      expect(await live.get('nobody')).toBeNull();
    });

    it('writes a batch in one round trip', async () => {
      await live.apply([battery('tonypi_01', 1, 0)]);
      const batch = Array.from({ length: 200 }, (_, i) => servo(`tonypi_${i % 10}`, String(i % 20), i, i));
      const commands = await world.commandsOf(() => live.apply(batch));
      expect(commands).toEqual(world.remote ? ['evalsha'] : null);
      expect((await live.get('tonypi_9'))?.entries['servo_data:19,servo_19'].fields.position).toBe(199);
    });

    it('keeps the newest status and last sighting', async () => {
      await live.setStatus('tonypi_01', 'online', t(10));
      await live.setStatus('tonypi_01', 'offline', t(5));
      await live.touch([
        { robotId: 'tonypi_01', at: t(12) },
        { robotId: 'tonypi_01', at: t(15) },
        { robotId: 'tonypi_01', at: t(11) },
      ]);
      await live.touch([{ robotId: 'tonypi_01', at: t(14) }]);
      expect(await live.get('tonypi_01')).toMatchObject({ status: 'online', statusAt: iso(10), lastSeen: iso(15) });

      await live.setStatus('tonypi_01', 'emergency_stopped', t(20));
      expect(await live.get('tonypi_01')).toMatchObject({ status: 'emergency_stopped', statusAt: iso(20) });
    });

    it('summarises the fleet: counts by status and the average battery', async () => {
      expect(await live.summary()).toEqual({
        total: 0,
        online: 0,
        offline: 0,
        other: {},
        batteryAverage: null,
        batteryReporting: 0,
      });
      await live.setStatus('tonypi_01', 'online', t(1));
      await live.setStatus('tonypi_02', 'online', t(1));
      await live.setStatus('tonypi_03', 'offline', t(1));
      await live.setStatus('tonypi_04', 'emergency_stopped', t(1));
      await live.setStatus('tonypi_02', 'error', t(2));
      await live.apply([
        battery('tonypi_01', 80, 1),
        battery('tonypi_02', 40, 1),
        battery('tonypi_02', 50, 3),
        battery('tonypi_02', 10, 2),
        servo('tonypi_03', '1', 500, 1),
      ]);
      expect(await live.summary()).toEqual({
        total: 4,
        online: 1,
        offline: 1,
        other: { emergency_stopped: 1, error: 1 },
        batteryAverage: 65,
        batteryReporting: 2,
      });
    });

    it('forgets a removed robot', async () => {
      await live.apply([battery('tonypi_01', 80, 1), battery('tonypi_02', 20, 1)]);
      await live.setStatus('tonypi_01', 'online', t(1));
      await live.remove('tonypi_01');
      expect(await live.get('tonypi_01')).toBeNull();
      expect(await live.summary()).toMatchObject({ total: 0, batteryAverage: 20, batteryReporting: 1 });
    });

    it('refuses bad updates naming the field, and writes nothing of their batch', async () => {
      await expect(
        live.apply([battery('tonypi_01', 80, 1), { ...battery('tonypi_01', 80, 2), fields: { percentage: NaN } }]),
      ).rejects.toThrow('updates[1].fields.percentage must be a finite number, a string or a boolean, got NaN');
      await expect(live.setStatus('tonypi_01', 'online', new Date('nope'))).rejects.toThrow('at must be a valid Date');
      await expect(live.touch([{ robotId: '', at: t(1) }])).rejects.toThrow('entries[0].robotId must be a non-empty');
      await expect(live.get('')).rejects.toThrow('robotId must be a non-empty string');
      expect(await live.get('tonypi_01')).toBeNull();
      await expect(live.apply([])).resolves.toBeUndefined();
      await expect(live.touch([])).resolves.toBeUndefined();
    });
  });
});
