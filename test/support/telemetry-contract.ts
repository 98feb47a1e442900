import {
  autoWindowMs,
  historyBuckets,
  MAX_BUCKETS,
  type HistoryQuery,
  type LatestPoint,
  type TelemetryPoint,
  type TelemetryStore,
} from '@fleet/telemetry';
import { uniqueName } from './servers';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An opened adapter, and how to release it (the database it wrote to may be shared with other suites). */
export interface OpenedTelemetryStore {
  store: TelemetryStore;
  close: () => Promise<void>;
}

/** Latest points in a stable order (stores may list series in any order). */
function byTags(points: LatestPoint[]): LatestPoint[] {
  return [...points].sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
}

/**
 * What every {@link TelemetryStore} adapter must do, run against each of them:
 *
 * ```ts
 * describeTelemetryStoreContract('InfluxDB', async () => {
 *   const store = new InfluxTelemetryStore({ url, database });
 *   await store.prepare();
 *   return { store, close: async () => undefined };
 * });
 * ```
 *
 * `open` is called once for the suite. Every case writes under robot ids of its own, so adapters may share one
 * database with other suites. Points are written one to three days in the past: inside any retention window a store
 * keeps, and never in the future. Rules the cases pin down:
 * - `LatestPoint.tags` are the series' tags besides `robot_id` (`{}` for none).
 * - History ranges are `from` inclusive, `to` exclusive; buckets start at multiples of `everyMs` since the Unix epoch
 *   (a bucket cut by `from` is still stamped with its aligned start), come in time order, and empty ones are left out.
 *   A field without a point in a bucket is `null`, for `count` too.
 */
export function describeTelemetryStoreContract(name: string, open: () => Promise<OpenedTelemetryStore>): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let opened: OpenedTelemetryStore | undefined;
    const store = (): TelemetryStore => {
      if (!opened) throw new Error(`${name}: open() did not resolve`);
      return opened.store;
    };
    /** Midnight UTC two days ago: aligned to every bucket width up to a day, well inside retention. */
    const base = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY;
    const at = (offsetMs: number) => new Date(base + offsetMs);
    const robot = (label: string) => uniqueName(`contract_${label}`);
    /** A history bucket by bucket, as the cases state it. */
    const bucketed = async (query: HistoryQuery) => {
      const result = await store().history(query);
      return { everyMs: result.everyMs, fn: result.fn, buckets: historyBuckets(result) };
    };

    beforeAll(async () => {
      opened = await open();
    });

    afterAll(async () => {
      await opened?.close();
    });

    it('names its target and answers ping', async () => {
      expect(typeof store().target).toBe('string');
      expect(store().target.length).toBeGreaterThan(0);
      await expect(store().ping()).resolves.toEqual(expect.any(Object));
    });

    it('prepare is safe to call again', async () => {
      await expect(store().prepare()).resolves.toBeUndefined();
    });

    it('writes nothing for an empty batch', async () => {
      await expect(store().write([])).resolves.toBeUndefined();
    });

    it('returns the latest point of each series, with its tags and typed fields', async () => {
      const id = robot('latest');
      const servo = (servoId: string, offsetMs: number, position: number): TelemetryPoint => ({
        measurement: 'servo_data',
        robotId: id,
        tags: { servo_id: servoId, servo_name: `servo_${servoId}` },
        fields: { position, temperature: 40.5, torque_enabled: servoId === '1', alert_level: 'normal' },
        time: at(offsetMs),
      });
      await store().write([servo('1', 0, 100), servo('2', 0, 200), servo('1', SECOND, 101)]);
      await store().write([servo('1', 2 * SECOND, 102)]);

      expect(byTags(await store().latest(id, 'servo_data'))).toEqual([
        {
          tags: { servo_id: '1', servo_name: 'servo_1' },
          fields: { position: 102, temperature: 40.5, torque_enabled: true, alert_level: 'normal' },
          time: at(2 * SECOND),
        },
        {
          tags: { servo_id: '2', servo_name: 'servo_2' },
          fields: { position: 200, temperature: 40.5, torque_enabled: false, alert_level: 'normal' },
          time: at(0),
        },
      ]);
      expect(await store().latest(id, 'servo_data', { servo_id: '2' })).toEqual([
        expect.objectContaining({ tags: { servo_id: '2', servo_name: 'servo_2' }, time: at(0) }),
      ]);
      expect(await store().latest(id, 'servo_data', { servo_id: '3' })).toEqual([]);
      expect(await store().latest(id, 'battery_status')).toEqual([]);
    });

    it('gives a series without tags empty tags', async () => {
      const id = robot('untagged');
      await store().write([
        { measurement: 'battery_status', robotId: id, fields: { percentage: 80, charging: false }, time: at(0) },
      ]);
      expect(await store().latest(id, 'battery_status')).toEqual([
        { tags: {}, fields: { percentage: 80, charging: false }, time: at(0) },
      ]);
    });

    it('keeps one point per robot, series and time: the last write wins', async () => {
      const id = robot('rewrite');
      const point = (percentage: number, offsetMs = MINUTE): TelemetryPoint => ({
        measurement: 'battery_status',
        robotId: id,
        fields: { percentage, voltage: 7.4 },
        time: at(offsetMs),
      });
      await store().write([point(50)]);
      await store().write([point(51)]);
      // Redelivery can put the same point twice into one batch.
      await store().write([point(52), point(0, 2 * MINUTE), point(53)]);

      expect(await store().latest(id, 'battery_status')).toEqual([
        { tags: {}, fields: { percentage: 0, voltage: 7.4 }, time: at(2 * MINUTE) },
      ]);
      const { buckets } = await bucketed({
        robotId: id,
        measurement: 'battery_status',
        fields: ['percentage'],
        from: at(0),
        to: at(HOUR),
        everyMs: HOUR,
        fn: 'count',
      });
      expect(buckets).toEqual([{ time: at(0), values: { percentage: 2 } }]);
      const mean = await bucketed({
        robotId: id,
        measurement: 'battery_status',
        fields: ['percentage'],
        from: at(MINUTE),
        to: at(2 * MINUTE),
        everyMs: MINUTE,
      });
      expect(mean.buckets).toEqual([{ time: at(MINUTE), values: { percentage: 53 } }]);
    });

    describe('history', () => {
      const id = robot('history');
      // Buckets of one minute from `base`: [0] has a at 0 s (before `from`), 20 s and 40 s; [1] has a and b;
      // [2] is empty; [3] has a at its last millisecond; the point at 4 min is at `to` and left out.
      const points: [offsetMs: number, fields: Record<string, number>][] = [
        [0, { a: 1000 }],
        [20 * SECOND, { a: 3 }],
        [40 * SECOND, { a: 5 }],
        [70 * SECOND, { a: 10, b: -2.5 }],
        [4 * MINUTE - 1, { a: 7 }],
        [4 * MINUTE, { a: 100 }],
      ];
      const query = { robotId: id, measurement: 'robot_status' as const, fields: ['a', 'b'] };
      const from = at(15 * SECOND);
      const to = at(4 * MINUTE);

      beforeAll(async () => {
        await store().write(
          points.map(([offsetMs, fields]) => ({
            measurement: 'robot_status',
            robotId: id,
            fields,
            time: at(offsetMs),
          })),
        );
      });

      it.each([
        ['mean', [4, null], [10, -2.5], [7, null]],
        ['min', [3, null], [10, -2.5], [7, null]],
        ['max', [5, null], [10, -2.5], [7, null]],
        ['last', [5, null], [10, -2.5], [7, null]],
        ['count', [2, null], [1, 1], [1, null]],
      ] as const)('%s over aligned buckets', async (fn, first, second, fourth) => {
        const result = await bucketed({ ...query, from, to, everyMs: MINUTE, fn });
        expect(result).toEqual({
          everyMs: MINUTE,
          fn,
          buckets: [
            { time: at(0), values: { a: first[0], b: first[1] } },
            { time: at(MINUTE), values: { a: second[0], b: second[1] } },
            { time: at(3 * MINUTE), values: { a: fourth[0], b: fourth[1] } },
          ],
        });
      });

      it('aggregates by mean when no function is given', async () => {
        const result = await bucketed({ ...query, fields: ['a'], from, to, everyMs: 2 * MINUTE });
        expect(result).toEqual({
          everyMs: 2 * MINUTE,
          fn: 'mean',
          buckets: [
            { time: at(0), values: { a: 6 } },
            { time: at(2 * MINUTE), values: { a: 7 } },
          ],
        });
      });

      it('chooses a window giving at most MAX_BUCKETS buckets over 30 days', async () => {
        const longFrom = new Date(base - 28 * DAY);
        const longTo = new Date(base + 2 * DAY);
        const result = await bucketed({ ...query, from: longFrom, to: longTo, fn: 'count' });
        expect(result.everyMs).toBe(autoWindowMs(longFrom, longTo));
        expect((longTo.getTime() - longFrom.getTime()) / result.everyMs).toBeLessThanOrEqual(MAX_BUCKETS);
        expect(result.buckets).toEqual([{ time: at(0), values: { a: points.length, b: 1 } }]);
      });

      it('returns no buckets for a range, robot or field without points', async () => {
        const empty = { everyMs: MINUTE, fn: 'mean', buckets: [] };
        expect(await bucketed({ ...query, from: at(-HOUR), to: at(0), everyMs: MINUTE })).toEqual(empty);
        expect(await bucketed({ ...query, robotId: robot('nobody'), from, to, everyMs: MINUTE })).toEqual(empty);
        expect(await bucketed({ ...query, fields: ['missing'], from, to, everyMs: MINUTE })).toEqual(empty);
        expect(await bucketed({ ...query, measurement: 'robot_location', from, to, everyMs: MINUTE })).toEqual(empty);
      });
    });

    it('filters history by tags', async () => {
      const id = robot('tags');
      const reading = (sensorType: string, value: number, offsetMs: number): TelemetryPoint => ({
        measurement: 'sensor_data',
        robotId: id,
        tags: { sensor_type: sensorType },
        fields: { value },
        time: at(offsetMs),
      });
      await store().write([
        reading('cpu_temperature', 50, 0),
        reading('cpu_temperature', 60, SECOND),
        reading('humidity', 10, 0),
      ]);
      const history = (tags?: Record<string, string>) =>
        bucketed({
          robotId: id,
          measurement: 'sensor_data',
          fields: ['value'],
          from: at(0),
          to: at(MINUTE),
          everyMs: MINUTE,
          tags,
        });
      expect((await history({ sensor_type: 'cpu_temperature' })).buckets).toEqual([
        { time: at(0), values: { value: 55 } },
      ]);
      expect((await history({ sensor_type: 'humidity' })).buckets).toEqual([{ time: at(0), values: { value: 10 } }]);
      expect((await history({ sensor_type: 'pressure' })).buckets).toEqual([]);
      expect((await history()).buckets).toEqual([{ time: at(0), values: { value: 40 } }]);
    });

    it('lists the robots seen in a range, sorted', async () => {
      const prefix = uniqueName('contract_seen');
      const [early, late, both] = [`${prefix}_c`, `${prefix}_a`, `${prefix}_b`];
      const point = (robotId: string, offsetMs: number, measurement: TelemetryPoint['measurement']): TelemetryPoint =>
        measurement === 'robot_location'
          ? { measurement, robotId, fields: { x: 1, y: 2, z: 0 }, time: at(offsetMs) }
          : {
              measurement: 'robot_logs',
              robotId,
              tags: { level: 'INFO' },
              fields: { message: 'hi' },
              time: at(offsetMs),
            };
      await store().write([
        point(early, HOUR, 'robot_location'),
        point(late, 3 * HOUR, 'robot_logs'),
        point(both, HOUR + 1, 'robot_logs'),
        point(both, 3 * HOUR, 'robot_location'),
      ]);
      const seen = async (fromMs: number, toMs: number) =>
        (await store().robotsSeen(at(fromMs), at(toMs))).filter((r) => r.startsWith(prefix));

      expect(await seen(0, 2 * HOUR)).toEqual([both, early]);
      expect(await seen(2 * HOUR, 4 * HOUR)).toEqual([late, both]);
      expect(await seen(0, 4 * HOUR)).toEqual([late, both, early]);
      expect(await seen(HOUR + 2, 3 * HOUR)).toEqual([]);
      expect(await seen(3 * HOUR + 1, 5 * HOUR)).toEqual([]);
    });

    it('keeps hostile robot ids, tags, field names and string values exactly', async () => {
      // Robot ids are at most 50 characters (robotIdSchema).
      const id = `${uniqueName('h')} "q",y=z 'a\\b é🤖`;
      const tags = { 'servo id,=x': `left "knee", =\\ 🦵 it's`, sensor_type: 'a=b c,d' };
      const fields = {
        'temp, °C="x" it\'s': 41.5,
        message: `say "hi" \\ it's\nsecond line\ttab \\"`,
        'ünïcode 🔋': true,
      };
      await store().write([{ measurement: 'sensor_data', robotId: id, tags, fields, time: at(5 * SECOND + 7) }]);

      expect(await store().latest(id, 'sensor_data')).toEqual([{ tags, fields, time: at(5 * SECOND + 7) }]);
      expect(await store().latest(id, 'sensor_data', { 'servo id,=x': tags['servo id,=x'] })).toHaveLength(1);
      expect(await store().latest(id, 'sensor_data', { 'servo id,=x': "left' OR ''='" })).toEqual([]);
      const { buckets } = await bucketed({
        robotId: id,
        measurement: 'sensor_data',
        fields: ['temp, °C="x" it\'s'],
        from: at(0),
        to: at(MINUTE),
        everyMs: MINUTE,
        tags,
      });
      expect(buckets).toEqual([{ time: at(0), values: { 'temp, °C="x" it\'s': 41.5 } }]);
      expect(await store().robotsSeen(at(5 * SECOND), at(5 * SECOND + 8))).toContain(id);
      // A quote in an id must not widen a query to other robots.
      expect(await store().latest(`${id}' OR robot_id =~ /.*/ OR robot_id = '`, 'sensor_data')).toEqual([]);
    });

    it('refuses points it cannot store, naming each, and stores none of the batch', async () => {
      const id = robot('refused');
      const point = (fields: TelemetryPoint['fields'], time = at(0)): TelemetryPoint => ({
        measurement: 'sensor_data',
        robotId: id,
        tags: { sensor_type: 'cpu_temperature' },
        fields,
        time,
      });
      const write = store().write([
        point({ value: 1 }),
        point({ value: Number.NaN }),
        point({}),
        point({ value: 2 }, new Date(Number.NaN)),
        point({ value: Number.POSITIVE_INFINITY }),
      ]);
      await expect(write).rejects.toMatchObject({
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'points[1].fields.value' }),
          expect.objectContaining({ path: 'points[2].fields' }),
          expect.objectContaining({ path: 'points[3].time' }),
          expect.objectContaining({ path: 'points[4].fields.value' }),
        ]) as unknown,
      });
      await expect(write).rejects.toThrow(/points\[1\]\.fields\.value/);
      expect(await store().latest(id, 'sensor_data')).toEqual([]);
    });

    it('keeps millisecond precision', async () => {
      const id = robot('ms');
      await store().write([
        { measurement: 'robot_location', robotId: id, fields: { x: 1 }, time: at(HOUR + 1) },
        { measurement: 'robot_location', robotId: id, fields: { x: 2 }, time: at(HOUR + 2) },
        { measurement: 'robot_location', robotId: id, fields: { x: 3 }, time: at(HOUR + 999) },
      ]);
      expect(await store().latest(id, 'robot_location')).toEqual([
        { tags: {}, fields: { x: 3 }, time: at(HOUR + 999) },
      ]);
      const history = await bucketed({
        robotId: id,
        measurement: 'robot_location',
        fields: ['x'],
        from: at(HOUR + 1),
        to: at(HOUR + 999),
        everyMs: 1,
        fn: 'last',
      });
      expect(history.buckets).toEqual([
        { time: at(HOUR + 1), values: { x: 1 } },
        { time: at(HOUR + 2), values: { x: 2 } },
      ]);
    });

    it('takes a batch of 20,000 points', async () => {
      const id = robot('bulk');
      const points: TelemetryPoint[] = Array.from({ length: 20_000 }, (_, i) => ({
        measurement: 'servo_data',
        robotId: id,
        tags: { servo_id: String(i % 10) },
        fields: { position: i, temperature: 30 + (i % 7) },
        time: at(6 * HOUR + Math.floor(i / 10) * SECOND),
      }));
      await store().write(points);

      const { buckets } = await bucketed({
        robotId: id,
        measurement: 'servo_data',
        fields: ['position'],
        from: at(6 * HOUR),
        to: at(7 * HOUR),
        everyMs: HOUR,
        fn: 'count',
      });
      expect(buckets).toEqual([{ time: at(6 * HOUR), values: { position: 20_000 } }]);
      const latest = byTags(await store().latest(id, 'servo_data'));
      expect(latest).toHaveLength(10);
      expect(latest[0]).toEqual({
        tags: { servo_id: '0' },
        fields: { position: 19_990, temperature: 30 + (19_990 % 7) },
        time: at(6 * HOUR + 1_999 * SECOND),
      });
    });
  });
}
