import { Point } from '@influxdata/influxdb-client';
import { LineProtocolError, storedName, toLineProtocol } from './line-protocol';
import type { FieldValue, TelemetryPoint } from './telemetry-store';

const time = new Date('2026-01-24T10:30:45.123Z');
const ms = time.getTime();

function point(overrides: Partial<TelemetryPoint> = {}): TelemetryPoint {
  return { measurement: 'sensor_data', robotId: 'tonypi_01', fields: { value: 1 }, time, ...overrides };
}

/** The same point through `@influxdata/influxdb-client`, numbers as floats, time in milliseconds. */
function oracle(p: TelemetryPoint): string | undefined {
  const q = new Point(p.measurement).tag('robot_id', p.robotId).timestamp(p.time);
  for (const [key, value] of Object.entries(p.tags ?? {})) q.tag(key, value);
  for (const [key, value] of Object.entries(p.fields)) {
    if (typeof value === 'number') q.floatField(key, value);
    else if (typeof value === 'string') q.stringField(key, value);
    else q.booleanField(key, value);
  }
  return q.toLineProtocol({ convertTime: (t) => String((t as Date).getTime()) });
}

/** A small deterministic generator, so a failure names the same case every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/** Characters that break naive line protocol, and some that must pass through untouched. */
const HOSTILE = ['a', 'Z', '0', '_', ' ', ',', '=', '"', "'", '\\', '\n', '\r', 'é', 'ü', '°', '🤖', '🦵', '#', '*'];

function hostileName(next: () => number): string {
  const length = 1 + Math.floor(next() * 12);
  let name = '';
  for (let i = 0; i < length; i++) name += HOSTILE[Math.floor(next() * HOSTILE.length)] ?? 'a';
  // A trailing backslash cannot be carried at all (the client writes a broken line); checked on its own below.
  return name.endsWith('\\') ? `${name}x` : name;
}

describe('toLineProtocol', () => {
  it('writes measurement, sorted tags with robot_id, sorted fields and a millisecond timestamp', () => {
    const line = toLineProtocol(
      point({
        measurement: 'servo_data',
        tags: { servo_name: 'left_knee', servo_id: '3', alert: 'none' },
        fields: { voltage: 7.4, position: 512, torque_enabled: true, name: 'left knee' },
      }),
    );
    expect(line).toBe(
      `servo_data,alert=none,robot_id=tonypi_01,servo_id=3,servo_name=left_knee ` +
        `name="left knee",position=512,torque_enabled=T,voltage=7.4 ${ms}`,
    );
  });

  it('writes numbers as floats always, so a field never changes type', () => {
    const line = toLineProtocol(point({ fields: { a: 1, b: 1.5, c: -3, d: 1e21, e: 5e-7, f: 2 ** 53 + 2 } }));
    expect(line).toBe(`sensor_data,robot_id=tonypi_01 a=1,b=1.5,c=-3,d=1e+21,e=5e-7,f=9007199254740994 ${ms}`);
    expect(line).not.toMatch(/\di\b/);
  });

  it('writes booleans and escapes quotes and backslashes in strings, keeping line breaks', () => {
    expect(toLineProtocol(point({ fields: { ok: false, msg: 'say "hi"\\ \\"\nnext\r\nline', empty: '' } }))).toBe(
      `sensor_data,robot_id=tonypi_01 empty="",msg="say \\"hi\\"\\\\ \\\\\\"\nnext\r\nline",ok=F ${ms}`,
    );
  });

  it('escapes commas, equals signs and spaces in tag keys, tag values and field keys', () => {
    expect(
      toLineProtocol(point({ robotId: 'robot 1,x=y', tags: { 'a key,=': 'a value,=' }, fields: { 'f k,=': 1 } })),
    ).toBe(`sensor_data,a\\ key\\,\\==a\\ value\\,\\=,robot_id=robot\\ 1\\,x\\=y f\\ k\\,\\==1 ${ms}`);
  });

  it('keeps quotes, tabs, unicode and inner backslashes in names as they are', () => {
    expect(toLineProtocol(point({ robotId: `r"'\t\\b é🤖`, tags: { k: 'a\\,b' } }))).toBe(
      `sensor_data,k=a\\\\,b,robot_id=r"'\t\\b\\ é🤖 value=1 ${ms}`,
    );
  });

  it('writes line breaks in names as \\n and \\r, and a trailing backslash as ＼', () => {
    expect(toLineProtocol(point({ robotId: 'a\nb\rc', tags: { 'k\\': 'v\\\\' }, fields: { 'f\n\\': 1 } }))).toBe(
      `sensor_data,k＼=v\\＼,robot_id=a\\nb\\rc f\\n＼=1 ${ms}`,
    );
  });

  it('agrees with @influxdata/influxdb-client on hostile names and values', () => {
    const next = random(20_260_124);
    for (let i = 0; i < 2_000; i++) {
      const fields: Record<string, FieldValue> = {};
      const tags: Record<string, string> = {};
      for (let j = 0; j < 3; j++) {
        const value = next();
        fields[hostileName(next)] = value < 0.3 ? value * 1e6 - 5e5 : value < 0.6 ? hostileName(next) : value < 0.8;
        tags[hostileName(next)] = hostileName(next);
      }
      delete tags.robot_id;
      delete tags.time;
      delete fields.time;
      const p = point({ robotId: hostileName(next), tags, fields, time: new Date(Math.floor(next() * 2 ** 41)) });
      expect([i, toLineProtocol(p)]).toEqual([i, oracle(p)]);
    }
  });

  it.each<[string, Partial<TelemetryPoint>, string]>([
    ['NaN', { fields: { value: Number.NaN } }, 'fields.value must be a finite number'],
    ['Infinity', { fields: { ok: 1, value: -Infinity } }, 'fields.value must be a finite number'],
    ['no fields', { fields: {} }, 'fields must have at least one field'],
    [
      'a null field',
      { fields: { value: null as unknown as number } },
      'fields.value must be a number, a string or a boolean',
    ],
    [
      'an object field',
      { fields: { value: {} as unknown as number } },
      'fields.value must be a number, a string or a boolean',
    ],
    ['an empty field key', { fields: { '': 1 } }, 'fields must not have an empty key'],
    ['a field named time', { fields: { time: 1 } }, 'fields.time is a name InfluxDB reserves'],
    ['an empty tag key', { tags: { '': 'x' } }, 'tags must not have an empty key'],
    ['a tag named time', { tags: { time: 'x' } }, 'tags.time is a name InfluxDB reserves'],
    ['an empty tag value', { tags: { servo_id: '' } }, 'tags.servo_id must be a non-empty string'],
    ['another robot_id tag', { tags: { robot_id: 'other' } }, 'tags.robot_id must equal robotId when given'],
    ['an empty robot id', { robotId: '' }, 'robotId must be a non-empty string'],
    ['an invalid time', { time: new Date(Number.NaN) }, 'time must be a valid date between 1677 and 2262'],
    ['a time past 2262', { time: new Date('2263-01-01T00:00:00Z') }, 'time must be a valid date between 1677 and 2262'],
  ])('refuses %s, naming it', (_case, overrides, message) => {
    expect(() => toLineProtocol(point(overrides))).toThrow(LineProtocolError);
    expect(() => toLineProtocol(point(overrides))).toThrow(message);
  });

  it('accepts a robot_id tag equal to robotId, writing it once', () => {
    expect(toLineProtocol(point({ tags: { robot_id: 'tonypi_01' } }))).toBe(
      `sensor_data,robot_id=tonypi_01 value=1 ${ms}`,
    );
  });
});

describe('storedName', () => {
  it('is the name as InfluxDB keeps it', () => {
    expect(storedName('servo_id')).toBe('servo_id');
    expect(storedName('a b,c=d "e" \\f')).toBe('a b,c=d "e" \\f');
    expect(storedName('a\nb\r')).toBe('a\\nb\\r');
    expect(storedName('a\\')).toBe('a＼');
  });
});
