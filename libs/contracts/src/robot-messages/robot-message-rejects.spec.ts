import { decodeRobotMessage, REJECT_REASONS, type DecodeResult } from './robot-message';
import type { RobotTimeOptions } from './robot-time';

const RECEIVED = new Date('2026-01-24T10:31:00.000Z');
const OPTS: RobotTimeOptions = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };

function decode(topic: string, payload: string | object): DecodeResult {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return decodeRobotMessage(topic, Buffer.from(text, 'utf8'), RECEIVED, OPTS);
}

function rejected(topic: string, payload: string | object) {
  const result = decode(topic, payload);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.message)}`);
  return result;
}

describe('refusing messages', () => {
  it('lists every reason, including those ingest decides', () => {
    expect(REJECT_REASONS).toEqual([
      'bad_json',
      'not_an_object',
      'unknown_topic',
      'schema',
      'robot_mismatch',
      'missing_robot_id',
      'oversize',
      'unknown_robot',
    ]);
  });

  it('bad_json: not JSON, or nothing at all', () => {
    expect(rejected('tonypi/sensors/r1', "{'robot_id': 'r1'}")).toMatchObject({
      reason: 'bad_json',
      detail: expect.stringMatching(/^not JSON: /) as string,
      robotId: 'r1',
    });
    expect(rejected('tonypi/battery', '')).toEqual({
      ok: false,
      reason: 'bad_json',
      detail: 'empty payload: expected a JSON object',
    });
    expect(rejected('tonypi/battery', '{"robot_id": "r1", "percentage": 5').reason).toBe('bad_json');
  });

  it.each([
    ['[1, 2]', 'expected a JSON object, got an array'],
    ['42', 'expected a JSON object, got 42'],
    ['null', 'expected a JSON object, got null'],
    ['"online"', 'expected a JSON object, got "online"'],
  ])('not_an_object: %s', (payload, detail) => {
    expect(rejected('tonypi/status/r1', payload)).toEqual({
      ok: false,
      reason: 'not_an_object',
      detail,
      robotId: 'r1',
    });
  });

  it.each([
    ['tonypi/commands/r1', "no robot message is published on 'tonypi/commands/r1'"],
    ['tonypi/sensors', "no robot message is published on 'tonypi/sensors'"],
    ['factory/robots/r1', "no robot message is published on 'factory/robots/r1'"],
    ['tonypi/sensors/r 1', 'robot id "r 1" in the topic is not a valid robot id'],
    ['tonypi/sensors/broadcast', 'robot id "broadcast" in the topic is reserved'],
  ])('unknown_topic: %s', (topic, detail) => {
    const result = rejected(topic, { sensor_type: 't', value: 1 });
    expect(result.reason).toBe('unknown_topic');
    expect(result.detail).toContain(detail);
    expect(result.robotId).toBeUndefined();
  });

  it.each([
    ['sensors', { sensor_type: 'cpu_temperature', value: 'abc' }, 'value: expected a number, got "abc"'],
    ['sensors', { sensor_type: 'cpu_temperature' }, 'value: required: expected a number'],
    ['sensors', { value: 1 }, 'sensor_type: required: expected a string'],
    ['sensors', { sensor_type: 'cpu temp', value: 1 }, 'sensor_type: letters, digits and _ . : / - only'],
    [
      'status',
      { status: 'busy' },
      'status: expected "online" or "offline" or "error" or "maintenance" or "emergency_stopped", got "busy"',
    ],
    [
      'status',
      { status: 'online', system_info: { cpu_percent: 'high' } },
      'system_info.cpu_percent: expected a number, got "high"',
    ],
    [
      'status',
      { status: 'online', emergency_stopped: 'no' },
      'emergency_stopped: expected a boolean (true or false), got "no"',
    ],
    [
      'servos',
      { servos: { servo_1: { temperature: [45] } } },
      'servos.servo_1.temperature: expected a number, got an array',
    ],
    ['servos', { servos: { servo_1: { id: 1.5 } } }, 'servos.servo_1.id: expected an integer, got 1.5'],
    ['servos', { servos: 'none' }, 'servos: expected an object, got "none"'],
    ['servos', { servos: { ['k'.repeat(70)]: {} } }, `servos.${'k'.repeat(40)}…: servo keys are 1 to 64 characters`],
    ['vision', { bbox: [1, 2, 3] }, 'bbox: at least 4 items'],
    ['vision', { bbox: 'full frame' }, 'bbox: expected [x1, y1, x2, y2] or {x1, y1, x2, y2}, got "full frame"'],
    [
      'logs',
      { level: 'LOUD', message: 'x' },
      'level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "LOUD"',
    ],
    ['logs', { level: 'INFO' }, 'message: required: expected a string'],
    ['job', { task_name: 'Peeling' }, 'status: required unless percent or progress_percent is given'],
    ['job', { status: 'in_progress', items_done: '3.5' }, 'items_done: expected an integer, got "3.5"'],
    ['scan', { station_name: 'A' }, 'qr: required: one of qr, qr_data or qr_code'],
    ['scan', { qr: '' }, 'qr: must not be empty'],
  ])('schema (%s): %j → %s', (kind, payload, detail) => {
    const result = rejected(`tonypi/${kind}/r1`, payload);
    expect(result.reason).toBe('schema');
    expect(result.detail).toContain(detail);
    expect(result.robotId).toBe('r1');
  });

  it('schema: names every failing field, briefly, and refuses infinite or absurd numbers', () => {
    const result = rejected('tonypi/battery', { robot_id: 'r1', percentage: 'full', voltage: '1e999', charging: 'no' });
    expect(result).toEqual({
      ok: false,
      reason: 'schema',
      detail:
        'percentage: expected a number, got "full"; voltage: expected a number, got "1e999"; ' +
        'charging: expected a boolean (true or false), got "no"',
      robotId: 'r1',
    });
    const many = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`servo_${i}`, { position: 'x'.repeat(100) }]),
    );
    const long = rejected('tonypi/servos/r1', { servos: many });
    expect(long.detail.length).toBeLessThan(500);
    expect(long.detail).toMatch(/^servos\.servo_0\.position: expected a number, got "x{40}…"/);
  });

  it('schema: a payload robot id that is not a valid or usable id', () => {
    expect(rejected('tonypi/battery', { robot_id: 'bad id', percentage: 50 })).toMatchObject({
      reason: 'schema',
      detail: 'robot_id: letters, digits and _ . : - only',
    });
    expect(rejected('tonypi/battery', { robot_id: 7, percentage: 50 })).toMatchObject({
      reason: 'schema',
      detail: 'robot_id: expected a string, got 7',
    });
    expect(rejected('tonypi/location', { robot_id: 'broadcast', x: 1, y: 2 })).toEqual({
      ok: false,
      reason: 'schema',
      detail: 'robot_id: "broadcast" is reserved',
    });
  });

  it('robot_mismatch: a payload robot_id that contradicts the topic', () => {
    expect(rejected('tonypi/sensors/r1', { robot_id: 'r2', sensor_type: 't', value: 1 })).toEqual({
      ok: false,
      reason: 'robot_mismatch',
      detail: 'robot_id "r2" differs from "r1" in the topic',
      robotId: 'r1',
    });
  });

  it.each([
    ['tonypi/battery', { percentage: 50 }],
    ['tonypi/location', { robot_id: null, x: 1, y: 2 }],
    ['tonypi/commands/response', { robot_id: '', success: true }],
    ['tonypi/emergency_stop/response', { success: true, type: 'emergency_stop' }],
  ])('missing_robot_id: %s %j', (topic, payload) => {
    const result = rejected(topic, payload);
    expect(result).toEqual({
      ok: false,
      reason: 'missing_robot_id',
      detail: expect.stringMatching(/^robot_id: required on /) as string,
    });
  });
});
