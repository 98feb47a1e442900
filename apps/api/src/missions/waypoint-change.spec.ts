import { ConflictError, InvalidInputError, type MissionStatusName } from '@fleet/contracts';
import { waypointChanges } from './waypoint-change';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const EARLIER = new Date('2026-03-01T11:50:00.000Z');

const mission = (status: MissionStatusName) => ({ id: 'm-1', status });
const waypoint = {
  id: 'w-1',
  status: 'pending' as const,
  coordinates: { x: 1, y: 2 },
  action: 'pickup_package',
  actual_arrival: null,
  original_coordinates: null,
};

describe('changing a waypoint', () => {
  it('while the mission is pending, moves it without tracking', () => {
    expect(waypointChanges(mission('pending'), waypoint, { coordinates: { x: 5, y: 6 } }, 'ops', NOW)).toEqual({
      coordinates: { x: 5, y: 6 },
    });
  });

  it('once the mission is under way, keeps the first coordinates and who moved it, when and why', () => {
    const changes = waypointChanges(
      mission('active'),
      waypoint,
      { coordinates: { x: 5, y: 6 }, modification_reason: 'pallet moved' },
      'ops',
      NOW,
    );
    expect(changes).toEqual({
      coordinates: { x: 5, y: 6 },
      original_coordinates: { x: 1, y: 2 },
      status: 'modified',
      modification_reason: 'pallet moved',
      modified_by: 'ops',
      modified_at: NOW,
    });

    const movedAgain = waypointChanges(
      mission('active'),
      { ...waypoint, status: 'modified', coordinates: { x: 5, y: 6 }, original_coordinates: { x: 1, y: 2 } },
      { coordinates: { x: 7, y: 8 }, modification_reason: 'again' },
      'ops2',
      NOW,
    );
    expect(movedAgain).toMatchObject({ original_coordinates: { x: 1, y: 2 }, modified_by: 'ops2' });
  });

  it('a new action under way is tracked too, without touching the coordinates', () => {
    expect(
      waypointChanges(
        mission('assigned'),
        waypoint,
        { action: 'hover_30s', modification_reason: 'no landing spot' },
        'ops',
        NOW,
      ),
    ).toEqual({
      action: 'hover_30s',
      status: 'modified',
      modification_reason: 'no landing spot',
      modified_by: 'ops',
      modified_at: NOW,
    });
  });

  it('refuses a tracked change without a reason, naming the field', () => {
    let error: unknown;
    try {
      waypointChanges(mission('assigned'), waypoint, { coordinates: { lat: 48.1, lon: 11.5 } }, 'ops', NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toEqual(['modification_reason']);
  });

  it('the same coordinates in another key order are no move', () => {
    expect(waypointChanges(mission('active'), waypoint, { coordinates: { y: 2, x: 1 } }, 'ops', NOW)).toEqual({});
  });

  it('completing records the arrival once; other statuses clear it', () => {
    expect(waypointChanges(mission('active'), waypoint, { status: 'completed' }, 'ops', NOW)).toEqual({
      status: 'completed',
      actual_arrival: NOW,
    });
    const arrived = { ...waypoint, status: 'completed' as const, actual_arrival: EARLIER };
    expect(waypointChanges(mission('active'), arrived, { status: 'completed' }, 'ops', NOW)).toMatchObject({
      actual_arrival: EARLIER,
    });
    expect(waypointChanges(mission('active'), arrived, { status: 'pending' }, 'ops', NOW)).toMatchObject({
      actual_arrival: null,
    });
  });

  it('reaching a waypoint needs an active mission; skipping one does not', () => {
    expect(() => waypointChanges(mission('assigned'), waypoint, { status: 'completed' }, 'ops', NOW)).toThrow(
      'mission m-1 is assigned: waypoint w-1 cannot be completed (only while the mission is active)',
    );
    expect(waypointChanges(mission('assigned'), waypoint, { status: 'skipped' }, 'ops', NOW)).toMatchObject({
      status: 'skipped',
    });
  });

  it('a mission that ended refuses every change', () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      expect(() => waypointChanges(mission(status), waypoint, { name: 'x' }, 'ops', NOW)).toThrow(ConflictError);
    }
  });
});
