import {
  tonypiLatestDataSchema,
  tonypiPerfRecordSchema,
  tonypiRobotStatusSchema,
  tonypiSensorReadingSchema,
  tonypiServoDataSchema,
} from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import type { RobotLiveState } from '@fleet/messaging';
import {
  latestData,
  measurementName,
  PERF_RECORDS,
  perfRecords,
  planSensorReads,
  robotStatus,
  SENSOR_READINGS_MAX,
  SENSOR_SERIES_MAX,
  sensorReadings,
  type SensorSource,
  servoData,
  systemFields,
} from './tonypi-robot-data.mapper';

const at = (iso: string) => new Date(iso);

function robot(fields: Partial<Robot> = {}): Robot {
  return {
    id: 1,
    robot_id: 'tonypi_01',
    name: 'TonyPi 01',
    description: null,
    location: null,
    status: 'offline',
    ip_address: '192.168.1.103',
    camera_url: null,
    battery_threshold_low: 20,
    battery_threshold_critical: 10,
    temp_threshold_warning: 70,
    temp_threshold_critical: 80,
    settings: null,
    last_seen: at('2026-01-24T10:00:00Z'),
    created_at: at('2026-01-01T00:00:00Z'),
    updated_at: null,
    is_active: true,
    device_type: 'tonypi',
    offline_timeout_s: null,
    ...fields,
  };
}

function live(entries: RobotLiveState['entries'], extra: Partial<RobotLiveState> = {}): RobotLiveState {
  return {
    robotId: 'tonypi_01',
    status: 'online',
    statusAt: '2026-01-24T10:04:00.000Z',
    lastSeen: '2026-01-24T10:04:30.000Z',
    entries,
    ...extra,
  };
}

describe('measurement names', () => {
  it('take TonyPi aliases and keep other names', () => {
    expect(measurementName('sensors')).toBe('sensor_data');
    expect(measurementName('servos')).toBe('servo_data');
    expect(measurementName('battery')).toBe('battery_status');
    expect(measurementName('location')).toBe('robot_location');
    expect(measurementName('sensor_data')).toBe('sensor_data');
  });
});

describe('sensor readings', () => {
  it('flatten series into numeric readings, newest first, leaving out empty buckets', () => {
    const readings = sensorReadings('sensor_data', [
      {
        robotId: 'tonypi_01',
        sensorType: 'accelerometer_x',
        unit: 'm/s^2',
        buckets: [
          { time: at('2026-01-24T10:00:01Z'), value: 0.98 },
          { time: at('2026-01-24T10:00:02Z'), value: null },
          { time: at('2026-01-24T10:00:03Z'), value: 1.02 },
        ],
      },
      {
        robotId: 'tonypi_01',
        sensorType: 'light_level',
        unit: null,
        buckets: [{ time: at('2026-01-24T10:00:02Z'), value: 40 }],
      },
    ]);
    expect(readings).toEqual([
      {
        timestamp: '2026-01-24T10:00:03.000Z',
        measurement: 'sensor_data',
        field: 'value',
        value: 1.02,
        robot_id: 'tonypi_01',
        sensor_type: 'accelerometer_x',
        unit: 'm/s^2',
      },
      expect.objectContaining({ timestamp: '2026-01-24T10:00:02.000Z', sensor_type: 'light_level', unit: null }),
      expect.objectContaining({ timestamp: '2026-01-24T10:00:01.000Z', value: 0.98 }),
    ]);
    expect(() => tonypiSensorReadingSchema.array().parse(readings)).not.toThrow();
  });

  it(`are at most the newest ${SENSOR_READINGS_MAX}`, () => {
    const start = at('2026-01-24T10:00:00Z').getTime();
    const buckets = Array.from({ length: SENSOR_READINGS_MAX + 10 }, (_, i) => ({
      time: new Date(start + i * 1000),
      value: i,
    }));
    const readings = sensorReadings('sensor_data', [{ robotId: 'r1', sensorType: 't', unit: null, buckets }]);
    expect(readings).toHaveLength(SENSOR_READINGS_MAX);
    expect(readings[0]?.value).toBe(SENSOR_READINGS_MAX + 9);
    expect(readings.at(-1)?.value).toBe(10);
  });
});

describe('planning sensor reads', () => {
  const to = at('2026-01-24T10:00:00.001Z');
  const before = (ms: number) => new Date(to.getTime() - 1 - ms);
  const sources = (robots: number, types: number): SensorSource[] =>
    Array.from({ length: robots * types }, (_, i) => ({
      robotId: `r${Math.floor(i / types)}`,
      sensorType: `t${i % types}`,
      unit: null,
      latest: before(i * 1000),
    }));
  /** The most buckets of `everyMs` a range of `to - from` can touch. */
  const bucketsAtMost = (from: Date, everyMs: number) => Math.ceil((to.getTime() - from.getTime()) / everyMs) + 1;

  it.each([
    ['1 minute', 60_000, 2, 1_000],
    ['5 minutes', 300_000, 2, 1_000],
    ['5 minutes', 300_000, 12, 5_000],
    ['1 hour', 3_600_000, 2, 10_000],
    ['31 days', 31 * 86_400_000, 1, 3_600_000],
    ['31 days', 31 * 86_400_000, 50, 604_800_000],
  ])('over %s (%d ms) with %d series, reads buckets of %d ms', (_, rangeMs, count, everyMs) => {
    const from = before(rangeMs);
    const plan = planSensorReads(sources(1, count), from, to);
    expect(plan.everyMs).toBe(everyMs);
    expect(plan.sources).toHaveLength(count);
    expect(count * bucketsAtMost(from, plan.everyMs)).toBeLessThanOrEqual(SENSOR_READINGS_MAX);
  });

  it(`reads the ${SENSOR_SERIES_MAX} freshest series, never more than ${SENSOR_READINGS_MAX} readings in all`, () => {
    const all = sources(4, 30);
    for (const rangeMs of [60_000, 300_000, 86_400_000, 31 * 86_400_000]) {
      const from = before(rangeMs);
      const plan = planSensorReads(all, from, to);
      expect(plan.sources).toEqual(all.slice(0, SENSOR_SERIES_MAX));
      expect(SENSOR_SERIES_MAX * bucketsAtMost(from, plan.everyMs)).toBeLessThanOrEqual(SENSOR_READINGS_MAX);
    }
    const shuffled = [...all].reverse();
    expect(planSensorReads(shuffled, before(60_000), to).sources.map((s) => s.latest)).toEqual(
      all.slice(0, SENSOR_SERIES_MAX).map((s) => s.latest),
    );
  });

  it('reads nothing when no robot has sensors', () => {
    expect(planSensorReads([], before(60_000), to)).toEqual({ sources: [], everyMs: 1_000 });
  });
});

describe('robot status', () => {
  it('takes status, battery and location from the live state and the address from the registry', () => {
    const view = robotStatus(
      'tonypi_01',
      live({
        battery_status: { time: '2026-01-24T10:04:00.000Z', tags: {}, fields: { percentage: 85.5 } },
        robot_location: { time: '2026-01-24T10:04:00.000Z', tags: {}, fields: { x: 1, y: 2 } },
      }),
      robot(),
    );
    expect(view).toEqual({
      robot_id: 'tonypi_01',
      name: 'TonyPi 01',
      status: 'online',
      last_seen: '2026-01-24T10:04:30.000Z',
      battery_percentage: 85.5,
      location: { x: 1, y: 2, z: 0 },
      ip_address: '192.168.1.103',
      camera_url: null,
    });
    expect(() => tonypiRobotStatusSchema.parse(view)).not.toThrow();
  });

  it('gives explicit nulls, a registered location, and the registry status when nothing is live', () => {
    const view = robotStatus('tonypi_01', null, robot({ location: { x: 3, y: 4, z: 1 } }));
    expect(view).toMatchObject({
      status: 'offline',
      last_seen: '2026-01-24T10:00:00.000Z',
      battery_percentage: null,
      location: { x: 3, y: 4, z: 1 },
    });
    expect(robotStatus('ghost', null)).toEqual({
      robot_id: 'ghost',
      name: null,
      status: 'online',
      last_seen: null,
      battery_percentage: null,
      location: null,
      ip_address: null,
      camera_url: null,
    });
  });

  it('gives no location unless x and y are numbers', () => {
    const state = live({ robot_location: { time: '2026-01-24T10:04:00.000Z', tags: {}, fields: { x: 1, y: 'n/a' } } });
    expect(robotStatus('tonypi_01', state).location).toBeNull();
  });

  it('gives the camera URL only when it is http or https', () => {
    const camera = (camera_url: string) => robotStatus('tonypi_01', null, robot({ camera_url })).camera_url;
    expect(camera('http://192.168.1.103:8080/?action=stream')).toBe('http://192.168.1.103:8080/?action=stream');
    expect(camera('javascript:alert(1)')).toBeNull();
    expect(camera('data:image/svg+xml,<svg onload=alert(1)>')).toBeNull();
  });
});

describe('latest data', () => {
  const since = at('2026-01-24T10:00:00Z');

  it('gives the newest values of the window by measurement, TonyPi field names', () => {
    const data = latestData(
      'tonypi_01',
      live({
        'sensor_data:light_level': { time: '2026-01-24T10:03:00.000Z', tags: {}, fields: { value: 40, unit: 'lux' } },
        'sensor_data:temperature': { time: '2026-01-24T10:04:00.000Z', tags: {}, fields: { value: 21.5, unit: 'C' } },
        battery_status: {
          time: '2026-01-24T10:04:00.000Z',
          tags: {},
          fields: { percentage: 80, voltage: 7.4, charging: false },
        },
        robot_status: {
          time: '2026-01-24T10:04:00.000Z',
          tags: {},
          fields: { status: 'online', system_cpu_percent: 12 },
        },
        robot_location: { time: '2026-01-24T09:00:00.000Z', tags: {}, fields: { x: 1, y: 2 } },
      }),
      since,
      robot({ camera_url: 'http://cam' }),
    );
    expect(data).toEqual({
      robot_id: 'tonypi_01',
      sensors: { value: 21.5, unit: 'C' },
      battery: { percentage: 80, voltage: 7.4, is_charging: false },
      location: {},
      status: {
        status: 'online',
        system_cpu_percent: 12,
        ip_address: '192.168.1.103',
        camera_url: 'http://cam',
      },
    });
    expect(() => tonypiLatestDataSchema.parse(data)).not.toThrow();
  });

  it('is empty objects for a robot never heard from', () => {
    expect(latestData('x', null, since)).toEqual({ robot_id: 'x', sensors: {}, battery: {}, location: {}, status: {} });
  });
});

describe('servo data', () => {
  const now = at('2026-01-24T10:05:00Z');
  const since = at('2026-01-24T10:00:00Z');
  const servo = (time: string, tags: Record<string, string>, fields: Record<string, number | string | boolean>) => ({
    time,
    tags,
    fields,
  });

  it('keys recent servos by name, ordered by id, with numbers for position, temperature and voltage', () => {
    const data = servoData(
      'tonypi_01',
      live({
        'servo_data:2,right_hip': servo(
          '2026-01-24T10:04:00.000Z',
          { servo_id: '2', servo_name: 'right_hip' },
          { position: 500, temperature: 41.5, voltage: 7.4, torque_enabled: true, alert_level: 'normal' },
        ),
        'servo_data:1,left_hip': servo(
          '2026-01-24T10:04:00.000Z',
          { servo_id: '1', servo_name: 'left_hip' },
          { position: 480, temperature: 62, voltage: 7.3, torque_enabled: false, alert_level: 'warning' },
        ),
        'servo_data:3,old': servo(
          '2026-01-24T09:00:00.000Z',
          { servo_id: '3', servo_name: 'old' },
          { position: 1, temperature: 1, voltage: 1 },
        ),
        'servo_data:4,partial': servo(
          '2026-01-24T10:04:00.000Z',
          { servo_id: '4', servo_name: 'partial' },
          { position: 1 },
        ),
      }),
      since,
      now,
    );
    expect(Object.keys(data.servos)).toEqual(['left_hip', 'right_hip']);
    expect(data).toEqual({
      robot_id: 'tonypi_01',
      servos: {
        left_hip: {
          id: 1,
          name: 'left_hip',
          robot_id: 'tonypi_01',
          alert_level: 'warning',
          torque_enabled: false,
          position: 480,
          temperature: 62,
          voltage: 7.3,
        },
        right_hip: data.servos.right_hip,
      },
      servo_count: 2,
      timestamp: '2026-01-24T10:05:00.000Z',
    });
    expect(data.servos.right_hip).toMatchObject({ id: 2, alert_level: 'normal', torque_enabled: true, position: 500 });
    expect(() => tonypiServoDataSchema.parse(data)).not.toThrow();
  });

  it('is an empty map with a message when there is nothing recent', () => {
    expect(servoData('tonypi_01', null, since, now)).toEqual({
      robot_id: 'tonypi_01',
      servos: {},
      servo_count: 0,
      timestamp: '2026-01-24T10:05:00.000Z',
      message: 'No servo data found',
    });
  });
});

describe('performance records', () => {
  it('are one record per value, oldest first, nulls left out', () => {
    const records = perfRecords('tonypi_01', [
      { time: at('2026-01-24T10:00:02Z'), values: { system_cpu_percent: 20, system_memory_percent: null } },
      { time: at('2026-01-24T10:00:01Z'), values: { system_memory_percent: 40, system_cpu_percent: 10 } },
    ]);
    expect(records.map((r) => [r.time, r.field, r.value])).toEqual([
      ['2026-01-24T10:00:01.000Z', 'system_cpu_percent', 10],
      ['2026-01-24T10:00:01.000Z', 'system_memory_percent', 40],
      ['2026-01-24T10:00:02.000Z', 'system_cpu_percent', 20],
    ]);
    expect(records[0]).toEqual({
      time: '2026-01-24T10:00:01.000Z',
      measurement: 'robot_status',
      field: 'system_cpu_percent',
      value: 10,
      robot_id: 'tonypi_01',
      status_type: 'tonypi_01',
    });
    expect(() => tonypiPerfRecordSchema.array().parse(records)).not.toThrow();
  });

  it(`keep the newest ${PERF_RECORDS}`, () => {
    const buckets = Array.from({ length: 300 }, (_, i) => ({
      time: new Date(Date.UTC(2026, 0, 24, 10, 0, i)),
      values: { system_cpu_percent: i, system_temperature: 50 },
    }));
    const records = perfRecords('tonypi_01', buckets);
    expect(records).toHaveLength(PERF_RECORDS);
    expect(records.at(-1)).toMatchObject({ field: 'system_temperature', time: buckets[299].time.toISOString() });
  });

  it('chart the numeric system fields', () => {
    expect(systemFields({ system_cpu_percent: 1, system_hostname: 'pi', status: 'online', system_uptime: 5 })).toEqual([
      'system_cpu_percent',
      'system_uptime',
    ]);
    expect(systemFields(undefined)).toEqual([]);
  });
});
