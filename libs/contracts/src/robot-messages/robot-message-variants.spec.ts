import { ROBOT_PAYLOAD_EXAMPLES, ROBOT_PAYLOAD_VARIANTS, robotExample } from './examples';
import { decodeRobotMessage, type DecodeResult, type RobotMessageOf } from './robot-message';
import type { RobotTimeOptions } from './robot-time';
import { ROBOT_MESSAGE_KINDS, type RobotMessageKind } from './robot-topics';

const RECEIVED = new Date('2026-01-24T10:31:00.000Z');
const OPTS: RobotTimeOptions = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };
const ID = 'tonypi_raspberrypi';

function decode(topic: string, payload: string | object): DecodeResult {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return decodeRobotMessage(topic, Buffer.from(text, 'utf8'), RECEIVED, OPTS);
}

function accepted<K extends RobotMessageKind>(kind: K, topic: string, payload: string | object): RobotMessageOf<K> {
  const result = decode(topic, payload);
  if (!result.ok) throw new Error(`rejected: ${result.reason}: ${result.detail}`);
  expect(result.message.kind).toBe(kind);
  return result.message as RobotMessageOf<K>;
}

function rejected(topic: string, payload: string | object) {
  const result = decode(topic, payload);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.message)}`);
  return result;
}

describe('decoding what other firmware sends', () => {
  it('reads numbers sent as numeric strings', () => {
    const sensor = accepted('sensors', 'tonypi/sensors/esp32_07', {
      sensor_type: 'ultrasonic_distance',
      value: ' 42.5 ',
    });
    expect(sensor.data.value).toBe(42.5);
    const battery = accepted('battery', 'tonypi/battery', { robot_id: 'esp32_07', percentage: '87', voltage: '3.95' });
    expect(battery.data).toMatchObject({ percentage: 87, voltage: 3.95 });
    const servos = accepted('servos', 'tonypi/servos/esp32_07', {
      servos: { servo_1: { id: '1', position: '-12.5', temperature: '41' } },
      servo_count: '1',
    });
    expect(servos.data.servos.servo_1).toEqual({ id: 1, position: -12.5, temperature: 41 });
    expect(servos.data.servo_count).toBe(1);
    const job = accepted('job', 'tonypi/job/esp32_07', { status: 'in_progress', items_done: '3', percent: '1e1' });
    expect(job.data).toMatchObject({ items_done: 3, percent: 10 });
  });

  it('takes the time from epoch numbers or zoned ISO strings, and flags a missing or odd one', () => {
    expect(
      accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: 1769250645 }).time,
    ).toEqual(new Date('2026-01-24T10:30:45.000Z'));
    expect(
      accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: '1769250645123' }).time,
    ).toEqual(new Date('2026-01-24T10:30:45.123Z'));
    expect(
      accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: '2026-01-24T18:30:45+08:00' })
        .time,
    ).toEqual(new Date('2026-01-24T10:30:45.000Z'));
    expect(accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1 })).toMatchObject({
      time: RECEIVED,
      clock: 'missing',
    });
    expect(accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: 'soon' })).toMatchObject({
      time: RECEIVED,
      clock: 'invalid',
    });
    expect(
      accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: '2026-01-24T11:30:00' }),
    ).toMatchObject({ time: RECEIVED, clock: 'ahead' });
    // A timestamp of the wrong type is flagged like an unreadable one: the reading itself is good.
    expect(accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: true })).toMatchObject({
      time: RECEIVED,
      clock: 'invalid',
    });
    expect(
      accepted('sensors', 'tonypi/sensors/r1', { sensor_type: 't', value: 1, timestamp: '2026-01-20T10:00:00' }),
    ).toMatchObject({ time: RECEIVED, clock: 'behind' });
  });

  it("reads Python's NaN and Infinity as null: refused where a number is required, accepted where null is", () => {
    const sensor = rejected('tonypi/sensors/r1', '{"sensor_type": "imu", "value": NaN, "unit": "NaN"}');
    expect(sensor).toEqual({
      ok: false,
      reason: 'schema',
      detail: 'value: expected a number, got null',
      robotId: 'r1',
    });
    const vision = accepted(
      'vision',
      'tonypi/vision/r1',
      '{"confidence": NaN, "error": -Infinity, "label": "NaN \\" Infinity"}',
    );
    expect(vision.data).toMatchObject({ confidence: null, error: null, label: 'NaN " Infinity' });
  });

  it('accepts a payload robot_id equal to the topic id, and a topic-only id', () => {
    expect(accepted('logs', 'tonypi/logs/r1', { robot_id: 'r1', message: 'x' }).robotId).toBe('r1');
    expect(accepted('logs', 'tonypi/logs/r1', { robot_id: null, message: 'x' }).robotId).toBe('r1');
  });
});

describe('examples', () => {
  it.each(ROBOT_MESSAGE_KINDS)('the %s example decodes as sent by the client', (kind) => {
    const { topic, payload } = robotExample(kind);
    const message = accepted(kind, topic, payload);
    expect(message).toMatchObject({ robotId: ID, time: new Date('2026-01-24T10:30:45.123Z'), clock: 'ok' });
  });

  it.each(Object.entries(ROBOT_PAYLOAD_VARIANTS))('the %s variant decodes', (_name, variant) => {
    const { topic, payload } = robotExample(variant.kind, { payload: variant.payload });
    expect(decode(topic, payload).ok).toBe(true);
  });

  it('gives an example for another robot and time without touching the original', () => {
    const at = new Date('2026-01-24T10:30:59.5Z');
    const { topic, payload } = robotExample('battery', { robotId: 'r9', at });
    expect(topic).toBe('tonypi/battery');
    expect(payload).toMatchObject({ robot_id: 'r9', timestamp: '2026-01-24T10:30:59.500000' });
    expect(ROBOT_PAYLOAD_EXAMPLES.battery.robot_id).toBe(ID);
    expect(accepted('battery', topic, payload)).toMatchObject({ robotId: 'r9', time: at, clock: 'ok' });
    expect(robotExample('servos', { robotId: 'r9' }).topic).toBe('tonypi/servos/r9');
  });
});
