import { tonypiAlertSchema, tonypiThresholdSchema, type AlertSnapshot } from '@fleet/contracts';
import type { AlertThreshold } from '@fleet/database';
import {
  thresholdsForRobot,
  tonypiAlert,
  tonypiAlertStats,
  tonypiDefaultThresholds,
  tonypiThreshold,
} from './tonypi-alerts.mapper';

const snapshot = (fields: Partial<AlertSnapshot> = {}): AlertSnapshot => ({
  id: 5,
  robot_id: 'tonypi_01',
  alert_type: 'battery',
  severity: 'warning',
  title: 'Battery low',
  message: 'Battery at 18%',
  source: 'battery',
  value: 18,
  threshold: 20,
  details: { percentage: 18 },
  acknowledged: true,
  acknowledged_by: 'alice',
  acknowledged_at: '2026-01-24T10:31:00.000Z',
  resolved: true,
  resolved_at: '2026-01-24T10:40:00.000Z',
  resolved_by: 'bob',
  resolution: 'manual',
  resolution_note: 'charged',
  created_at: '2026-01-24T10:30:00.000Z',
  updated_at: '2026-01-24T10:40:00.000Z',
  ...fields,
});

const row = (id: number, robotId: string | null, metric: string): AlertThreshold => ({
  id,
  robot_id: robotId,
  metric_type: metric,
  warning_threshold: 70,
  critical_threshold: 90,
  direction: 'above',
  enabled: true,
  pending_s: 0,
  clear_margin: 0,
  auto_resolve: true,
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: null,
});

describe('alerts in TonyPi shape', () => {
  it("keep TonyPi's fields and leave out how and by whom they were resolved", () => {
    const view = tonypiAlert(snapshot());
    expect(view).toEqual({
      id: 5,
      robot_id: 'tonypi_01',
      alert_type: 'battery',
      severity: 'warning',
      title: 'Battery low',
      message: 'Battery at 18%',
      source: 'battery',
      value: 18,
      threshold: 20,
      acknowledged: true,
      acknowledged_by: 'alice',
      acknowledged_at: '2026-01-24T10:31:00.000Z',
      resolved: true,
      resolved_at: '2026-01-24T10:40:00.000Z',
      details: { percentage: 18 },
      created_at: '2026-01-24T10:30:00.000Z',
    });
    expect(() => tonypiAlertSchema.strict().parse(view)).not.toThrow();
  });

  it('send value and threshold as explicit nulls, never missing, when the alert has none', () => {
    const view = tonypiAlert(snapshot({ value: null, threshold: null, source: null, details: null }));
    expect(view).toHaveProperty('value', null);
    expect(view).toHaveProperty('threshold', null);
    expect(view).toHaveProperty('source', null);
    expect(view).toHaveProperty('details', null);
  });

  it('are counted with unresolved as the open ones', () => {
    expect(
      tonypiAlertStats({
        total: 9,
        open: 4,
        unacknowledged: 3,
        critical: 1,
        warning: 2,
        info: 1,
        by_type: { battery: 2 },
        resolved: 5,
      }),
    ).toEqual({ total: 9, critical: 1, warning: 2, info: 1, unacknowledged: 3, unresolved: 4 });
  });
});

describe('thresholds in TonyPi shape', () => {
  it("keep TonyPi's fields, times as ISO strings, and count a row without enabled as enabled", () => {
    // An adopted TonyPi table may hold NULL there, whatever the column's type says.
    const view = tonypiThreshold({ ...row(3, null, 'cpu'), enabled: null as unknown as boolean });
    expect(view).toEqual({
      id: 3,
      robot_id: null,
      metric_type: 'cpu',
      warning_threshold: 70,
      critical_threshold: 90,
      enabled: true,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: null,
    });
    expect(() => tonypiThresholdSchema.strict().parse(view)).not.toThrow();
    expect(tonypiThreshold({ ...row(3, null, 'cpu'), enabled: false }).enabled).toBe(false);
  });

  it("for a robot: every global row, then the robot's own rows, without the globals it inherits twice", () => {
    const globals = [row(1, null, 'battery'), row(2, null, 'cpu')];
    const effective = [row(1, null, 'battery'), row(7, 'tonypi_01', 'cpu')];
    expect(thresholdsForRobot(globals, effective).map((t) => [t.id, t.robot_id])).toEqual([
      [1, null],
      [2, null],
      [7, 'tonypi_01'],
    ]);
  });

  it('defaults are warning and critical by metric', () => {
    expect(
      tonypiDefaultThresholds([
        { metric_type: 'battery', warning_threshold: 30, critical_threshold: 15 },
        { metric_type: 'cpu', warning_threshold: 70, critical_threshold: 90 },
      ]),
    ).toEqual({ battery: { warning: 30, critical: 15 }, cpu: { warning: 70, critical: 90 } });
  });
});
