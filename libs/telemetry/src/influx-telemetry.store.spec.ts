import { InvalidInputError } from '@fleet/contracts';
import { InfluxHttp } from './influx-http';
import {
  historyStatement,
  influxqlIdentifier,
  influxqlString,
  InfluxTelemetryStore,
  latestStatement,
  parseGoDuration,
  robotsSeenStatement,
} from './influx-telemetry.store';
import { MEASUREMENTS, type HistoryQuery } from './telemetry-store';

const from = new Date('2026-01-24T10:00:00.000Z');
const to = new Date('2026-01-24T11:00:00.000Z');

describe('InfluxQL quoting', () => {
  it('quotes identifiers in double quotes, escaping quotes and backslashes', () => {
    expect(influxqlIdentifier('servo_id')).toBe('"servo_id"');
    expect(influxqlIdentifier('temp, °C="x" it\'s \\ 🤖')).toBe('"temp, °C=\\"x\\" it\'s \\\\ 🤖"');
  });

  it('quotes strings in single quotes, so a robot id cannot widen a query', () => {
    expect(influxqlString('tonypi_01')).toBe("'tonypi_01'");
    expect(influxqlString("x' OR robot_id =~ /.*/ OR robot_id = '")).toBe(
      "'x\\' OR robot_id =~ /.*/ OR robot_id = \\''",
    );
    expect(influxqlString("a\\' OR 1=1")).toBe("'a\\\\\\' OR 1=1'");
  });

  it('names what line protocol stored: line breaks as \\n and \\r, a trailing backslash as ＼', () => {
    expect(influxqlString('a\nb\r\\')).toBe("'a\\\\nb\\\\r＼'");
    expect(influxqlIdentifier('k\n')).toBe('"k\\\\n"');
  });
});

describe('latestStatement', () => {
  it('reads the newest whole point of each series of the robot', () => {
    expect(latestStatement('tonypi_01', 'servo_data')).toBe(
      `SELECT * FROM "servo_data" WHERE "robot_id" = 'tonypi_01' GROUP BY * ORDER BY time DESC LIMIT 1`,
    );
  });

  it('keeps only the series with the given tags', () => {
    expect(latestStatement("it's", 'servo_data', { servo_id: '3', 'odd"key': "v'" })).toBe(
      `SELECT * FROM "servo_data" WHERE "robot_id" = 'it\\'s' AND "servo_id" = '3' AND "odd\\"key" = 'v\\'' ` +
        'GROUP BY * ORDER BY time DESC LIMIT 1',
    );
  });
});

describe('historyStatement', () => {
  const query: HistoryQuery = { robotId: 'tonypi_01', measurement: 'robot_status', fields: [], from, to };

  it.each([
    ['mean', 'mean'],
    ['min', 'min'],
    ['max', 'max'],
    ['last', 'last'],
    ['count', 'count'],
  ] as const)('aggregates with %s over epoch-aligned buckets, leaving out empty ones', (fn, influxFn) => {
    expect(historyStatement(query, ['cpu_percent', 'memory percent'], 60_000, fn)).toBe(
      `SELECT ${influxFn}("cpu_percent"), ${influxFn}("memory percent") FROM "robot_status" ` +
        `WHERE "robot_id" = 'tonypi_01' AND time >= ${from.getTime()}ms AND time < ${to.getTime()}ms ` +
        'GROUP BY time(60000ms) fill(none)',
    );
  });

  it('filters by tags', () => {
    const statement = historyStatement(
      { ...query, measurement: 'sensor_data', tags: { sensor_type: 'cpu_temperature' } },
      ['value'],
      1_000,
      'max',
    );
    expect(statement).toContain(`WHERE "robot_id" = 'tonypi_01' AND "sensor_type" = 'cpu_temperature' AND time >= `);
  });
});

describe('robotsSeenStatement', () => {
  it('reads one point per robot and measurement inside the range', () => {
    const statements = robotsSeenStatement(from, to).split('; ');
    expect(statements).toHaveLength(MEASUREMENTS.length);
    expect(statements[0]).toBe(
      `SELECT * FROM "sensor_data" WHERE time >= ${from.getTime()}ms AND time < ${to.getTime()}ms ` +
        'GROUP BY "robot_id" LIMIT 1',
    );
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['168h0m0s', 7 * 86_400_000],
    ['48h0m0s', 48 * 3_600_000],
    ['1h30m15s', 5_415_000],
    ['0s', 0],
    ['1.5s', 1_500],
  ])('reads %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it('refuses what is not a duration', () => {
    expect(() => parseGoDuration('7 days')).toThrow('not a duration: "7 days"');
  });
});

describe('InfluxTelemetryStore', () => {
  // Never contacted: these cases fail before any request.
  const http = new InfluxHttp({ url: 'http://127.0.0.1:1' });
  const store = new InfluxTelemetryStore(http, { database: 'robot_metrics' });

  it('names its target without credentials', () => {
    const withUser = new InfluxHttp({ url: 'http://fleet:secret@influx.example:8086/', username: 'u', password: 'p' });
    expect(new InfluxTelemetryStore(withUser, { database: 'robot_metrics' }).target).toBe(
      'http://influx.example:8086 (database robot_metrics)',
    );
  });

  it.each(['7', '7x', 'forever', ''])('refuses the retention %j', (retention) => {
    expect(() => new InfluxTelemetryStore(http, { database: 'robot_metrics', retention })).toThrow(
      /retention must be a duration like '7d', '48h' or 'INF'/,
    );
  });

  it('refuses an invalid history query, naming each problem', async () => {
    const query = {
      robotId: 'r1',
      measurement: 'robot_status',
      fields: [],
      from: new Date(Number.NaN),
      to,
      everyMs: 0.5,
      fn: 'median',
    } as unknown as HistoryQuery;
    const result = store.history(query);
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toThrow(
      'invalid history query: fn must be one of mean, min, max, last, count; fields must name at least one field; ' +
        'from must be a valid date; everyMs must be a positive whole number of milliseconds',
    );
  });

  it('answers an empty range without asking the server', async () => {
    await expect(
      store.history({ robotId: 'r1', measurement: 'robot_status', fields: ['a'], from: to, to: from }),
    ).resolves.toEqual({ everyMs: 1_000, fn: 'mean', times: [], values: { a: [] } });
    await expect(store.robotsSeen(to, from)).resolves.toEqual([]);
  });

  it('refuses points it cannot store before sending anything, naming each', async () => {
    const time = new Date();
    const write = store.write([
      { measurement: 'robot_status', robotId: 'r1', fields: { ok: 1 }, time },
      { measurement: 'unknown' as 'robot_status', robotId: 'r1', fields: { v: 1 }, time },
      { measurement: 'robot_status', robotId: 'r1', fields: { v: Number.NaN }, time },
    ]);
    await expect(write).rejects.toMatchObject({
      issues: [
        { path: 'points[1].measurement', message: expect.stringMatching(/^must be one of sensor_data, /) as unknown },
        { path: 'points[2].fields.v', message: 'must be a finite number' },
      ],
    });
  });
});
