import { InvalidInputError, NotFoundError } from '@fleet/contracts';
import { AlertThresholdRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('AlertThresholdRepository', (factory) => {
  let thresholds: AlertThresholdRepository;

  beforeEach(async () => {
    thresholds = new AlertThresholdRepository((await factory().create()).db);
  });

  it('starts with the seeded global defaults', async () => {
    const global = await thresholds.listGlobal();
    expect(global.map((t) => [t.metric_type, t.warning_threshold, t.critical_threshold, t.direction])).toEqual([
      ['battery', 20, 10, 'below'],
      ['cpu', 70, 90, 'above'],
      ['memory', 75, 90, 'above'],
      ['servo_temp', 60, 75, 'above'],
      ['servo_voltage', 5.5, 5, 'below'],
      ['temperature', 70, 80, 'above'],
    ]);
  });

  it("applies a robot's own threshold over the global one, per metric", async () => {
    await thresholds.upsert({
      robot_id: 'tonypi_01',
      metric_type: 'cpu',
      warning_threshold: 50,
      critical_threshold: 60,
    });
    const effective = await thresholds.effectiveForRobot('tonypi_01');
    expect(effective).toHaveLength(6);
    expect(effective.find((t) => t.metric_type === 'cpu')).toMatchObject({
      robot_id: 'tonypi_01',
      warning_threshold: 50,
    });
    expect(effective.find((t) => t.metric_type === 'memory')).toMatchObject({ robot_id: null, warning_threshold: 75 });
    // Another robot still gets the defaults.
    expect((await thresholds.effectiveForRobot('tonypi_02')).every((t) => t.robot_id === null)).toBe(true);
  });

  it('keeps one row per robot and metric: a second upsert replaces the first', async () => {
    await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 30,
      critical_threshold: 15,
      direction: 'below',
    });
    const replaced = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 25,
      critical_threshold: 12,
      direction: 'below',
      enabled: false,
    });
    expect(replaced).toMatchObject({ warning_threshold: 25, critical_threshold: 12, enabled: false });
    expect(await thresholds.listForRobot('r1')).toHaveLength(1);

    // Same for a global default.
    await thresholds.upsert({ robot_id: null, metric_type: 'cpu', warning_threshold: 80, critical_threshold: 95 });
    expect((await thresholds.listGlobal()).filter((t) => t.metric_type === 'cpu')).toMatchObject([
      { warning_threshold: 80 },
    ]);
  });

  it('refuses thresholds in the wrong order for their direction, naming the field', async () => {
    const wrong = thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'cpu',
      warning_threshold: 90,
      critical_threshold: 70,
    });
    await expect(wrong).rejects.toThrow(InvalidInputError);
    await expect(wrong).rejects.toThrow(/critical_threshold: must be at least warning_threshold/);
    await expect(
      thresholds.upsert({
        robot_id: 'r1',
        metric_type: 'battery',
        warning_threshold: 10,
        critical_threshold: 20,
        direction: 'below',
      }),
    ).rejects.toThrow(/critical_threshold: must be at most warning_threshold/);
    await expect(
      thresholds.upsert({ robot_id: 'r1', metric_type: 'CPU load', warning_threshold: 1, critical_threshold: 2 }),
    ).rejects.toThrow(/metric_type/);
  });

  it("removes a robot's overrides so the defaults apply again", async () => {
    const own = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'cpu',
      warning_threshold: 50,
      critical_threshold: 60,
    });
    await thresholds.upsert({ robot_id: 'r1', metric_type: 'memory', warning_threshold: 50, critical_threshold: 60 });
    expect(await thresholds.removeForRobot('r1', 'memory')).toBe(1);
    await thresholds.remove(own.id);
    expect(await thresholds.listForRobot('r1')).toEqual([]);
    await expect(thresholds.remove(own.id)).rejects.toThrow(NotFoundError);
  });
});
