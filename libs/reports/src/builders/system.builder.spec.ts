import type { ConnectionEventRow } from '@fleet/database';
import { availability } from './system.builder';

const T0 = Date.parse('2026-01-24T00:00:00Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);
const event = (
  minutes: number,
  kind: ConnectionEventRow['event'],
  details: Record<string, unknown> | null = null,
): ConnectionEventRow => ({ robot_id: 'r1', event: kind, timestamp: at(minutes), details });
const period = { from: T0, to: T0 + 120 * MIN };

describe('availability from connection events', () => {
  it('a silence is dated from the last message, not from when it was noticed', () => {
    const a = availability(
      'r1',
      [
        event(-30, 'connected'),
        event(41, 'timeout', { last_seen: at(40).toISOString(), silent_s: 60 }),
        event(50, 'connected'),
      ],
      period,
    );
    expect(a.offlineMs).toBe(10 * MIN);
    expect(a.onlineMs).toBe(110 * MIN);
    expect(a.unknownMs).toBe(0);
    expect(a.incidents).toEqual([
      { robot_id: 'r1', start: at(40).toISOString(), end: at(50).toISOString(), duration_s: 600, cause: 'timeout' },
    ]);
  });

  it('before the first event the state is unknown; a robot still offline at the end has an open incident', () => {
    const a = availability('r1', [event(10, 'connected'), event(100, 'disconnected')], period);
    expect(a.unknownMs).toBe(10 * MIN);
    expect(a.onlineMs).toBe(90 * MIN);
    expect(a.offlineMs).toBe(20 * MIN);
    expect(a.incidents).toEqual([
      { robot_id: 'r1', start: at(100).toISOString(), end: null, duration_s: 1_200, cause: 'disconnected' },
    ]);
  });

  it('a timeout after a goodbye is the same incident', () => {
    const a = availability(
      'r1',
      [
        event(-5, 'connected'),
        event(20, 'disconnected'),
        event(21, 'timeout', { last_seen: at(19).toISOString() }),
        event(30, 'connected'),
      ],
      period,
    );
    expect(a.incidents).toHaveLength(1);
    expect(a.offlineMs).toBe(10 * MIN);
  });

  it('an incident that began before the period counts from its start', () => {
    const a = availability(
      'r1',
      [event(-20, 'timeout', { last_seen: at(-21).toISOString() }), event(15, 'connected')],
      period,
    );
    expect(a.offlineMs).toBe(15 * MIN);
    expect(a.onlineMs).toBe(105 * MIN);
    expect(a.incidents).toEqual([]);
  });
});
