import { partitionDay, partitionName, partitionPlan, rawRetentionStart } from './telemetry-partitions';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe('telemetry partitions', () => {
  it('names a partition by its UTC day, and reads the day back', () => {
    expect(partitionName(day('2026-03-09'))).toBe('telemetry_points_p20260309');
    expect(partitionDay('telemetry_points_p20260309')).toBe(day('2026-03-09'));
    expect(partitionDay('telemetry_points_p20260230')).toBeNull();
    expect(partitionDay('telemetry_points_old')).toBeNull();
  });

  it('keeps raw points from midnight UTC of the day `retentionDays` back', () => {
    expect(rawRetentionStart(new Date('2026-03-10T23:59:59Z'), 7)).toBe(day('2026-03-03'));
    expect(rawRetentionStart(new Date('2026-03-10T00:00:00Z'), 1)).toBe(day('2026-03-09'));
  });

  it('creates yesterday to two days ahead and drops days past retention', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(partitionPlan(now, 7, [])).toEqual({
      create: ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12'].map(day),
      drop: [],
    });
    expect(
      partitionPlan(now, 1, ['2026-03-12', '2026-03-01', '2026-03-09', '2026-03-08', '2026-03-20'].map(day)),
    ).toEqual({
      create: ['2026-03-10', '2026-03-11'].map(day),
      drop: ['2026-03-01', '2026-03-08'].map(day),
    });
  });
});
