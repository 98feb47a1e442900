import { ConflictError, NotFoundError } from '@fleet/contracts';
import { MissionRepository, type DB } from '@fleet/database';
import type { Kysely } from 'kysely';
import { describeEachDatabase } from '../support/database';

const T0 = new Date('2026-03-01T10:00:00.000Z');

describeEachDatabase('MissionRepository', (factory) => {
  let db: Kysely<DB>;
  let missions: MissionRepository;

  beforeEach(async () => {
    db = (await factory().create()).db;
    missions = new MissionRepository(db);
  });

  const patrol = (name = 'night patrol') => ({ name, mission_type: 'patrol' as const, created_by: 'ops' });

  it('creates a mission with its waypoints in order, and reads it back with them', async () => {
    const created = await missions.create({ ...patrol(), payload: { kg: 2.5 }, estimated_duration_s: 600 }, [
      { name: 'gate', coordinates: { x: 0, y: 0 } },
      { coordinates: { lat: 48.137, lon: 11.575, alt: 30 }, action: 'hover_30s' },
      { name: 'dock', coordinates: { x: 10, y: -4.5, z: 1 }, estimated_arrival: '2026-03-01T10:30:00Z' },
    ]);
    expect(created).toMatchObject({
      name: 'night patrol',
      mission_type: 'patrol',
      status: 'pending',
      priority: 5,
      assigned_robot_id: null,
      payload: { kg: 2.5 },
      estimated_duration_s: 600,
      created_by: 'ops',
    });
    expect(created.waypoints.map((w) => [w.sequence_order, w.name, w.coordinates, w.status])).toEqual([
      [0, 'gate', { x: 0, y: 0 }, 'pending'],
      [1, null, { lat: 48.137, lon: 11.575, alt: 30 }, 'pending'],
      [2, 'dock', { x: 10, y: -4.5, z: 1 }, 'pending'],
    ]);
    expect(created.waypoints[2].estimated_arrival).toEqual(new Date('2026-03-01T10:30:00Z'));
    expect(await missions.get(created.id)).toEqual(created);
  });

  it('creates nothing when one waypoint cannot be stored', async () => {
    await expect(
      missions.create(patrol('broken'), [
        { coordinates: { x: 0, y: 0 } },
        { coordinates: { x: 1, y: 1 }, action: 'a'.repeat(201) },
      ]),
    ).rejects.toThrow();
    expect((await missions.list()).total).toBe(0);
  });

  it('says which mission was not found', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    await expect(missions.get(ghost)).rejects.toThrow(NotFoundError);
    await expect(missions.change(ghost, () => ({ name: 'x' }))).rejects.toThrow(`mission '${ghost}' not found`);
  });

  it('lists with filters and pagination, newest first, with waypoints counted by status', async () => {
    const made = [];
    for (const [i, type, robot] of [
      [0, 'patrol', null],
      [1, 'delivery', 'rover_1'],
      [2, 'delivery', 'rover_2'],
      [3, 'pickup', 'rover_1'],
    ] as const) {
      const mission = await missions.create(
        {
          name: `m${i}`,
          mission_type: type,
          ...(robot && { status: 'assigned' as const, assigned_robot_id: robot, assigned_at: T0 }),
        },
        [{ coordinates: { x: i, y: 0 } }, { coordinates: { x: i, y: 1 } }],
      );
      made.push(mission);
    }
    // Creation times a minute apart, so the order and the range filter are known.
    for (const [i, mission] of made.entries()) {
      await db
        .updateTable('missions')
        .set({ created_at: new Date(T0.getTime() + i * 60_000) })
        .where('id', '=', mission.id)
        .execute();
    }
    await missions.changeWaypoint(made[3].id, made[3].waypoints[0].id, () => ({ status: 'completed' }));

    const page = await missions.list({ limit: 3 });
    expect(page).toMatchObject({ total: 4, limit: 3, offset: 0 });
    expect(page.items.map((m) => m.name)).toEqual(['m3', 'm2', 'm1']);
    expect(page.items[0].waypoint_counts).toEqual({ completed: 1, pending: 1 });
    expect((await missions.list({ limit: 3, offset: 3 })).items.map((m) => m.name)).toEqual(['m0']);

    expect((await missions.list({ robotId: 'rover_1' })).items.map((m) => m.name)).toEqual(['m3', 'm1']);
    expect((await missions.list({ missionType: 'delivery', status: 'assigned' })).total).toBe(2);
    expect((await missions.list({ status: 'pending' })).items.map((m) => m.name)).toEqual(['m0']);
    const range = await missions.list({ from: new Date(T0.getTime() + 60_000), to: new Date(T0.getTime() + 180_000) });
    expect(range.items.map((m) => m.name)).toEqual(['m2', 'm1']);
  });

  it('changes a mission as decided on its locked row, and writes nothing when the decision refuses', async () => {
    const mission = await missions.create(patrol());
    const { before, after } = await missions.change(mission.id, (current) => {
      expect(current.status).toBe('pending');
      return { status: 'assigned', assigned_robot_id: 'rover_1', assigned_at: T0, updated_at: T0 };
    });
    expect(before.status).toBe('pending');
    expect(after).toMatchObject({ status: 'assigned', assigned_robot_id: 'rover_1', assigned_at: T0 });

    await expect(
      missions.change(mission.id, () => {
        throw new ConflictError('no');
      }),
    ).rejects.toThrow('no');
    expect((await missions.get(mission.id)).status).toBe('assigned');
  });

  it('serialises concurrent changes of one mission: each sees the one before', async () => {
    const mission = await missions.create({ ...patrol(), priority: 1 });
    await Promise.all(
      Array.from({ length: 8 }, () => missions.change(mission.id, (current) => ({ priority: current.priority + 1 }))),
    );
    expect((await missions.get(mission.id)).priority).toBe(9);
  });

  it('a robot has at most one active mission: the second is a conflict naming the robot and the first', async () => {
    const assigned = { status: 'assigned' as const, assigned_robot_id: 'rover_1', assigned_at: T0 };
    const first = await missions.create({ ...patrol('first'), ...assigned });
    const second = await missions.create({ ...patrol('second'), ...assigned });
    await missions.change(first.id, () => ({ status: 'active', started_at: T0 }));

    const refused = missions.change(second.id, () => ({ status: 'active', started_at: T0 }));
    await expect(refused).rejects.toThrow(ConflictError);
    await expect(missions.change(second.id, () => ({ status: 'active', started_at: T0 }))).rejects.toThrow(
      `robot 'rover_1' already has an active mission: mission ${first.id} ('first')`,
    );
    expect((await missions.get(second.id)).status).toBe('assigned');
    expect((await missions.activeMissionOf('rover_1'))?.id).toBe(first.id);

    await missions.change(first.id, () => ({ status: 'completed', completed_at: T0 }));
    expect((await missions.change(second.id, () => ({ status: 'active', started_at: T0 }))).after.status).toBe(
      'active',
    );
  });

  it('of two missions started at once for one robot, exactly one becomes active', async () => {
    const assigned = { status: 'assigned' as const, assigned_robot_id: 'rover_9', assigned_at: T0 };
    const a = await missions.create({ ...patrol('a'), ...assigned });
    const b = await missions.create({ ...patrol('b'), ...assigned });
    const results = await Promise.allSettled(
      [a, b].map((m) => missions.change(m.id, () => ({ status: 'active', started_at: T0 }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ConflictError);
  });

  it('appends waypoints after the last one, changes one, and refuses a waypoint of another mission', async () => {
    const mission = await missions.create(patrol(), [{ coordinates: { x: 0, y: 0 } }]);
    const other = await missions.create(patrol('other'), [{ coordinates: { x: 9, y: 9 } }]);
    const { waypoint } = await missions.addWaypoint(mission.id, () => undefined, {
      name: 'extra',
      coordinates: { x: 3, y: 4 },
    });
    expect(waypoint).toMatchObject({ sequence_order: 1, name: 'extra', mission_id: mission.id });

    const { before, after } = await missions.changeWaypoint(mission.id, waypoint.id, (m, w) => {
      expect(m.id).toBe(mission.id);
      return {
        coordinates: { x: 5, y: 5 },
        original_coordinates: w.coordinates,
        status: 'modified',
        modification_reason: 'blocked',
        modified_by: 'ops',
        modified_at: T0,
      };
    });
    expect(before.coordinates).toEqual({ x: 3, y: 4 });
    expect(after).toMatchObject({
      coordinates: { x: 5, y: 5 },
      original_coordinates: { x: 3, y: 4 },
      status: 'modified',
      modified_by: 'ops',
      modified_at: T0,
    });
    await expect(
      missions.changeWaypoint(mission.id, other.waypoints[0].id, () => ({ name: 'stolen' })),
    ).rejects.toThrow(NotFoundError);
    await expect(
      missions.addWaypoint(
        mission.id,
        () => {
          throw new ConflictError('ended');
        },
        { coordinates: { x: 0, y: 0 } },
      ),
    ).rejects.toThrow('ended');
    expect((await missions.get(mission.id)).waypoints).toHaveLength(2);
  });

  it('deletes a mission with its waypoints unless the check refuses', async () => {
    const kept = await missions.create(patrol('kept'), [{ coordinates: { x: 0, y: 0 } }]);
    await expect(
      missions.remove(kept.id, () => {
        throw new ConflictError('active');
      }),
    ).rejects.toThrow('active');
    expect(await missions.find(kept.id)).toBeDefined();

    const removed = await missions.remove(kept.id, () => undefined);
    expect(removed.waypoints).toHaveLength(1);
    expect(await missions.find(kept.id)).toBeUndefined();
  });
});
