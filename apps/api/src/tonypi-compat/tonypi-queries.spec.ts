import {
  tonypiConfigUpdateSchema,
  tonypiDurationMs,
  tonypiJobHistoryQuerySchema,
  tonypiPerfQuerySchema,
  tonypiSensorsQuerySchema,
  tonypiServosQuerySchema,
  tonypiUserUpdateSchema,
} from '@fleet/contracts';

describe('TonyPi query parameters', () => {
  it.each([
    ['30s', 30_000],
    ['1m', 60_000],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('time_range %s is %d ms', (text, ms) => {
    expect(tonypiDurationMs(text)).toBe(ms);
    expect(tonypiPerfQuerySchema.parse({ time_range: text }).time_range).toBe(ms);
  });

  it('time_range defaults as TonyPi: 1h for sensors, 5m for servos and performance', () => {
    expect(tonypiSensorsQuerySchema.parse({ measurement: 'sensors' })).toEqual({
      measurement: 'sensors',
      time_range: 3_600_000,
    });
    expect(tonypiServosQuerySchema.parse({}).time_range).toBe(300_000);
    expect(tonypiPerfQuerySchema.parse({}).time_range).toBe(300_000);
  });

  it.each(['', 'forever', '0m', '5', '-5m', '1h; drop', '32d', '5w'])('time_range %j is refused', (text) => {
    expect(tonypiPerfQuerySchema.safeParse({ time_range: text }).success).toBe(false);
  });

  it('job history takes limit 50 by default, at most 500, and a page offset', () => {
    expect(tonypiJobHistoryQuerySchema.parse({})).toEqual({ limit: 50, offset: 0 });
    expect(tonypiJobHistoryQuerySchema.parse({ limit: '100', offset: '5', robot_id: 'tonypi_01' })).toEqual({
      limit: 100,
      offset: 5,
      robot_id: 'tonypi_01',
    });
    expect(tonypiJobHistoryQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
  });

  it('a user update names at least one field', () => {
    expect(tonypiUserUpdateSchema.safeParse({}).success).toBe(false);
    expect(tonypiUserUpdateSchema.parse({ role: 'operator' })).toEqual({ role: 'operator' });
  });

  it('a config update names a section and an object', () => {
    expect(tonypiConfigUpdateSchema.parse({ config_type: 'navigation', config_data: { max_speed: 1 } })).toEqual({
      config_type: 'navigation',
      config_data: { max_speed: 1 },
    });
    expect(tonypiConfigUpdateSchema.safeParse({ config_type: 'a/b', config_data: {} }).success).toBe(false);
    expect(tonypiConfigUpdateSchema.safeParse({ config_type: 'navigation', config_data: [] }).success).toBe(false);
  });
});
