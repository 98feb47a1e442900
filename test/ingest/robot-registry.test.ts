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

  it('learns of a robot registered through the API as soon as one of its messages arrives, looking up at most once a second', async () => {
    const start = 1_000_000;
    await registry.refresh(start);
    await robots.create('tonypi_01');
    await expect(registry.refreshForUnknown(['tonypi_01'], start + 1)).resolves.toBe(true);
    expect(registry.isKnown('tonypi_01')).toBe(true);

    // A robot still not registered costs one lookup a second, however many of its messages come.
    await expect(registry.refreshForUnknown(['tonypi_02'], start + 2)).resolves.toBe(false);
    await robots.create('tonypi_02');
    await expect(registry.refreshForUnknown(['tonypi_02'], start + UNKNOWN_RELOAD_MS)).resolves.toBe(false);
    expect(registry.isKnown('tonypi_02')).toBe(false);
    await expect(registry.refreshForUnknown(['tonypi_02'], start + 1 + UNKNOWN_RELOAD_MS)).resolves.toBe(true);
    expect(registry.isKnown('tonypi_02')).toBe(true);

    // A robot deleted through the API is not let back in by a lookup.
    await robots.create('tonypi_03');
    await robots.deactivate('tonypi_03');
    await expect(registry.refreshForUnknown(['tonypi_03'], start + 10 * UNKNOWN_RELOAD_MS)).resolves.toBe(false);
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
