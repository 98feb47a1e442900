import { ConnectionLogRepository, RobotRepository } from '@fleet/database';
import { RobotRegistry, UNKNOWN_RELOAD_MS } from '@apps/ingest/src/robot-registry';
import { describeEachDatabase, type TestDatabase } from '../support/database';
import { captureLogs } from '../support/logs';

describeEachDatabase("ingest's copy of the registered robots", (factory) => {
  let db: TestDatabase;
  let registry: RobotRegistry;
  let robots: RobotRepository;

  beforeEach(async () => {
    db = await factory().create();
    robots = new RobotRepository(db.db);
    registry = new RobotRegistry(db.db, robots, new ConnectionLogRepository(db.db), captureLogs().logger);
  });

  it('learns of a robot registered through the API as soon as one of its messages arrives, at most once a second', async () => {
    const start = 1_000_000;
    await registry.refresh(start);
    await robots.create('tonypi_01');
    // Loaded just now: a second reload waits.
    await expect(registry.refreshForUnknown(['tonypi_01'], start + UNKNOWN_RELOAD_MS - 1)).resolves.toBe(false);
    expect(registry.isKnown('tonypi_01')).toBe(false);

    await expect(registry.refreshForUnknown(['tonypi_01'], start + UNKNOWN_RELOAD_MS)).resolves.toBe(true);
    expect(registry.isKnown('tonypi_01')).toBe(true);

    // A robot still not registered costs one reload a second, however many of its messages come.
    const later = start + 10 * UNKNOWN_RELOAD_MS;
    await expect(registry.refreshForUnknown(['tonypi_02'], later)).resolves.toBe(false);
    await robots.create('tonypi_02');
    await expect(registry.refreshForUnknown(['tonypi_02'], later + 1)).resolves.toBe(false);
    expect(registry.isKnown('tonypi_02')).toBe(false);
    await expect(registry.refreshForUnknown(['tonypi_02'], later + UNKNOWN_RELOAD_MS)).resolves.toBe(true);
  });

  it('does not reload for robots it already knows', async () => {
    await robots.create('tonypi_01');
    await registry.refresh(1_000_000);
    await robots.create('tonypi_02');
    await expect(registry.refreshForUnknown(['tonypi_01'], 2_000_000)).resolves.toBe(false);
    expect(registry.isKnown('tonypi_02')).toBe(false);
    await expect(registry.refreshForUnknown([], 2_000_000)).resolves.toBe(false);
  });
});
