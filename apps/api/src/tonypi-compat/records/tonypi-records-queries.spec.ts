import {
  tonypiAlertListQuerySchema,
  tonypiLogClearQuerySchema,
  tonypiLogCreateSchema,
  tonypiLogListQuerySchema,
  tonypiLogRecentQuerySchema,
  tonypiRecordRangeMs,
  tonypiThresholdCreateSchema,
} from '@fleet/contracts';

const HOUR = 3_600_000;

describe('TonyPi alert and log query parameters', () => {
  it.each([
    ['1h', 1],
    ['6h', 6],
    ['24h', 24],
    ['7d', 168],
    ['30d', 720],
  ])('time_range %s is %d hours', (text, hours) => {
    expect(tonypiRecordRangeMs(text)).toBe(hours * HOUR);
    expect(tonypiAlertListQuerySchema.parse({ time_range: text }).time_range).toBe(hours * HOUR);
  });

  it.each([undefined, '', '2w', '12h', 'toString', '__proto__'])(
    'time_range %j means 24 hours, as in TonyPi',
    (text) => {
      expect(tonypiRecordRangeMs(text)).toBe(24 * HOUR);
      expect(tonypiLogListQuerySchema.parse(text === undefined ? {} : { time_range: text }).time_range).toBe(24 * HOUR);
    },
  );

  it("alerts: limit 100 by default and at most 500; TonyPi's booleans", () => {
    expect(tonypiAlertListQuerySchema.parse({})).toEqual({ time_range: 24 * HOUR, limit: 100 });
    expect(tonypiAlertListQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
    expect(tonypiAlertListQuerySchema.parse({ resolved: 'false', acknowledged: 'true' })).toMatchObject({
      resolved: false,
      acknowledged: true,
    });
    expect(tonypiAlertListQuerySchema.safeParse({ severity: 'fatal' }).success).toBe(false);
  });

  it('logs: level upper-cased, category lower-cased, limit 100 by default and at most 1000', () => {
    expect(tonypiLogListQuerySchema.parse({ level: 'error', category: 'MQTT' })).toMatchObject({
      level: 'ERROR',
      category: 'mqtt',
      limit: 100,
      offset: 0,
    });
    expect(tonypiLogListQuerySchema.parse({ limit: '1000' }).limit).toBe(1000);
    expect(tonypiLogListQuerySchema.safeParse({ limit: '1001' }).success).toBe(false);
    expect(tonypiLogListQuerySchema.safeParse({ level: 'loud' }).success).toBe(false);
    expect(tonypiLogRecentQuerySchema.parse({}).limit).toBe(50);
    expect(tonypiLogRecentQuerySchema.safeParse({ limit: '201' }).success).toBe(false);
  });

  it('clearing takes 1 to 365 days, 30 by default', () => {
    expect(tonypiLogClearQuerySchema.parse({})).toEqual({ days: 30 });
    expect(tonypiLogClearQuerySchema.safeParse({ days: '0' }).success).toBe(false);
    expect(tonypiLogClearQuerySchema.safeParse({ days: '366' }).success).toBe(false);
  });

  it('a new log entry is stored with its level upper case and its category lower case', () => {
    expect(tonypiLogCreateSchema.parse({ level: 'info', category: 'Robot', message: 'hi' })).toEqual({
      level: 'INFO',
      category: 'robot',
      message: 'hi',
    });
  });

  it('a threshold is enabled by default and its warning and critical must be in order for the metric', () => {
    expect(
      tonypiThresholdCreateSchema.parse({ metric_type: 'cpu', warning_threshold: 70, critical_threshold: 90 }),
    ).toEqual({ metric_type: 'cpu', warning_threshold: 70, critical_threshold: 90, enabled: true });
    expect(
      tonypiThresholdCreateSchema.safeParse({ metric_type: 'cpu', warning_threshold: 90, critical_threshold: 70 })
        .success,
    ).toBe(false);
    expect(
      tonypiThresholdCreateSchema.safeParse({ metric_type: 'battery', warning_threshold: 30, critical_threshold: 15 })
        .success,
    ).toBe(true);
  });
});
