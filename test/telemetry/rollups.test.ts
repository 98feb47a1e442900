import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { DB } from '@fleet/database';
import { ManualClock } from '@fleet/platform';
import {
  InfluxHttp,
  InfluxTelemetryStore,
  markRollups,
  PostgresTelemetryStore,
  RollupHistory,
  RollupMaintainer,
  RollupReader,
  type TelemetryPoint,
  type TelemetryStore,
} from '@fleet/telemetry';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';
import { describeTelemetryStoreContract } from '../support/telemetry-contract';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Stack {
  db: Kysely<DB>;
  store: TelemetryStore;
  maintainer: RollupMaintainer;
  reader: RollupReader;
  clock: ManualClock;
}

/** Runs the maintainer until every tier has caught up with the clock. */
async function catchUp(maintainer: RollupMaintainer): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const run = await maintainer.run();
    if (run.minutesRolled === 0 && run.hoursRolled === 0 && run.marksRolled === 0) return;
  }
  throw new Error('the rollup tiers did not catch up in 200 runs');
}

/**
 * Fleet's rollup tiers on each telemetry store: what the reader says of a period is what was written, exactly, at
 * 1-minute resolution and in hours; late points are rolled again.
 */
function describeRollups(name: string, open: (db: Kysely<DB>, clock: ManualClock) => Promise<TelemetryStore>): void {
  describe(`rollup tiers on ${name}`, () => {
    let factory: DatabaseFactory;
    let stack: Stack;
    /** Midnight UTC four days ago: the data runs from here for three days. */
    const base = Math.floor((Date.now() - 4 * DAY) / DAY) * DAY;

    beforeAll(async () => {
      factory = new DatabaseFactory(embeddedTarget());
      const { db } = await factory.create();
      const clock = new ManualClock(new Date(base - 10 * MINUTE));
      const store = await open(db, clock);
      const maintainer = new RollupMaintainer(db, {
        minutes: store instanceof InfluxTelemetryStore ? store : null,
        now: () => clock.now(),
        minuteChunkMs: 6 * HOUR,
      });
      // The first run starts the tiers at the clock.
      await maintainer.run();
      stack = { db, store, maintainer, reader: new RollupReader(db), clock };
    });

    afterAll(async () => {
      await factory.dispose();
    });

    it('reads what was written, at 1-minute resolution and in hours, with time past a threshold exact', async () => {
      const { store, maintainer, reader, clock } = stack;
      const robot = uniqueName('hot');
      // One point a minute for three days: CPU 50, except 130 minutes at 80 from 10:25 on the second day (past 70),
      // which starts and ends inside an hour (two straddling hours) and covers whole hours between.
      const hotFrom = base + DAY + 10 * HOUR + 25 * MINUTE;
      const hotTo = hotFrom + 130 * MINUTE;
      const points: TelemetryPoint[] = [];
      for (let t = base; t < base + 3 * DAY; t += MINUTE) {
        const hot = t >= hotFrom && t < hotTo;
        points.push({
          measurement: 'robot_status',
          robotId: robot,
          fields: { system_cpu_percent: hot ? 80 : 50, emergency_stopped: hot },
          time: new Date(t + 15_000),
        });
      }
      for (let i = 0; i < points.length; i += 2_000) await store.write(points.slice(i, i + 2_000));
      clock.set(new Date(base + 3 * DAY + 10 * MINUTE));
      await catchUp(maintainer);

      const warning = { key: 'warning', robotId: robot, field: 'system_cpu_percent', op: 'above' as const, value: 70 };
      const query = {
        measurement: 'robot_status' as const,
        fields: ['system_cpu_percent', 'emergency_stopped'],
        robotIds: [robot],
      };
      const expectedMean = (50 * (3 * 1440 - 130) + 80 * 130) / (3 * 1440);

      // Three days: read in hours (the hourly tier) plus the minutes of the partial hours at either end.
      const long = { ...query, from: base + 7 * MINUTE, to: base + 3 * DAY };
      const hourPlan = await reader.plan(long.from, long.to);
      expect(hourPlan.resolution).toBe('hour');
      expect(hourPlan.hours).toEqual({ from: base + HOUR, to: base + 3 * DAY });
      const summaries = await reader.summarize(long, hourPlan, [warning]);
      const cpu = summaries.find((r) => r.field === 'system_cpu_percent');
      const stopped = summaries.find((r) => r.field === 'emergency_stopped');
      expect(cpu).toMatchObject({ robotId: robot, field: 'system_cpu_percent', count: 3 * 1440 - 7, max: 80, min: 50 });
      expect(cpu?.conditions).toEqual({ warning: 130 });
      expect(cpu?.minutes).toBe(3 * 1440 - 7);
      expect(stopped).toMatchObject({ field: 'emergency_stopped', max: 1, min: 0 });
      expect(stopped?.mean).toBeCloseTo(130 / (3 * 1440 - 7), 10);

      // A day: read in minutes; the 95th percentile is over minute means.
      const day = { ...query, from: base + DAY, to: base + 2 * DAY };
      const minutePlan = await reader.plan(day.from, day.to);
      expect(minutePlan.resolution).toBe('minute');
      const dayCpu = (await reader.summarize(day, minutePlan, [warning])).find((r) => r.field === 'system_cpu_percent');
      expect(dayCpu?.conditions).toEqual({ warning: 130 });
      expect(dayCpu?.mean).toBeCloseTo((50 * (1440 - 130) + 80 * 130) / 1440, 10);
      expect(dayCpu?.p95).toBe(80);

      const all = await reader.summarize(
        { ...query, from: base, to: base + 3 * DAY },
        await reader.plan(base, base + 3 * DAY),
      );
      expect(all.find((r) => r.field === 'system_cpu_percent')?.mean).toBeCloseTo(expectedMean, 10);

      // Hourly buckets over the hot stretch: 10:00 has 35 hot minutes of 60, 11:00 all 60.
      const timeline = await reader.timeline(
        { ...query, fields: ['system_cpu_percent'], from: base + DAY + 10 * HOUR, to: base + DAY + 13 * HOUR },
        await reader.plan(base + DAY + 10 * HOUR, base + DAY + 13 * HOUR),
        HOUR,
      );
      expect(timeline.map((b) => b.mean)).toEqual([(25 * 50 + 35 * 80) / 60, 80, (35 * 80 + 25 * 50) / 60]);
    });

    it('rolls again the minutes and hours a late point lands in', async () => {
      const { store, maintainer, reader, clock } = stack;
      const robot = uniqueName('late');
      const hour = base + 2 * DAY + 5 * HOUR;
      await store.write([
        {
          measurement: 'battery_status',
          robotId: robot,
          fields: { percentage: 40, charging: false },
          time: new Date(hour + 1_000),
        },
      ]);
      await catchUp(maintainer);
      const range = { measurement: 'battery_status' as const, fields: ['percentage', 'charging'], robotIds: [robot] };
      const week = { ...range, from: base, to: base + 3 * DAY };
      const before = await reader.summarize(week, await reader.plan(week.from, week.to));
      expect(before.find((s) => s.field === 'percentage')).toMatchObject({ count: 1, mean: 40 });

      // A point for the same minute, long after it was rolled, by a robot that was charging.
      clock.advance(MINUTE);
      await store.write([
        {
          measurement: 'battery_status',
          robotId: robot,
          fields: { percentage: 60, charging: true },
          time: new Date(hour + 2_000),
        },
      ]);
      const marks = await stack.db
        .selectFrom('telemetry_rollup_marks')
        .select(['tier', 'robot_id'])
        .where('robot_id', '=', robot)
        .execute();
      expect(marks.length).toBeGreaterThan(0);
      await catchUp(maintainer);
      const after = await reader.summarize(week, await reader.plan(week.from, week.to));
      expect(after.find((s) => s.field === 'percentage')).toMatchObject({ count: 2, mean: 50, max: 60, last: 60 });
      expect(after.find((s) => s.field === 'charging')).toMatchObject({ count: 2, mean: 0.5 });
      const left = await stack.db
        .selectFrom('telemetry_rollup_marks')
        .select('tier')
        .where('robot_id', '=', robot)
        .execute();
      expect(left).toEqual([]);
    });

    it('rolls each bucket once however many maintainers run at the same time', async () => {
      const { db, store, clock } = stack;
      const influx = store instanceof InfluxTelemetryStore;
      const other = new RollupMaintainer(db, {
        minutes: influx ? store : null,
        now: () => clock.now(),
        minuteChunkMs: 6 * HOUR,
      });
      clock.advance(2 * HOUR);
      const [a, b] = await Promise.all([stack.maintainer.run(), other.run()]);
      expect(a.hoursRolled + b.hoursRolled).toBe(2);
      expect(a.minutesRolled + b.minutesRolled).toBe(influx ? 120 : 0);
      const again = await Promise.all([stack.maintainer.run(), other.run()]);
      expect(again.map((r) => r.hoursRolled + r.minutesRolled)).toEqual([0, 0]);
    });
  });
}

describe('history buckets reused from the rollups', () => {
  let factory: DatabaseFactory;
  let db: Kysely<DB>;

  beforeAll(async () => {
    factory = new DatabaseFactory(embeddedTarget());
    db = (await factory.create()).db;
  });
  afterAll(async () => {
    await factory.dispose();
  });

  it("for the cache time; a write through the same store shows at once, another process's after it", async () => {
    let now = Date.now();
    const options = { rawRetentionDays: 7, now: () => new Date(now), historyCacheMs: 10_000 };
    const reader = new PostgresTelemetryStore(db, options);
    await reader.prepare();
    // Another process writing to the same database, and one that keeps nothing.
    const writer = new PostgresTelemetryStore(db, options);
    const uncached = new PostgresTelemetryStore(db, { ...options, historyCacheMs: 0 });
    const robot = uniqueName('cached');
    const base = Math.floor((now - DAY) / HOUR) * HOUR;
    const point = (cpu: number, minute: number): TelemetryPoint => ({
      measurement: 'robot_status',
      robotId: robot,
      fields: { cpu },
      time: new Date(base + minute * MINUTE + 1_000),
    });
    const query = {
      robotId: robot,
      measurement: 'robot_status' as const,
      fields: ['cpu'],
      from: new Date(base),
      to: new Date(base + 10 * MINUTE),
      everyMs: MINUTE,
      fn: 'max' as const,
    };
    const cpu = async (store: PostgresTelemetryStore) => (await store.history(query)).values.cpu;

    await reader.write([point(10, 0), point(20, 1)]);
    expect(await cpu(reader)).toEqual([10, 20]);
    await writer.write([point(50, 1)]);
    expect(await cpu(uncached)).toEqual([10, 50]);
    expect(await cpu(reader)).toEqual([10, 20]);
    now += 10_000;
    expect(await cpu(reader)).toEqual([10, 50]);
    await reader.write([point(70, 0)]);
    expect(await cpu(reader)).toEqual([70, 50]);
    // A range reaching further reads only the minutes past what is kept.
    await writer.write([point(30, 12)]);
    expect((await reader.history({ ...query, to: new Date(base + 15 * MINUTE) })).values.cpu).toEqual([70, 50, 30]);
  });
});

describe('what the minute tier covers, as history reads see it', () => {
  let factory: DatabaseFactory;

  beforeAll(() => {
    factory = new DatabaseFactory(embeddedTarget());
  });
  afterAll(async () => {
    await factory.dispose();
  });

  it("is reused for the cache time; a late write through the same process shows at once, another's after it", async () => {
    const { db } = await factory.create();
    let now = Date.now();
    const rollups = new RollupHistory(db, { cacheMs: 10_000, now: () => now });
    const uncached = new RollupHistory(db, { cacheMs: 0 });
    const robot = uniqueName('covered');
    const base = Math.floor((now - DAY) / HOUR) * HOUR;
    const covered = (history: RollupHistory) => history.coverage(robot, 'robot_status', base, base + HOUR);
    const mark = (minute: number) =>
      markRollups(db, [
        { tier: 'minute', robotId: robot, measurement: 'robot_status', bucket: base + minute * MINUTE },
      ]);

    expect(await covered(rollups)).toBeNull();
    await db
      .insertInto('telemetry_rollup_progress')
      .values({ tier: 'minute', rolled_from: new Date(base), rolled_until: new Date(base + 30 * MINUTE) })
      .execute();
    expect(await covered(uncached)).toEqual({ from: base, until: base + 30 * MINUTE });
    expect(await covered(rollups)).toBeNull();
    now += 10_000;
    expect(await covered(rollups)).toEqual({ from: base, until: base + 30 * MINUTE });

    // Another process's late point marks minute 20.
    await mark(20);
    expect(await covered(uncached)).toEqual({ from: base, until: base + 20 * MINUTE });
    expect(await covered(rollups)).toEqual({ from: base, until: base + 30 * MINUTE });
    now += 10_000;
    expect(await covered(rollups)).toEqual({ from: base, until: base + 20 * MINUTE });

    // A late point written here: its series is read again at once. A live one, past the watermark, changes nothing.
    await mark(5);
    rollups.forgetWritten([{ robotId: robot, measurement: 'robot_status', time: new Date(base + 40 * MINUTE) }]);
    expect(await covered(rollups)).toEqual({ from: base, until: base + 20 * MINUTE });
    rollups.forgetWritten([{ robotId: robot, measurement: 'robot_status', time: new Date(base + 5 * MINUTE + 1) }]);
    expect(await covered(rollups)).toEqual({ from: base, until: base + 5 * MINUTE });
    // A mark before the range asked for does not cut it.
    expect(await rollups.coverage(robot, 'robot_status', base + 6 * MINUTE, base + HOUR)).toEqual({
      from: base,
      until: base + 20 * MINUTE,
    });
  });

  it('is exact past the marks it keeps; concurrent reads of a series share one query', async () => {
    const { url } = await factory.create();
    let queries = 0;
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: 5 }) }),
      log: (event) => {
        if (event.level === 'query') queries++;
      },
    });
    try {
      const robot = uniqueName('backlog');
      const base = Math.floor((Date.now() - DAY) / HOUR) * HOUR;
      await db
        .insertInto('telemetry_rollup_progress')
        .values({ tier: 'minute', rolled_from: new Date(base), rolled_until: new Date(base + 3 * HOUR) })
        .execute();
      // A backlog: a mark on each of the first 100 minutes but the 70th.
      const minutes = Array.from({ length: 100 }, (_, k) => k).filter((k) => k !== 70);
      await markRollups(
        db,
        minutes.map((k) => ({
          tier: 'minute',
          robotId: robot,
          measurement: 'robot_status',
          bucket: base + k * MINUTE,
        })),
      );
      const rollups = new RollupHistory(db, { cacheMs: 60_000 });
      queries = 0;
      const all = await Promise.all(
        Array.from({ length: 10 }, () => rollups.coverage(robot, 'robot_status', base, base + 3 * HOUR)),
      );
      expect(all).toEqual(Array.from({ length: 10 }, () => ({ from: base, until: base })));
      expect(queries).toBe(1);
      expect(await rollups.coverage(robot, 'robot_status', base + 70 * MINUTE, base + 3 * HOUR)).toEqual({
        from: base,
        until: base + 71 * MINUTE,
      });
      expect(await rollups.coverage(robot, 'robot_status', base + 100 * MINUTE, base + 3 * HOUR)).toEqual({
        from: base,
        until: base + 3 * HOUR,
      });

      // Buckets too: ten charts asked for at once read the rollups once.
      const query = { robotId: robot, measurement: 'robot_status' as const, fields: ['cpu'] };
      const read = { query: { ...query, from: new Date(base), to: new Date(base + HOUR) }, fn: 'mean' as const };
      queries = 0;
      const buckets = await Promise.all(
        Array.from({ length: 10 }, () =>
          rollups.read({ ...read, fields: ['cpu'], everyMs: MINUTE }, { from: base, to: base + HOUR }),
        ),
      );
      expect(buckets.map((b) => b.times.length)).toEqual(Array.from({ length: 10 }, () => 0));
      expect(queries).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});

describeRollups('postgres', async (db, clock) => {
  const store = new PostgresTelemetryStore(db, { rawRetentionDays: 7, now: () => clock.now() });
  await store.prepare();
  return store;
});

const influxUrl = serverUrl('INFLUX_URL');
if (influxUrl) {
  describeRollups('influxdb', async (db, clock) => {
    const store = new InfluxTelemetryStore(new InfluxHttp({ url: influxUrl }), {
      database: uniqueName('rollups'),
      retention: 'INF',
      now: () => clock.now(),
      onLateMinutes: (marks) => markRollups(db, marks),
    });
    await store.prepare();
    return store;
  });

  it('reaches back over what InfluxDB held before the first roll, and rolls those hours again', async () => {
    const factory = new DatabaseFactory(embeddedTarget());
    const { db } = await factory.create();
    const http = new InfluxHttp({ url: influxUrl });
    const database = uniqueName('rollup_backfill');
    try {
      // Points written before any rollup existed: nothing marks them.
      const store = new InfluxTelemetryStore(http, { database, retention: 'INF' });
      await store.prepare();
      const robot = uniqueName('before');
      const base = Math.floor((Date.now() - DAY) / HOUR) * HOUR;
      await store.write(
        [0, 1, 2].map((k) => ({
          measurement: 'robot_status' as const,
          robotId: robot,
          fields: { cpu: 10 * (k + 1) },
          time: new Date(base + k * MINUTE),
        })),
      );
      const maintainer = new RollupMaintainer(db, {
        minutes: store,
        now: () => new Date(),
        minuteChunkMs: 6 * HOUR,
        minuteBackfillMs: 2 * DAY,
      });
      await catchUp(maintainer);
      const progress = await db
        .selectFrom('telemetry_rollup_progress')
        .select(['rolled_from', 'rolled_until'])
        .where('tier', '=', 'minute')
        .executeTakeFirstOrThrow();
      expect(progress.rolled_from.getTime()).toBeLessThanOrEqual(Date.now() - 2 * DAY);
      const reader = new RollupReader(db);
      const day = { measurement: 'robot_status' as const, fields: ['cpu'], robotIds: [robot] };
      const period = { ...day, from: base, to: base + HOUR };
      expect(await reader.summarize(period, await reader.plan(period.from, period.to))).toEqual([
        expect.objectContaining({ count: 3, mean: 20, max: 30 }),
      ]);
      const hours = await db
        .selectFrom('telemetry_rollups_hourly')
        .select(['count', 'sum'])
        .where('robot_id', '=', robot)
        .execute();
      expect(hours).toEqual([{ count: 3, sum: 60 }]);
    } finally {
      await http.query(`DROP DATABASE "${database}"`, { method: 'POST' });
      await factory.dispose();
    }
  });

  describe('InfluxDB histories read from the rollups', () => {
    let factory: DatabaseFactory;
    let db: Kysely<DB>;
    let http: InfluxHttp;
    let database: string;
    let store: InfluxTelemetryStore;
    let maintainer: RollupMaintainer;
    /** The rollup history's clock: moved on past its cache time where another process's roll must show. */
    let now = Date.now();

    beforeAll(async () => {
      factory = new DatabaseFactory(embeddedTarget());
      db = (await factory.create()).db;
      http = new InfluxHttp({ url: influxUrl });
      database = uniqueName('rollup_history');
      store = new InfluxTelemetryStore(http, {
        database,
        retention: 'INF',
        onLateMinutes: (marks) => markRollups(db, marks),
        rollups: new RollupHistory(db, { now: () => now }),
      });
      await store.prepare();
      // The tier reaches back over the days the cases write to.
      maintainer = new RollupMaintainer(db, {
        minutes: store,
        now: () => new Date(),
        minuteChunkMs: 6 * HOUR,
        minuteBackfillMs: 4 * DAY,
      });
      await catchUp(maintainer);
    });

    afterAll(async () => {
      await http.query(`DROP DATABASE "${database}"`, { method: 'POST' });
      await factory.dispose();
    });

    // Every write is rolled before the next read, and what was read of the tier before it is old by then, so the
    // contract's histories come from the rollups.
    describeTelemetryStoreContract('InfluxDB with its rollups kept', () => {
      const rolled: TelemetryStore = Object.create(store) as TelemetryStore;
      rolled.write = async (points) => {
        await store.write(points);
        await catchUp(maintainer);
        now += 10_000;
      };
      return Promise.resolve({ store: rolled, close: () => Promise.resolve() });
    });

    it('reads covered buckets from the rollups, and from a minute marked to be rolled again on, raw points', async () => {
      const robot = uniqueName('rolled');
      const base = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR;
      const points: TelemetryPoint[] = [];
      for (let t = base; t < base + 30 * MINUTE; t += 10_000) {
        points.push({
          measurement: 'robot_status',
          robotId: robot,
          fields: { cpu: (t - base) / MINUTE },
          time: new Date(t),
        });
      }
      await store.write(points);
      await catchUp(maintainer);
      // Without its raw points, what InfluxDB answers itself is empty; buckets of whole minutes are still there.
      await http.query(`DELETE FROM "robot_status" WHERE "robot_id" = '${robot}'`, { database, method: 'POST' });
      const query = { robotId: robot, measurement: 'robot_status' as const, fields: ['cpu'] };
      const range = { from: new Date(base - 15_000), to: new Date(base + HOUR) };
      expect((await store.history({ ...query, ...range, everyMs: 30_000 })).times).toEqual([]);
      const minutes = await store.history({ ...query, ...range, everyMs: MINUTE });
      expect(minutes.times).toEqual(Array.from({ length: 30 }, (_, k) => base + k * MINUTE));
      expect(minutes.values.cpu).toEqual(Array.from({ length: 30 }, (_, k) => k + 25 / 60));

      // A late point marks minute 10: from there on the history is what InfluxDB holds, until it is rolled again.
      await store.write([
        {
          measurement: 'robot_status',
          robotId: robot,
          fields: { cpu: 99 },
          time: new Date(base + 10 * MINUTE + 5_000),
        },
      ]);
      const marked = await store.history({ ...query, ...range, everyMs: MINUTE });
      expect(marked.times).toEqual(Array.from({ length: 11 }, (_, k) => base + k * MINUTE));
      expect(marked.values.cpu.at(-1)).toBe(99);
      await catchUp(maintainer);
      // The maintainer's roll is another process's change: it shows once what was read of the tier is old.
      now += 10_000;
      const rolledAgain = await store.history({ ...query, ...range, everyMs: MINUTE, fn: 'max' });
      expect(rolledAgain.times).toHaveLength(30);
      expect(rolledAgain.values.cpu[10]).toBe(99);
      expect(rolledAgain.values.cpu[11]).toBeCloseTo(11 + 50 / 60);
    });
  });
} else {
  reportMissingServer('INFLUX_URL', 'rollup tiers on influxdb');
}
