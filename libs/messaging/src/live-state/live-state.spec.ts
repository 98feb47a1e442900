import {
  checkStatus,
  newestSightings,
  prepareUpdates,
  replaces,
  robotFromHash,
  seriesKey,
  summarize,
  type LiveUpdate,
} from './live-state';

const at = (iso: string) => new Date(iso);

describe('series keys', () => {
  it('are the measurement, plus tag values in the order of their sorted keys', () => {
    expect(seriesKey('battery_status')).toBe('battery_status');
    expect(seriesKey('battery_status', {})).toBe('battery_status');
    expect(seriesKey('sensor_data', { sensor_type: 'cpu_temperature' })).toBe('sensor_data:cpu_temperature');
    expect(seriesKey('servo_data', { servo_name: 'left_knee', servo_id: '3' })).toBe('servo_data:3,left_knee');
  });
});

describe('newest wins', () => {
  it('compares ISO times, a tie replacing', () => {
    expect(replaces('2026-01-24T10:00:00.001Z', '2026-01-24T10:00:00.000Z')).toBe(true);
    expect(replaces('2026-01-24T10:00:00.000Z', '2026-01-24T10:00:00.000Z')).toBe(true);
    expect(replaces('2026-01-24T09:59:59.999Z', '2026-01-24T10:00:00.000Z')).toBe(false);
    expect(replaces('2026-01-24T09:59:59.999Z', null)).toBe(true);
  });
});

describe('preparing updates', () => {
  const update = (time: string, fields: LiveUpdate['fields'], extra: Partial<LiveUpdate> = {}): LiveUpdate => ({
    robotId: 'tonypi_01',
    measurement: 'battery_status',
    fields,
    time: at(time),
    ...extra,
  });

  it('keeps the newest update per robot and series, and notes battery percentages', () => {
    const prepared = prepareUpdates([
      update('2026-01-24T10:00:02.000Z', { percentage: 80 }),
      update('2026-01-24T10:00:01.000Z', { percentage: 90 }),
      update('2026-01-24T10:00:01.000Z', { position: 5 }, { measurement: 'servo_data', tags: { servo_id: '1' } }),
      update('2026-01-24T10:00:01.000Z', { position: 6 }, { measurement: 'servo_data', tags: { servo_id: '1' } }),
      update('2026-01-24T10:00:00.000Z', { percentage: 50 }, { robotId: 'tonypi_02' }),
    ]);
    expect(prepared).toEqual([
      {
        robotId: 'tonypi_01',
        series: 'battery_status',
        entry: { time: '2026-01-24T10:00:02.000Z', tags: {}, fields: { percentage: 80 } },
        battery: 80,
      },
      {
        robotId: 'tonypi_01',
        series: 'servo_data:1',
        entry: { time: '2026-01-24T10:00:01.000Z', tags: { servo_id: '1' }, fields: { position: 6 } },
        battery: null,
      },
      {
        robotId: 'tonypi_02',
        series: 'battery_status',
        entry: { time: '2026-01-24T10:00:00.000Z', tags: {}, fields: { percentage: 50 } },
        battery: 50,
      },
    ]);
  });

  it.each([
    [{ robotId: '' }, 'updates[0].robotId must be a non-empty string, got ""'],
    [{ measurement: '@status' }, 'updates[0].measurement must be a non-empty string not starting with @'],
    [{ tags: { servo_id: 3 as unknown as string } }, 'updates[0].tags.servo_id must be a string, got number'],
    [{ fields: { voltage: NaN } }, 'updates[0].fields.voltage must be a finite number, a string or a boolean, got NaN'],
    [{ fields: { x: null as unknown as number } }, 'updates[0].fields.x must be a finite number'],
    [{ fields: {} }, 'updates[0].fields must hold at least one field'],
    [{ time: new Date('nope') }, 'updates[0].time must be a valid Date in years 0 to 9999, got Invalid Date'],
    [{ time: '2026-01-24' as unknown as Date }, 'updates[0].time must be a valid Date'],
    [{ time: new Date(Date.UTC(10_000, 0)) }, 'updates[0].time must be a valid Date in years 0 to 9999'],
  ])('refuses %j, naming the field', (bad, message) => {
    expect(() => prepareUpdates([{ ...update('2026-01-24T10:00:00.000Z', { percentage: 1 }), ...bad }])).toThrow(
      message,
    );
  });
});

describe('sightings and status', () => {
  it('keeps the newest sighting per robot', () => {
    expect(
      newestSightings([
        { robotId: 'a', at: at('2026-01-24T10:00:02Z') },
        { robotId: 'a', at: at('2026-01-24T10:00:01Z') },
        { robotId: 'b', at: at('2026-01-24T10:00:00Z') },
      ]),
    ).toEqual(
      new Map([
        ['a', '2026-01-24T10:00:02.000Z'],
        ['b', '2026-01-24T10:00:00.000Z'],
      ]),
    );
    expect(() => newestSightings([{ robotId: 'a', at: new Date(NaN) }])).toThrow('entries[0].at must be a valid Date');
  });

  it('checks a status change', () => {
    expect(checkStatus('a', 'online', at('2026-01-24T10:00:00Z'))).toBe('2026-01-24T10:00:00.000Z');
    expect(() => checkStatus('a', ' ', at('2026-01-24T10:00:00Z'))).toThrow('status must be a non-empty string');
    expect(() => checkStatus('', 'online', at('2026-01-24T10:00:00Z'))).toThrow('robotId must be a non-empty string');
  });
});

describe('robot hashes', () => {
  it('read back status, last sighting and entries, leaving out what does not parse', () => {
    const entry = { time: '2026-01-24T10:00:00.000Z', tags: {}, fields: { percentage: 80 } };
    expect(
      robotFromHash('tonypi_01', {
        '@status': JSON.stringify({ status: 'online', at: '2026-01-24T09:00:00.000Z' }),
        '@lastSeen': '2026-01-24T10:00:01.000Z',
        battery_status: JSON.stringify(entry),
        broken: '{nope',
      }),
    ).toEqual({
      robotId: 'tonypi_01',
      status: 'online',
      statusAt: '2026-01-24T09:00:00.000Z',
      lastSeen: '2026-01-24T10:00:01.000Z',
      entries: { battery_status: entry },
    });
    expect(robotFromHash('tonypi_02', {})).toBeNull();
  });
});

describe('fleet summary', () => {
  it('counts statuses and averages batteries', () => {
    expect(summarize(['online', 'online', 'offline', 'emergency_stopped', 'error', 'error'], [80, 50])).toEqual({
      total: 6,
      online: 2,
      offline: 1,
      other: { emergency_stopped: 1, error: 2 },
      batteryAverage: 65,
      batteryReporting: 2,
    });
    expect(summarize([], [NaN])).toEqual({
      total: 0,
      online: 0,
      offline: 0,
      other: {},
      batteryAverage: null,
      batteryReporting: 0,
    });
  });
});
