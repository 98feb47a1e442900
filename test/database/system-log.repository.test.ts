import { SystemLogRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('SystemLogRepository', (factory) => {
  let logs: SystemLogRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));

  beforeEach(async () => {
    logs = new SystemLogRepository((await factory().create()).db);
    await logs.insertMany([
      { level: 'INFO', category: 'mqtt', message: 'robot connected', robot_id: 'r1', timestamp: at(0) },
      {
        level: 'WARNING',
        category: 'robot',
        message: 'battery at 19%',
        robot_id: 'r1',
        timestamp: at(1),
        details: { battery: 19 },
      },
      { level: 'ERROR', category: 'robot', message: 'servo_3 overheating', robot_id: 'r2', timestamp: at(2) },
      { level: 'INFO', category: 'api', message: 'user admin logged in', timestamp: at(3) },
      { level: 'CRITICAL', category: 'system', message: 'disk 100% full', timestamp: at(4) },
    ]);
  });

  it('lists newest first with the total', async () => {
    const page = await logs.list({ limit: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((l) => l.message)).toEqual(['disk 100% full', 'user admin logged in']);
    expect(page.items[0]).toMatchObject({ level: 'CRITICAL', category: 'system', robot_id: null, timestamp: at(4) });
  });

  it('filters by level(s), category, robot, text and time range', async () => {
    expect((await logs.list({ level: 'INFO' })).total).toBe(2);
    expect((await logs.list({ level: ['ERROR', 'CRITICAL'] })).items.map((l) => l.level)).toEqual([
      'CRITICAL',
      'ERROR',
    ]);
    expect((await logs.list({ category: 'robot', robotId: 'r1' })).items.map((l) => l.message)).toEqual([
      'battery at 19%',
    ]);
    expect((await logs.list({ search: '100%' })).items.map((l) => l.message)).toEqual(['disk 100% full']);
    expect((await logs.list({ search: 'SERVO' })).total).toBe(1);
    expect((await logs.list({ from: at(1), to: at(3) })).items.map((l) => l.timestamp)).toEqual([at(2), at(1)]);
  });

  it('keeps structured details', async () => {
    const [entry] = (await logs.list({ search: 'battery' })).items;
    expect(entry?.details).toEqual({ battery: 19 });
  });

  it('counts by level and category', async () => {
    expect(await logs.stats()).toEqual({
      total: 5,
      by_level: { INFO: 2, WARNING: 1, ERROR: 1, CRITICAL: 1 },
      by_category: { mqtt: 1, robot: 2, api: 1, system: 1 },
    });
    expect((await logs.stats({ from: at(3) })).total).toBe(2);
  });

  it('deletes entries older than a cutoff', async () => {
    expect(await logs.deleteOlderThan(at(2))).toBe(2);
    expect((await logs.list()).items.map((l) => l.timestamp)).toEqual([at(4), at(3), at(2)]);
  });

  it('stamps an entry with the current time when none is given', async () => {
    const before = Date.now();
    const entry = await logs.insert({ level: 'INFO', category: 'system', message: 'started' });
    expect(entry.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(entry.id).toBeGreaterThan(0);
  });
});
