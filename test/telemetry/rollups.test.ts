import type { Kysely } from 'kysely';
import type { DB } from '@fleet/database';
import { ManualClock } from '@fleet/platform';
import {
  InfluxHttp,
  InfluxTelemetryStore,
  markRollups,
  PostgresTelemetryStore,
  RollupMaintainer,
  RollupReader,
  type TelemetryPoint,
  type TelemetryStore,
} from '@fleet/telemetry';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

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
} else {
  reportMissingServer('INFLUX_URL', 'rollup tiers on influxdb');
}
