import { InvalidInputError, NotFoundError } from '@fleet/contracts';
import { AlertThresholdRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('AlertThresholdRepository', (factory) => {
  let thresholds: AlertThresholdRepository;

  beforeEach(async () => {
    thresholds = new AlertThresholdRepository((await factory().create()).db);
  });

  it('starts with the seeded global defaults, each with its timing', async () => {
    const global = await thresholds.listGlobal();
    expect(
      global.map((t) => [
        t.metric_type,
        t.warning_threshold,
        t.critical_threshold,
        t.direction,
        t.pending_s,
        t.clear_margin,
        t.auto_resolve,
      ]),
    ).toEqual([
      ['battery', 20, 10, 'below', 30, 3, true],
      ['cpu', 70, 90, 'above', 60, 5, true],
      ['disk', 80, 90, 'above', 0, 2, true],
      ['memory', 75, 90, 'above', 60, 5, true],
      ['servo_temp', 60, 75, 'above', 15, 3, true],
      ['servo_voltage', 5.5, 5, 'below', 10, 0.2, true],
      ['temperature', 70, 80, 'above', 30, 3, true],
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
    expect(effective).toHaveLength(7);
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

  it("gives a robot's new row the global timing of its metric unless told otherwise", async () => {
    const inherited = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'cpu',
      warning_threshold: 50,
      critical_threshold: 60,
    });
    expect(inherited).toMatchObject({ warning_threshold: 50, pending_s: 60, clear_margin: 5, auto_resolve: true });

    const own = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 30,
      critical_threshold: 15,
      direction: 'below',
      pending_s: 0,
      clear_margin: 1.5,
      auto_resolve: false,
    });
    expect(own).toMatchObject({ pending_s: 0, clear_margin: 1.5, auto_resolve: false });

    // A metric with no global row: the column defaults.
    const sensor = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'humidity',
      warning_threshold: 70,
      critical_threshold: 90,
    });
    expect(sensor).toMatchObject({ pending_s: 0, clear_margin: 0, auto_resolve: true });
    const global = await thresholds.upsert({ metric_type: 'pressure', warning_threshold: 2, critical_threshold: 3 });
    expect(global).toMatchObject({ robot_id: null, pending_s: 0, clear_margin: 0, auto_resolve: true });
  });

  it('keeps the timing a row has when an update leaves it out', async () => {
    await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 30,
      critical_threshold: 15,
      direction: 'below',
      pending_s: 5,
      auto_resolve: false,
    });
    // The global row changing later does not reach the robot's row.
    await thresholds.upsert({
      metric_type: 'battery',
      warning_threshold: 20,
      critical_threshold: 10,
      direction: 'below',
      pending_s: 45,
      clear_margin: 4,
    });
    const updated = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 25,
      critical_threshold: 12,
      direction: 'below',
    });
    // clear_margin came from the global row when the row was made.
    expect(updated).toMatchObject({ warning_threshold: 25, pending_s: 5, clear_margin: 3, auto_resolve: false });
    const changed = await thresholds.upsert({
      robot_id: 'r1',
      metric_type: 'battery',
      warning_threshold: 25,
      critical_threshold: 12,
      direction: 'below',
      clear_margin: 0,
    });
    expect(changed).toMatchObject({ pending_s: 5, clear_margin: 0, auto_resolve: false });

    // A global row updated without timing keeps its own.
    const global = await thresholds.upsert({ metric_type: 'cpu', warning_threshold: 80, critical_threshold: 95 });
    expect(global).toMatchObject({ warning_threshold: 80, pending_s: 60, clear_margin: 5 });
    await expect(
      thresholds.upsert({
        robot_id: 'r1',
        metric_type: 'cpu',
        warning_threshold: 1,
        critical_threshold: 2,
        pending_s: -1,
      }),
    ).rejects.toThrow(/pending_s/);
  });

  it('lists every row, globals first, then by robot and metric', async () => {
    await thresholds.upsert({ robot_id: 'r2', metric_type: 'cpu', warning_threshold: 50, critical_threshold: 60 });
    await thresholds.upsert({ robot_id: 'r1', metric_type: 'memory', warning_threshold: 50, critical_threshold: 60 });
    await thresholds.upsert({ robot_id: 'r1', metric_type: 'cpu', warning_threshold: 50, critical_threshold: 60 });
    const all = await thresholds.listAll();
    expect(all.map((t) => `${t.robot_id ?? '*'}/${t.metric_type}`)).toEqual([
      '*/battery',
      '*/cpu',
      '*/disk',
      '*/memory',
      '*/servo_temp',
      '*/servo_voltage',
      '*/temperature',
      'r1/cpu',
      'r1/memory',
      'r2/cpu',
    ]);
    expect(all[0]).toEqual((await thresholds.listGlobal())[0]);
  });
});
