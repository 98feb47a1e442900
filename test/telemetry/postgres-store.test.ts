import { sql, type Kysely } from 'kysely';
import { InvalidInputError } from '@fleet/contracts';
import type { DB } from '@fleet/database';
import { PostgresTelemetryStore, type TelemetryPoint } from '@fleet/telemetry';
import { describeEachDatabase } from '../support/database';
import { describeTelemetryStoreContract } from '../support/telemetry-contract';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;

async function partitions(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'telemetry_points'::regclass ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}

/** The rollups as stored, and as they would be recomputed from the raw points now. */
async function rollupsAndRecomputed(db: Kysely<DB>) {
  const stored = await sql`
    SELECT robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time
    FROM telemetry_rollups ORDER BY robot_id, measurement, series, field, bucket`.execute(db);
  const recomputed = await sql`
    SELECT p.robot_id, p.measurement, p.series, f.key AS field, date_bin('1 minute', p.time, 'epoch') AS bucket,
      count(*)::int AS count, sum(f.v) AS sum, min(f.v) AS min, max(f.v) AS max,
      (array_agg(f.v ORDER BY p.time DESC))[1] AS last, max(p.time) AS last_time
    FROM telemetry_points p
    CROSS JOIN LATERAL (
      SELECT key, CASE jsonb_typeof(value) WHEN 'boolean' THEN value::boolean::int::float8 ELSE value::float8 END AS v
      FROM jsonb_each(p.fields) WHERE jsonb_typeof(value) IN ('number', 'boolean')
    ) AS f
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`.execute(db);
  return { stored: stored.rows, recomputed: recomputed.rows };
}

describeEachDatabase('PostgresTelemetryStore', (factory) => {
  describeTelemetryStoreContract('postgres', async () => {
    const { db } = await factory().create();
    const store = new PostgresTelemetryStore(db, { rawRetentionDays: 7 });
    await store.prepare();
    // The factory drops the database after the suite.
    return { store, close: () => Promise.resolve() };
  });

  describe('on PostgreSQL', () => {
    let db: Kysely<DB>;
    let now: Date;
    let store: PostgresTelemetryStore;
    const at = (iso: string) => new Date(iso);

    beforeEach(async () => {
      db = (await factory().create()).db;
      now = at('2026-03-10T12:00:00Z');
      store = new PostgresTelemetryStore(db, { rawRetentionDays: 3, now: () => now });
    });

    it('creates daily partitions ahead, on demand, and drops them past retention', async () => {
      await store.prepare();
      expect(await partitions(db)).toEqual([
        'telemetry_points_p20260309',
        'telemetry_points_p20260310',
        'telemetry_points_p20260311',
        'telemetry_points_p20260312',
      ]);
      await expect(store.ping()).resolves.toEqual({ partitions: 4 });

      const point = (time: string, x: number): TelemetryPoint => ({
        measurement: 'robot_location',
        robotId: 'tonypi_01',
        fields: { x },
        time: at(time),
      });
      // Late but within retention (from the 7th on), and far ahead: both get their partition.
      await store.write([point('2026-03-07T00:00:00Z', 1), point('2026-03-20T08:00:00Z', 2)]);
      expect(await partitions(db)).toEqual([
        'telemetry_points_p20260307',
        'telemetry_points_p20260309',
        'telemetry_points_p20260310',
        'telemetry_points_p20260311',
        'telemetry_points_p20260312',
        'telemetry_points_p20260320',
      ]);

      now = at('2026-03-14T01:00:00Z');
      expect(await store.maintain(now)).toEqual({
        created: [
          'telemetry_points_p20260313',
          'telemetry_points_p20260314',
          'telemetry_points_p20260315',
          'telemetry_points_p20260316',
        ],
        dropped: ['telemetry_points_p20260307', 'telemetry_points_p20260309', 'telemetry_points_p20260310'],
        deferred: [],
      });
      expect(await partitions(db)).toEqual([
        'telemetry_points_p20260311',
        'telemetry_points_p20260312',
        'telemetry_points_p20260313',
        'telemetry_points_p20260314',
        'telemetry_points_p20260315',
        'telemetry_points_p20260316',
        'telemetry_points_p20260320',
      ]);
      expect(await store.maintain(now)).toEqual({ created: [], dropped: [], deferred: [] });
    });

    it('rejects points older than retention, naming them, and writes nothing of that batch', async () => {
      await store.prepare();
      const write = store.write([
        { measurement: 'battery_status', robotId: 'tonypi_01', fields: { percentage: 50 }, time: now },
        {
          measurement: 'battery_status',
          robotId: 'tonypi_01',
          fields: { percentage: 40 },
          time: at('2026-03-06T23:59:59.999Z'),
        },
      ]);
      await expect(write).rejects.toThrow(InvalidInputError);
      await expect(write).rejects.toMatchObject({
        issues: [
          {
            path: 'points[1].time',
            message: 'is older than the raw retention (points before 2026-03-07T00:00:00.000Z are not kept)',
          },
        ],
      });
      expect(await store.latest('tonypi_01', 'battery_status')).toEqual([]);
    });

    it('names every field it cannot store', async () => {
      const bad = {
        measurement: 'sensor_data',
        robotId: 'x'.repeat(51),
        tags: { sensor_type: 'a\0b' },
        fields: { value: Number.NaN, ['f'.repeat(65)]: 1, nested: { a: 1 } },
        time: new Date(Number.NaN),
      } as unknown as TelemetryPoint;
      await expect(store.write([bad])).rejects.toMatchObject({
        issues: [
          { path: 'points[0].robotId', message: 'must be at most 50 characters (has 51)' },
          { path: 'points[0].tags.sensor_type', message: 'must not contain NUL or unpaired surrogate characters' },
          { path: 'points[0].fields.value', message: 'must be a finite number' },
          { path: 'points[0].fields', message: 'must be at most 64 characters (has 65)' },
          { path: 'points[0].fields.nested', message: 'must be a number, a string or a boolean' },
          { path: 'points[0].time', message: 'must be a valid date before the year 10000' },
        ],
      });
      await expect(
        store.history({ robotId: 'r', measurement: 'sensor_data', fields: [], from: now, to: now, everyMs: 0 }),
      ).rejects.toMatchObject({
        issues: [
          { path: 'fields', message: 'must name at least one field' },
          { path: 'everyMs', message: 'must be a positive whole number of milliseconds' },
        ],
      });
    });

    it('keeps rollups equal to the raw points after rewrites, late points and concurrent writers', async () => {
      await store.prepare();
      const minute = at('2026-03-10T10:00:00Z').getTime();
      const servo = (offsetMs: number, fields: TelemetryPoint['fields'], servoId = '1'): TelemetryPoint => ({
        measurement: 'servo_data',
        robotId: 'tonypi_01',
        tags: { servo_id: servoId },
        fields,
        time: new Date(minute + offsetMs),
      });
      await store.write([
        servo(0, { position: 10, temperature: 40 }),
        servo(20 * SECOND, { position: 20, temperature: 41 }),
        servo(40 * SECOND, { position: 30, temperature: 42, alert: 'none' }),
      ]);
      const bucket = async (field: string) =>
        (
          await sql<{ count: number; sum: number; min: number; max: number; last: number }>`
            SELECT count, sum, min, max, last FROM telemetry_rollups
            WHERE robot_id = 'tonypi_01' AND series = 'servo_id=1' AND field = ${field}`.execute(db)
        ).rows;
      expect(await bucket('position')).toEqual([{ count: 3, sum: 60, min: 10, max: 30, last: 30 }]);

      // A redelivered point, a corrected one (its temperature now a string), and a late one in the same minute.
      await store.write([servo(20 * SECOND, { position: 20, temperature: 41 })]);
      await store.write([servo(40 * SECOND, { position: 5, temperature: 'n/a' })]);
      await store.write([servo(10 * SECOND, { position: 100 })]);
      expect(await bucket('position')).toEqual([{ count: 4, sum: 135, min: 5, max: 100, last: 5 }]);
      expect(await bucket('temperature')).toEqual([{ count: 2, sum: 81, min: 40, max: 41, last: 41 }]);
      expect(await store.latest('tonypi_01', 'servo_data')).toEqual([
        {
          tags: { servo_id: '1' },
          fields: { position: 5, temperature: 'n/a', alert: 'none' },
          time: new Date(minute + 40 * SECOND),
        },
      ]);

      // Writers racing on the same minutes, half of their points shared.
      const batch = (from: number) =>
        Array.from({ length: 200 }, (_, i) => servo((from + i) * 100, { position: from + i }, String((from + i) % 3)));
      await Promise.all([store.write(batch(0)), store.write(batch(100)), store.write(batch(50))]);
      const { stored, recomputed } = await rollupsAndRecomputed(db);
      expect(stored).toEqual(recomputed);
      expect(stored.length).toBeGreaterThan(0);
    });

    it('answers history past raw retention from the rollups', async () => {
      await store.prepare();
      const start = at('2026-03-09T06:00:00Z').getTime();
      await store.write(
        Array.from({ length: 600 }, (_, i) => ({
          measurement: 'sensor_data' as const,
          robotId: 'tonypi_01',
          tags: { sensor_type: i % 2 ? 'cpu_temperature' : 'humidity' },
          fields: { value: i, unit: 'C' },
          time: new Date(start + i * 10 * SECOND),
        })),
      );
      const query = {
        robotId: 'tonypi_01',
        measurement: 'sensor_data' as const,
        fields: ['value'],
        from: new Date(start - DAY),
        to: new Date(start + DAY),
        everyMs: 30 * MINUTE,
        tags: { sensor_type: 'cpu_temperature' },
      };
      const fresh = await Promise.all(
        (['mean', 'min', 'max', 'last', 'count'] as const).map((fn) => store.history({ ...query, fn })),
      );
      expect(fresh.map((r) => r.values.value)).toEqual([
        [90, 270, 450, 570],
        [1, 181, 361, 541],
        [179, 359, 539, 599],
        [179, 359, 539, 599],
        [90, 90, 90, 30],
      ]);
      expect(fresh[0]?.times).toEqual([0, 1, 2, 3].map((k) => start + k * 30 * MINUTE));

      now = at('2026-03-20T00:00:00Z');
      await store.maintain(now);
      expect(await store.latest('tonypi_01', 'sensor_data')).toEqual([]);
      const old = await Promise.all(
        (['mean', 'min', 'max', 'last', 'count'] as const).map((fn) => store.history({ ...query, fn })),
      );
      expect(old).toEqual(fresh);

      // Narrower buckets than the rollups hold widen to one minute; a range cut mid-minute takes whole minutes.
      const fine = await store.history({
        ...query,
        from: new Date(start + 30 * SECOND),
        to: new Date(start + 2 * MINUTE),
        everyMs: 10 * SECOND,
        fn: 'count',
      });
      expect(fine).toEqual({
        everyMs: MINUTE,
        fn: 'count',
        times: [start, start + MINUTE],
        values: { value: [3, 3] },
      });
    });

    it('takes a write of 50,000 points of mixed measurements in one transaction', async () => {
      now = new Date();
      await store.prepare();
      const base = now.getTime() - 2 * 3_600_000;
      const points: TelemetryPoint[] = Array.from({ length: 50_000 }, (_, i): TelemetryPoint => {
        const robotId = `tonypi_${String(i % 10).padStart(2, '0')}`;
        const time = new Date(base + Math.floor(i / 50) * 100 + (i % 50));
        switch (i % 4) {
          case 0:
            return {
              measurement: 'servo_data',
              robotId,
              tags: { servo_id: String(i % 6), servo_name: `servo_${i % 6}` },
              fields: { position: i % 1000, temperature: 40 + (i % 9), voltage: 7.4, torque_enabled: true },
              time,
            };
          case 1:
            return {
              measurement: 'sensor_data',
              robotId,
              tags: { sensor_type: 'cpu_temperature' },
              fields: { value: 50 + (i % 7), unit: 'C' },
              time,
            };
          case 2:
            return { measurement: 'battery_status', robotId, fields: { percentage: i % 100, charging: false }, time };
          default:
            return { measurement: 'robot_status', robotId, fields: { cpu_percent: i % 100, memory_percent: 40 }, time };
        }
      });
      await store.write(points);
      const { rows } = await sql<{ points: number; values: number }>`
        SELECT (SELECT count(*)::int FROM telemetry_points) AS points,
          (SELECT sum(count)::int FROM telemetry_rollups) AS values`.execute(db);
      // Numbers and booleans (torque_enabled, charging) are rolled up; the unit text is not.
      expect(rows[0]).toEqual({ points: 50_000, values: 12_500 * 9 });
    });
  });
});
