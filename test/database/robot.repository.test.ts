import { ConflictError, NotFoundError } from '@fleet/contracts';
import { RobotRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('RobotRepository', (factory) => {
  let robots: RobotRepository;

  beforeEach(async () => {
    robots = new RobotRepository((await factory().create()).db);
  });

  it('registers a robot with TonyPi defaults and finds it by id', async () => {
    const created = await robots.create('tonypi_01', { name: 'TonyPi 01', location: { x: 1, y: 2, z: 0 } });
    expect(created).toMatchObject({
      robot_id: 'tonypi_01',
      name: 'TonyPi 01',
      status: 'offline',
      battery_threshold_low: 20,
      battery_threshold_critical: 10,
      temp_threshold_warning: 70,
      temp_threshold_critical: 80,
      is_active: true,
      device_type: 'tonypi',
      location: { x: 1, y: 2, z: 0 },
      offline_timeout_s: null,
    });
    expect(await robots.get('tonypi_01')).toEqual(created);
  });

  it('refuses a second robot with the same id', async () => {
    await robots.create('dup');
    await expect(robots.create('dup')).rejects.toThrow("robot 'dup' already exists");
    await expect(robots.create('dup')).rejects.toThrow(ConflictError);
  });

  it('says which robot was not found', async () => {
    await expect(robots.get('ghost')).rejects.toThrow(NotFoundError);
    await expect(robots.update('ghost', { name: 'x' })).rejects.toThrow("robot 'ghost' not found");
  });

  it('updates settings and keeps the rest', async () => {
    await robots.create('r1', { name: 'one' });
    const updated = await robots.update('r1', { offline_timeout_s: 120, settings: { camera: { fps: 15 } } });
    expect(updated).toMatchObject({ name: 'one', offline_timeout_s: 120, settings: { camera: { fps: 15 } } });
    expect(updated.updated_at).toBeInstanceOf(Date);
  });

  it('lists with filters, search and pagination, and counts the total', async () => {
    for (const [id, name, status] of [
      ['alpha', 'Alpha', 'online'],
      ['bravo', 'Bravo 50%', 'offline'],
      ['charlie', 'Charlie', 'online'],
      ['delta_drone', 'Delta', 'online'],
    ] as const) {
      await robots.create(id, { name, status });
    }
    await robots.deactivate('charlie');

    const page = await robots.list({ limit: 2 });
    expect(page).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page.items.map((r) => r.robot_id)).toEqual(['alpha', 'bravo']);
    expect((await robots.list({ limit: 2, offset: 2 })).items.map((r) => r.robot_id)).toEqual(['delta_drone']);

    expect((await robots.list({ status: 'online' })).items.map((r) => r.robot_id)).toEqual(['alpha', 'delta_drone']);
    expect((await robots.list({ includeInactive: true, status: 'offline' })).items.map((r) => r.robot_id)).toEqual([
      'bravo',
      'charlie',
    ]);
    // Search is case-insensitive, over id and name, and takes % and _ literally.
    expect((await robots.list({ search: 'DELTA' })).items.map((r) => r.robot_id)).toEqual(['delta_drone']);
    expect((await robots.list({ search: '50%' })).items.map((r) => r.robot_id)).toEqual(['bravo']);
    expect((await robots.list({ search: 'alph_' })).total).toBe(0);
  });

  it('caps the page size', async () => {
    await robots.create('only');
    expect(await robots.list({ limit: 100_000 })).toMatchObject({ limit: 500, total: 1 });
  });

  it('soft-deletes: the robot leaves the list but keeps its record', async () => {
    await robots.create('retired', { status: 'online' });
    const gone = await robots.deactivate('retired');
    expect(gone).toMatchObject({ is_active: false, status: 'offline' });
    expect((await robots.list()).total).toBe(0);
    expect(await robots.find('retired')).toBeDefined();
  });

  it('registers an unknown robot on first sighting and never moves last_seen backwards', async () => {
    const t1 = new Date('2026-01-24T10:30:45.123Z');
    const t0 = new Date('2026-01-24T10:29:00.000Z');
    expect(await robots.recordSighting('esp32_001', { at: t1, status: 'online', device_type: 'esp32' })).toEqual({
      created: true,
    });
    expect(await robots.get('esp32_001')).toMatchObject({
      name: 'esp32_001',
      status: 'online',
      last_seen: t1,
      device_type: 'esp32',
    });

    // A late message (older than what the robot last said) changes nothing.
    expect(await robots.recordSighting('esp32_001', { at: t0, status: 'offline', ip_address: '10.0.0.7' })).toEqual({
      created: false,
    });
    expect(await robots.get('esp32_001')).toMatchObject({ last_seen: t1, ip_address: null, status: 'online' });

    // A newer one updates what it reports, and only that.
    const t2 = new Date('2026-01-24T10:31:00.000Z');
    await robots.recordSighting('esp32_001', { at: t2, ip_address: '10.0.0.8' });
    expect(await robots.get('esp32_001')).toMatchObject({ last_seen: t2, ip_address: '10.0.0.8', status: 'online' });
  });

  it('records the sightings of many robots in one call, with the same rules as one, registering the new ones', async () => {
    const t0 = new Date('2026-01-24T10:29:00.000Z');
    const t1 = new Date('2026-01-24T10:30:45.123Z');
    const t2 = new Date('2026-01-24T10:31:00.000Z');
    await robots.recordSighting('r_late', { at: t1, status: 'online', ip_address: '10.0.0.1' });
    await robots.recordSighting('r_newer', { at: t0, status: 'online', camera_url: 'http://cam/1' });
    await robots.recordSighting('r_quiet', { at: t0, status: 'maintenance' });

    const { created } = await robots.recordSightings([
      ['r_newer', { at: t2, status: 'error', camera_url: 'http://cam/2' }],
      ['r_late', { at: t0, status: 'offline', ip_address: '10.0.0.9' }],
      ['r_quiet', { at: t2 }],
      ['r_fresh', { at: t1, status: 'online', device_type: 'esp32' }],
    ]);
    expect(created).toEqual(['r_fresh']);
    // Newer: what it reports replaces what was known.
    expect(await robots.get('r_newer')).toMatchObject({ last_seen: t2, status: 'error', camera_url: 'http://cam/2' });
    // Late: nothing moves backwards.
    expect(await robots.get('r_late')).toMatchObject({ last_seen: t1, status: 'online', ip_address: '10.0.0.1' });
    // Reporting nothing but the time keeps the rest.
    expect(await robots.get('r_quiet')).toMatchObject({ last_seen: t2, status: 'maintenance' });
    expect(await robots.get('r_fresh')).toMatchObject({ last_seen: t1, status: 'online', device_type: 'esp32' });
    expect(await robots.recordSightings([])).toEqual({ created: [] });
  });

  it('keeps every sighting when many arrive at once for a new robot', async () => {
    const base = Date.parse('2026-03-01T00:00:00Z');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => robots.recordSighting('busy', { at: new Date(base + i * 1000) })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await robots.get('busy')).last_seen).toEqual(new Date(base + 19_000));
  });
});
