import { snoozeInputSchema } from './alert.schema';

describe('snooze input', () => {
  it.each([
    ['2026-01-24T18:00:00Z', '2026-01-24T18:00:00.000Z'],
    ['2026-01-24T18:00:00.250Z', '2026-01-24T18:00:00.250Z'],
    ['2026-01-25T02:00:00+08:00', '2026-01-24T18:00:00.000Z'],
    ['2026-01-24T13:00:00-05:00', '2026-01-24T18:00:00.000Z'],
  ])('takes until %s as the instant %s', (until, instant) => {
    const snooze = snoozeInputSchema.parse({ robot_id: 'tonypi_01', until });
    expect(snooze.until).toEqual(new Date(instant));
    expect(snooze).toEqual({ robot_id: 'tonypi_01', alert_type: null, until: new Date(instant), reason: null });
  });

  it('takes a Date as the instant it is (for code that builds snoozes itself)', () => {
    const until = new Date('2026-01-24T18:00:00.000Z');
    expect(snoozeInputSchema.parse({ robot_id: 'tonypi_01', until }).until).toEqual(until);
  });

  it.each([
    // No zone: which instant is meant depends on where it is read.
    '2026-01-24T18:00:00',
    '2026-01-24 18:00:00',
    '2026-01-24',
    'tomorrow',
    '2026-02-30T18:00:00Z',
    '',
    1769277600000,
    null,
  ])('refuses until %j, naming the field', (until) => {
    const result = snoozeInputSchema.safeParse({ robot_id: 'tonypi_01', until });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['until']);
  });

  it('refuses an invalid Date', () => {
    expect(snoozeInputSchema.safeParse({ robot_id: 'tonypi_01', until: new Date('nope') }).success).toBe(false);
  });
});
