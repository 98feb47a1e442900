import { InvalidInputError } from '@fleet/contracts';
import { minuteAggregates, parseSeriesKey, preparePoints, seriesKey } from './postgres-telemetry.points';
import type { TelemetryPoint } from './telemetry-store';

const MINUTE = 60_000;

describe('series keys', () => {
  it('sorts tags by key and leaves an untagged series empty', () => {
    expect(seriesKey({ servo_name: 'left_knee', servo_id: '3' })).toBe('servo_id=3,servo_name=left_knee');
    expect(seriesKey({})).toBe('');
    expect(seriesKey(undefined)).toBe('');
    expect(parseSeriesKey('')).toEqual({});
  });

  it('escapes separators so one pair never matches across another', () => {
    const tags = { 'a,b': 'x=y', c: '100%', d: '%2C', e: '' };
    const key = seriesKey(tags);
    expect(key).toBe('a%2Cb=x%3Dy,c=100%25,d=%252C,e=');
    expect(parseSeriesKey(key)).toEqual(tags);
    expect(`,${seriesKey({ a: 'x,k=v' })},`).not.toContain(',k=v,');
  });
});

describe('preparePoints', () => {
  const time = new Date('2026-03-10T10:00:00Z');
  const point = (fields: TelemetryPoint['fields'], extra: Partial<TelemetryPoint> = {}): TelemetryPoint => ({
    measurement: 'battery_status',
    robotId: 'tonypi_01',
    fields,
    time,
    ...extra,
  });

  it('folds points of one series and time into one, later fields winning', () => {
    const rows = preparePoints(
      [point({ percentage: 50, voltage: 7.4 }), point({ percentage: 51 }), point({ percentage: 1 }, { robotId: 'b' })],
      0,
    );
    expect(rows).toEqual([
      {
        robotId: 'tonypi_01',
        measurement: 'battery_status',
        series: '',
        time: time.getTime(),
        fields: { percentage: 51, voltage: 7.4 },
      },
      { robotId: 'b', measurement: 'battery_status', series: '', time: time.getTime(), fields: { percentage: 1 } },
    ]);
  });

  it('rejects the whole batch, naming every bad point', () => {
    const attempt = () =>
      preparePoints(
        [
          point({ percentage: 50 }),
          point({}, { measurement: 'weather' as TelemetryPoint['measurement'] }),
          point({ note: 'bad \uD800 half' }, { time: new Date('2026-03-01T00:00:00Z'), tags: { servo_id: '' } }),
          point({ percentage: 1 }, { tags: { k: 'v'.repeat(200) } }),
        ],
        Date.parse('2026-03-07T00:00:00Z'),
      );
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(/^telemetry points rejected: points\[1\]\.measurement must be one of sensor_data, /);
    const issues = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as InvalidInputError).issues.map((i) => i.path);
      }
      return [];
    })();
    expect(issues).toEqual([
      'points[1].measurement',
      'points[1].fields',
      'points[2].tags.servo_id',
      'points[2].fields.note',
      'points[2].time',
      'points[3].tags',
    ]);
  });
});

describe('minuteAggregates', () => {
  it('aggregates numeric fields per series and minute, last by time whatever the order', () => {
    const t0 = Date.parse('2026-03-10T10:00:00Z');
    const row = (offsetMs: number, fields: Record<string, number | string>, series = '') => ({
      robotId: 'r1',
      measurement: 'robot_status' as const,
      series,
      time: t0 + offsetMs,
      fields,
    });
    const { minutes, minuteOf, aggregates } = minuteAggregates([
      row(30_000, { cpu: 5, state: 'ok' }),
      row(10_000, { cpu: 9 }),
      row(50_000, { cpu: 1, mem: 40 }, 'k=v'),
      row(70_000, { cpu: 2 }),
    ]);
    expect(minutes).toEqual([
      { robotId: 'r1', measurement: 'robot_status', series: '', minute: t0 },
      { robotId: 'r1', measurement: 'robot_status', series: 'k=v', minute: t0 },
      { robotId: 'r1', measurement: 'robot_status', series: '', minute: t0 + MINUTE },
    ]);
    expect(minuteOf).toEqual([0, 0, 1, 2]);
    expect(aggregates).toEqual([
      [0, 'r1', 'robot_status', '', 'cpu', t0, 2, 14, 5, 9, 5, t0 + 30_000],
      [1, 'r1', 'robot_status', 'k=v', 'cpu', t0, 1, 1, 1, 1, 1, t0 + 50_000],
      [1, 'r1', 'robot_status', 'k=v', 'mem', t0, 1, 40, 40, 40, 40, t0 + 50_000],
      [2, 'r1', 'robot_status', '', 'cpu', t0 + MINUTE, 1, 2, 2, 2, 2, t0 + 70_000],
    ]);
  });
});
