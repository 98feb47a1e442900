import { InvalidInputError, NotFoundError } from '@fleet/contracts';
import { AlertSnoozeRepository, snoozeCovers } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('AlertSnoozeRepository', (factory) => {
  let snoozes: AlertSnoozeRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));
  const now = at(0);

  beforeEach(async () => {
    snoozes = new AlertSnoozeRepository((await factory().create()).db);
  });

  it('snoozes every alert of a robot, or one type, until a time', async () => {
    const all = await snoozes.create({ robot_id: 'tonypi_01', until: at(30) }, 'alice', now);
    expect(all).toEqual({
      id: expect.any(Number) as number,
      robot_id: 'tonypi_01',
      alert_type: null,
      until: at(30),
      reason: null,
      created_by: 'alice',
      created_at: now,
    });
    // `until` as the API receives it.
    const battery = await snoozes.create(
      { robot_id: 'tonypi_02', alert_type: 'battery', until: at(60).toISOString(), reason: 'charging station fault' },
      null,
      now,
    );
    expect(battery).toMatchObject({ alert_type: 'battery', until: at(60), reason: 'charging station fault' });
  });

  it('refuses a snooze that is already over, or bad input, naming the field', async () => {
    for (const until of [now, at(-1)]) {
      const past = snoozes.create({ robot_id: 'r1', until }, 'alice', now);
      await expect(past).rejects.toThrow(InvalidInputError);
      await expect(past).rejects.toMatchObject({ issues: [{ path: 'until' }] });
    }
    await expect(snoozes.create({ robot_id: 'r1', until: 'tomorrow' }, null, now)).rejects.toThrow(/until/);
    await expect(
      snoozes.create({ robot_id: 'r1', alert_type: 'weather' as 'battery', until: at(5) }, null, now),
    ).rejects.toThrow(/alert_type/);
    await expect(snoozes.create({ robot_id: 'not a robot!', until: at(5) }, null, now)).rejects.toThrow(/robot_id/);
    expect(await snoozes.list()).toEqual([]);
  });

  describe('with snoozes', () => {
    beforeEach(async () => {
      await snoozes.create({ robot_id: 'r1', until: at(10) }, 'alice', now);
      await snoozes.create({ robot_id: 'r1', alert_type: 'battery', until: at(30) }, 'alice', now);
      await snoozes.create({ robot_id: 'r2', alert_type: 'temperature', until: at(20) }, 'bob', now);
    });

    it('lists them latest-ending first, of one robot or all, running at a time or all', async () => {
      const ends = async (query?: Parameters<AlertSnoozeRepository['list']>[0]) =>
        (await snoozes.list(query)).map((s) => [s.robot_id, s.until.getUTCMinutes()]);
      expect(await ends()).toEqual([
        ['r1', 30],
        ['r2', 20],
        ['r1', 10],
      ]);
      expect(await ends({ robotId: 'r1' })).toEqual([
        ['r1', 30],
        ['r1', 10],
      ]);
      // A snooze ending at that very moment is over.
      expect(await ends({ activeAt: at(10) })).toEqual([
        ['r1', 30],
        ['r2', 20],
      ]);
      expect(await ends({ robotId: 'r2', activeAt: at(25) })).toEqual([]);
      expect(await snoozes.active(at(25))).toEqual(await snoozes.list({ activeAt: at(25) }));
    });

    it('says which alerts the running snoozes cover', async () => {
      const covers = async (robotId: string, alertType: string, when: Date) =>
        snoozeCovers(await snoozes.active(when), robotId, alertType, when);
      expect(await covers('r1', 'temperature', at(5))).toBe(true);
      expect(await covers('r1', 'battery', at(5))).toBe(true);
      // The robot-wide snooze is over; the battery one is not.
      expect(await covers('r1', 'temperature', at(15))).toBe(false);
      expect(await covers('r1', 'battery', at(15))).toBe(true);
      expect(await covers('r2', 'temperature', at(15))).toBe(true);
      expect(await covers('r2', 'battery', at(15))).toBe(false);
      expect(await covers('r3', 'battery', at(5))).toBe(false);
      // Rows read earlier stop covering once their time has passed.
      const cached = await snoozes.active(now);
      expect(snoozeCovers(cached, 'r1', 'battery', at(30))).toBe(false);
    });

    it('removes a snooze, ending it early', async () => {
      const [latest] = await snoozes.list();
      await snoozes.remove(latest.id);
      expect(await snoozes.list({ robotId: 'r1' })).toHaveLength(1);
      await expect(snoozes.remove(latest.id)).rejects.toThrow(NotFoundError);
      await expect(snoozes.remove(latest.id)).rejects.toThrow(`snooze '${latest.id}' not found`);
    });
  });
});
