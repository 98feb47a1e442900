import { decodeRobotMessage, robotExample, ROBOT_PAYLOAD_EXAMPLES, type RobotMessageKind } from '@fleet/contracts';
import type { BufferedMessage } from './buffer/record-codec';
import { planBatch, type Decoded, type RegistryView } from './batch-planner';
import { storable } from './storable';

const RECEIVED = Date.UTC(2026, 0, 24, 10, 30, 46);
const robotTime = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };

function buffered(seq: number, topic: string, payload: unknown, receivedAt = RECEIVED + seq): BufferedMessage {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { seq, receivedAt, qos: 1, topic, payload: bytes, size: bytes.length };
}

function example(seq: number, kind: RobotMessageKind, robotId = 'tonypi_01', at = new Date(RECEIVED - 1000)) {
  const { topic, payload } = robotExample(kind, { robotId, at });
  return buffered(seq, topic, payload);
}

function registry(
  known: Record<string, string | undefined> = {},
  sightings: Record<string, number> = {},
): RegistryView {
  return {
    isKnown: (id) => id in known,
    status: (id) => known[id],
    sightingWrittenAt: (id) => sightings[id],
  };
}

const decode = (message: BufferedMessage): Decoded => {
  const result = decodeRobotMessage(message.topic, message.payload, new Date(message.receivedAt), robotTime);
  if (!result.ok) return result;
  return {
    ok: true,
    message: {
      ...result.message,
      data: result.message.data,
      receivedAt: new Date(message.receivedAt),
    },
  };
};

const options = { logId: 'log1', autoRegister: true, maxMessageBytes: 262_144, sightingIntervalMs: 1_000, decode };

describe('planBatch', () => {
  it('turns every TonyPi topic into its points, one event per message, keyed by the buffer position', () => {
    const kinds = Object.keys(ROBOT_PAYLOAD_EXAMPLES) as RobotMessageKind[];
    const plan = planBatch(
      kinds.map((kind, i) => example(i, kind)),
      registry({ tonypi_01: 'online' }),
      options,
    );
    expect(plan.rejected.size).toBe(0);
    expect(plan.accepted).toBe(kinds.length);
    expect(plan.events.map((e) => e.kind)).toEqual(kinds);
    expect(plan.events[0]).toMatchObject({
      messageKey: 'log1:0',
      robotId: 'tonypi_01',
      clock: 'ok',
      time: '2026-01-24T10:30:45.000Z',
    });
    const byMeasurement = (m: string) => plan.points.filter((p) => p.measurement === m);
    expect(byMeasurement('sensor_data')).toEqual([
      {
        measurement: 'sensor_data',
        robotId: 'tonypi_01',
        time: new Date(RECEIVED - 1000),
        tags: { sensor_type: 'accelerometer_z' },
        fields: { value: 9.812, unit: 'm/s^2' },
      },
    ]);
    expect(byMeasurement('servo_data')).toHaveLength(6);
    expect(byMeasurement('servo_data')[3]).toMatchObject({
      tags: { servo_id: '4', servo_name: 'Right Knee' },
      fields: { temperature: 63, voltage: 4.97, alert_level: 'warning', torque_enabled: true },
    });
    expect(byMeasurement('robot_status')[0]?.fields).toMatchObject({
      system_cpu_percent: 23.5,
      system_memory_percent: 41.2,
      system_temperature: 52.6,
      status: 'online',
    });
    expect(byMeasurement('battery_status')[0]?.fields).toEqual({ percentage: 87.3, voltage: 12.08, charging: false });
    expect(byMeasurement('robot_location')[0]?.fields).toEqual({ x: 1.5, y: -0.5, z: 0 });
    expect(byMeasurement('vision_data')[0]?.fields).toMatchObject({
      detection: true,
      label: 'cardboard',
      confidence: 0.87,
      bbox: '[120,80,360,300]',
    });
    expect(byMeasurement('robot_logs')[0]).toMatchObject({
      tags: { level: 'INFO' },
      fields: { message: 'Robot running normally. Cycle: 300' },
    });
    expect(byMeasurement('job_progress')[0]?.fields).toMatchObject({
      task_name: 'Peeling',
      items_done: 3,
      progress_percent: 30,
    });
  });

  it('text Postgres cannot hold (NUL) is kept readable in the point and the log line, not refused', () => {
    const line = buffered(3, 'tonypi/logs/tonypi_01', { level: 'ERROR', message: 'bad\u0000byte', source: 'x\u0000' });
    const plan = planBatch([line], registry({ tonypi_01: 'online' }), options);
    expect(plan.points[0]?.fields).toMatchObject({ message: 'bad\uFFFDbyte', source: 'x\uFFFD' });
    expect(plan.logs[0]).toMatchObject({ message: 'bad\uFFFDbyte', level: 'ERROR' });
  });

  it("renames a job or vision key 'time', which InfluxDB reserves for the timestamp, instead of losing the point", () => {
    const job = buffered(4, 'tonypi/job/tonypi_01', { status: 'in_progress', progress_percent: 10, time: 12.5 });
    const plan = planBatch([job], registry({ tonypi_01: 'online' }), options);
    expect(plan.points[0]?.fields).toMatchObject({ time_value: 12.5, progress_percent: 10 });
    expect(plan.points[0]?.fields).not.toHaveProperty('time');
  });

  it('robot log lines become system logs (category robot) keyed by message', () => {
    const plan = planBatch([example(7, 'logs')], registry({ tonypi_01: 'online' }), options);
    expect(plan.logs).toEqual([
      expect.objectContaining({
        level: 'INFO',
        category: 'robot',
        robot_id: 'tonypi_01',
        message: 'Robot running normally. Cycle: 300',
        message_key: 'log1:7',
      }),
    ]);
  });

  it('answers a scan on the robot items topic', () => {
    const plan = planBatch([example(1, 'scan')], registry({ tonypi_01: 'online' }), options);
    expect(plan.replies).toEqual([
      {
        topic: 'tonypi/items/tonypi_01',
        payload: expect.objectContaining({ robot_id: 'tonypi_01', qr: 'STATION_A' }) as unknown,
      },
    ]);
  });

  it('rejects bad messages with a reason and keeps the good ones around them', () => {
    const plan = planBatch(
      [
        example(0, 'battery'),
        buffered(1, 'tonypi/sensors/tonypi_01', '{not json'),
        buffered(2, 'tonypi/sensors/tonypi_01', { sensor_type: 'temp', value: 'hot', unit: 'C' }),
        buffered(3, 'tonypi/nonsense/tonypi_01', {}),
        buffered(4, 'tonypi/sensors/tonypi_01', { robot_id: 'tonypi_02', sensor_type: 'temp', value: 1 }),
        { ...buffered(5, 'tonypi/sensors/tonypi_01', 'x'), size: 300_000 },
        example(6, 'location'),
      ],
      registry({ tonypi_01: 'online' }),
      options,
    );
    expect(plan.accepted).toBe(2);
    expect(Object.fromEntries(plan.rejected)).toEqual({
      bad_json: 1,
      schema: 1,
      unknown_topic: 1,
      robot_mismatch: 1,
      oversize: 1,
    });
    expect(plan.deadLetters.map((d) => [d.message_key, d.reason])).toEqual([
      ['log1:1', 'bad_json'],
      ['log1:2', 'schema'],
      ['log1:3', 'unknown_topic'],
      ['log1:4', 'robot_mismatch'],
      ['log1:5', 'oversize'],
    ]);
    expect(plan.deadLetters[1]?.detail).toMatch(/value/);
    expect(plan.deadLetters[4]).toMatchObject({
      payload_bytes: 300_000,
      detail: expect.stringMatching(/300000 bytes/) as unknown,
    });
  });

  it('registers an unknown robot once, with a connected event, or rejects it when registration is off', () => {
    const batch = [example(0, 'sensors', 'newbie'), example(1, 'battery', 'newbie')];
    const plan = planBatch(batch, registry(), options);
    expect([...plan.newRobots]).toEqual(['newbie']);
    expect(plan.connectionEvents).toEqual([
      expect.objectContaining({ robot_id: 'newbie', event: 'connected', message_key: 'log1:0' }),
    ]);
    const closed = planBatch(batch, registry(), { ...options, autoRegister: false });
    expect(closed.accepted).toBe(0);
    expect(closed.deadLetters.map((d) => [d.reason, d.robot_id])).toEqual([
      ['unknown_robot', 'newbie'],
      ['unknown_robot', 'newbie'],
    ]);
  });

  it('writes last_seen at most once a second per robot, but every status with its IP and camera', () => {
    const sensors = [0, 1, 2].map((i) =>
      buffered(i, 'tonypi/sensors/r1', { sensor_type: 't', value: i }, RECEIVED + i * 100),
    );
    const plan = planBatch(sensors, registry({ r1: 'online' }, { r1: RECEIVED - 500 }), options);
    expect(plan.sightings.size).toBe(0);
    const later = planBatch(sensors, registry({ r1: 'online' }, { r1: RECEIVED - 1_000 }), options);
    expect(later.sightings.get('r1')).toEqual({ at: new Date(RECEIVED) });
    const status = planBatch([example(0, 'status', 'r1')], registry({ r1: 'online' }, { r1: RECEIVED }), options);
    expect(status.sightings.get('r1')).toMatchObject({
      status: 'online',
      ip_address: '192.168.149.1',
      camera_url: 'http://192.168.149.1:8081/?action=stream',
    });
  });

  it('keeps only an http(s) camera URL, and reports any other one in the system log instead of losing it', () => {
    const { topic, payload } = robotExample('status', {
      robotId: 'r1',
      payload: { ...ROBOT_PAYLOAD_EXAMPLES.status, camera_url: 'javascript:alert(1)' },
    });
    const plan = planBatch([buffered(0, topic, payload)], registry({ r1: 'online' }), options);
    expect(plan.sightings.get('r1')?.camera_url).toBeUndefined();
    expect(plan.sightings.get('r1')).toMatchObject({ status: 'online', ip_address: '192.168.149.1' });
    expect(plan.logs).toEqual([
      expect.objectContaining({
        level: 'WARNING',
        robot_id: 'r1',
        message: expect.stringContaining('camera_url ignored') as unknown,
        details: expect.objectContaining({ camera_url: '"javascript:alert(1)"' }) as unknown,
      }),
    ]);
    expect(plan.points.length).toBeGreaterThan(0);
  });

  it('logs connected when an offline robot says it is online, and disconnected when it says it goes offline', () => {
    const online = example(0, 'status', 'r1');
    const { topic, payload } = robotExample('status', {
      robotId: 'r1',
      payload: { ...ROBOT_PAYLOAD_EXAMPLES.status, status: 'offline' },
    });
    const offline = buffered(1, topic, payload);
    const plan = planBatch([online, offline, { ...online, seq: 2 }], registry({ r1: 'offline' }), options);
    expect(plan.connectionEvents.map((e) => e.event)).toEqual(['connected', 'disconnected', 'connected']);
    expect(planBatch([online], registry({ r1: 'online' }), options).connectionEvents).toEqual([]);
  });

  it('is deterministic: the same batch read again after a crash plans the same keys and points', () => {
    const batch = [example(0, 'servos'), example(1, 'logs'), buffered(2, 'tonypi/x', '{}')];
    const first = planBatch(batch, registry({ tonypi_01: 'online' }), options);
    const again = planBatch(batch, registry({ tonypi_01: 'online' }), options);
    expect(again.points).toEqual(first.points);
    expect(again.events).toEqual(first.events);
    expect(again.deadLetters).toEqual(first.deadLetters);
  });
});

describe('storable', () => {
  it('replaces NUL and lone surrogates, which Postgres text cannot hold, and keeps everything else', () => {
    expect(storable('a\u0000b')).toBe('a\uFFFDb');
    expect(storable('x\uD800y')).toBe('x\uFFFDy');
    expect(storable('😀 ok, «quotes» "and" \\slashes')).toBe('😀 ok, «quotes» "and" \\slashes');
  });
});
