import type { MetricStats } from '@fleet/contracts';
import { attention, maintenanceFindings, servoKey } from './maintenance.builder';

const temp = (pastWarningMin: number, pastCriticalMin: number, max: number): MetricStats => ({
  mean: 45,
  p95: max,
  min: 30,
  max,
  samples: 1_000,
  minutes: 600,
  past_warning_s: pastWarningMin * 60,
  past_critical_s: pastCriticalMin * 60,
  threshold: { warning: 60, critical: 75, direction: 'above' },
});

const servo = (robot: string, id: number, t: MetricStats | null, alerts = { warning: 0, critical: 0 }) => ({
  robot_id: robot,
  servo: `servo_${id}`,
  name: `joint_${id}`,
  temperature: t,
  voltage: null,
  alerts,
});

describe('servos that need attention', () => {
  it('names a servo as alerts do', () => {
    expect(servoKey({ servo_id: '3', servo_name: 'left_knee' })).toBe('servo_3');
    expect(servoKey({ servo_name: 'left_knee' })).toBe('left_knee');
  });

  it('ranks by the weight of the evidence, marks what crossed a critical line, and says why', () => {
    const servos = [
      servo('r1', 1, temp(0, 0, 50)),
      servo('r1', 2, temp(130, 0, 68)),
      servo('r2', 3, temp(10, 5, 80), { warning: 1, critical: 1 }),
      servo('r2', 4, temp(200, 0, 70)),
    ];
    const ranked = attention(servos);
    // servo_4: 200 min past warning; servo_2: 130; servo_3: 10 + 3 × 5 past critical + alerts (20 + 5).
    expect(ranked.map((r) => [r.rank, r.robot_id, r.servo, r.urgency, r.score])).toEqual([
      [1, 'r2', 'servo_4', 'warning', 200],
      [2, 'r1', 'servo_2', 'warning', 130],
      [3, 'r2', 'servo_3', 'critical', 50],
    ]);
    expect(ranked[1].evidence).toEqual([
      '2 h 10 min above 60 °C (warning)',
      'temperature peaked at 68 °C (mean 45 °C)',
    ]);
  });

  it('a hot servo is compared with the fleet median', () => {
    const servos = [
      servo('tonypi_01', 1, temp(30, 0, 62)),
      servo('tonypi_02', 3, temp(130, 0, 68)),
      servo('tonypi_03', 5, temp(30, 0, 61)),
      servo('tonypi_04', 6, temp(35, 0, 61)),
    ];
    const findings = maintenanceFindings({
      servos,
      attention: attention(servos),
      timeline: { bucket_s: 60, unit: '°C', series: [], points: [] },
    });
    expect(findings.find((f) => f.subject === 'servo_3' && f.robot_id === 'tonypi_02')?.text).toBe(
      'servo_3 on tonypi_02 spent 2 h 10 min above 60 °C (warning), 4x the fleet median',
    );
  });
});
