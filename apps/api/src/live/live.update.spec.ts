import { ALERT_STREAM, COMMAND_STREAM, JOB_STREAM, TELEMETRY_STREAM, type AlertEvent } from '@fleet/contracts';
import { toLiveUpdate } from './live.update';

const at = '2026-01-24T10:30:45.123Z';

function telemetry(kind: string, data: Record<string, unknown>, robotId = 'tonypi_01') {
  return { messageKey: 'k:1', robotId, kind, time: at, receivedAt: at, clock: 'ok', data };
}

describe('events as live updates', () => {
  it('a robot message goes to telemetry, a status message to status, each coalesced by kind', () => {
    const battery = toLiveUpdate(TELEMETRY_STREAM, telemetry('battery', { percentage: 19 }));
    expect(battery).toMatchObject({ channel: 'telemetry', robotId: 'tonypi_01', kind: 'battery', time: at });
    expect(JSON.parse(battery?.json ?? '')).toEqual({
      type: 'update',
      channel: 'telemetry',
      robot_id: 'tonypi_01',
      kind: 'battery',
      data: { percentage: 19 },
      time: at,
    });
    const status = toLiveUpdate(TELEMETRY_STREAM, telemetry('status', { status: 'online' }));
    expect(status).toMatchObject({ channel: 'status', kind: 'status' });
    expect(status?.coalesceKey).not.toBe(battery?.coalesceKey);
  });

  it('sensor readings of different sensor types do not replace one another', () => {
    const a = toLiveUpdate(TELEMETRY_STREAM, telemetry('sensors', { sensor_type: 'temperature', value: 30 }));
    const b = toLiveUpdate(TELEMETRY_STREAM, telemetry('sensors', { sensor_type: 'light', value: 3 }));
    const c = toLiveUpdate(TELEMETRY_STREAM, telemetry('sensors', { sensor_type: 'light', value: 4 }));
    expect(a?.coalesceKey).not.toBe(b?.coalesceKey);
    expect(b?.coalesceKey).toBe(c?.coalesceKey);
  });

  it('every alert event is sent, with the alert in its data', () => {
    const event: AlertEvent = {
      event: 'opened',
      at,
      actor: null,
      alert: {
        id: 7,
        robot_id: null,
        alert_type: 'system',
        severity: 'critical',
        title: 'telemetry is not coming in',
        message: 'ingest stalled',
        source: 'ingest',
        value: null,
        threshold: null,
        details: null,
        acknowledged: false,
        acknowledged_by: null,
        acknowledged_at: null,
        resolved: false,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
        resolution_note: null,
        created_at: at,
        updated_at: null,
      },
    };
    const update = toLiveUpdate(ALERT_STREAM, event);
    expect(update).toMatchObject({ channel: 'alerts', robotId: null, kind: 'opened', data: event });
    expect(update?.coalesceKey).toBeUndefined();
  });

  it('job and command events are coalesced per job or command', () => {
    const job = toLiveUpdate(JOB_STREAM, { event: 'progress', at, robot_id: 'tonypi_01', id: 12, progress: 40 });
    expect(job).toMatchObject({ channel: 'jobs', robotId: 'tonypi_01', kind: 'progress', coalesceKey: 'jobs/12' });
    const command = toLiveUpdate(COMMAND_STREAM, { event: 'sent', at, robot_id: null, id: 'c1' });
    expect(command).toMatchObject({ channel: 'commands', robotId: null, coalesceKey: 'commands/c1' });
  });

  it('an event that is not what its stream carries makes no update', () => {
    expect(toLiveUpdate(TELEMETRY_STREAM, { robotId: 'x' })).toBeUndefined();
    expect(toLiveUpdate(ALERT_STREAM, 'opened')).toBeUndefined();
    expect(toLiveUpdate(JOB_STREAM, { event: 'progress' })).toBeUndefined();
  });
});
