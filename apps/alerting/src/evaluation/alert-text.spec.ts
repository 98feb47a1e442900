import { ALERT_METRICS, ALERT_TYPES } from '@fleet/contracts';
import { alertTypeOf, describeBreach, describeResolution } from './alert-text';
import { SIGNAL_METRICS } from './observation';
import type { Threshold } from './threshold-state';

const ROBOT = 'tonypi_01';

function above(metric: string, warning: number, critical: number): Threshold {
  return { metric, warning, critical, direction: 'above', pendingMs: 0, clearMargin: 0, autoResolve: true };
}

function below(metric: string, warning: number, critical: number): Threshold {
  return { metric, warning, critical, direction: 'below', pendingMs: 30_000, clearMargin: 3, autoResolve: true };
}

const BATTERY = below('battery', 20, 10);
const SIGNAL = above(SIGNAL_METRICS.emergencyStop, 1, 1);

describe('alert text', () => {
  describe('alertTypeOf', () => {
    it("files the metrics Fleet reads under TonyPi's alert types", () => {
      expect(Object.fromEntries(ALERT_METRICS.map((m) => [m, alertTypeOf(m)]))).toEqual({
        cpu: 'performance',
        memory: 'performance',
        temperature: 'temperature',
        battery: 'battery',
        servo_temp: 'temperature',
        servo_voltage: 'servo',
        disk: 'system',
      });
    });

    it('files an e-stop as emergency_stop and an error status as system', () => {
      expect(alertTypeOf(SIGNAL_METRICS.emergencyStop)).toBe('emergency_stop');
      expect(alertTypeOf(SIGNAL_METRICS.statusError)).toBe('system');
    });

    it('files any other reading as a sensor alert, even a name that looks like an object key', () => {
      expect(alertTypeOf('ultrasonic_distance')).toBe('sensor');
      expect(alertTypeOf('light_level')).toBe('sensor');
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        expect(alertTypeOf(name)).toBe('sensor');
      }
    });

    it('only ever gives a known alert type', () => {
      const metrics = [...ALERT_METRICS, ...Object.values(SIGNAL_METRICS), 'accelerometer_x'];
      for (const metric of metrics) expect(ALERT_TYPES).toContain(alertTypeOf(metric));
    });
  });

  describe('describeBreach', () => {
    it('a low battery warning names the value, the side and the threshold it reached', () => {
      expect(describeBreach(ROBOT, 'battery', 'battery', 'warning', 19, BATTERY)).toEqual({
        alertType: 'battery',
        title: 'Low battery',
        message: 'tonypi_01: battery 19% on battery is at or below the warning threshold 20%',
      });
    });

    it('a critical alert says so in its title and quotes the critical threshold', () => {
      expect(describeBreach(ROBOT, 'battery', 'battery', 'critical', 9, BATTERY)).toEqual({
        alertType: 'battery',
        title: 'Low battery (critical)',
        message: 'tonypi_01: battery 9% on battery is at or below the critical threshold 10%',
      });
    });

    it('host vitals are worded as usage and temperature', () => {
      expect(describeBreach(ROBOT, 'cpu', 'cpu', 'warning', 85.25, above('cpu', 80, 95))).toEqual({
        alertType: 'performance',
        title: 'High CPU usage',
        message: 'tonypi_01: cpu 85.25% on cpu is at or above the warning threshold 80%',
      });
      expect(describeBreach(ROBOT, 'memory', 'memory', 'critical', 97, above('memory', 85, 95))).toMatchObject({
        alertType: 'performance',
        title: 'High memory usage (critical)',
      });
      expect(describeBreach(ROBOT, 'disk', 'disk', 'warning', 91, above('disk', 90, 95))).toMatchObject({
        alertType: 'system',
        title: 'Disk almost full',
      });
      expect(describeBreach(ROBOT, 'temperature', 'cpu', 'warning', 72.5, above('temperature', 70, 80))).toEqual({
        alertType: 'temperature',
        title: 'High CPU temperature',
        message: 'tonypi_01: temperature 72.5°C on cpu is at or above the warning threshold 70°C',
      });
    });

    it('servo alerts name the servo, and its name when the robot gave one', () => {
      expect(
        describeBreach(ROBOT, 'servo_temp', 'servo_4', 'warning', 63, above('servo_temp', 60, 70), 'Right Knee'),
      ).toEqual({
        alertType: 'temperature',
        title: 'Servo 4 (Right Knee) overheating',
        message: 'tonypi_01: servo_temp 63°C on servo_4 is at or above the warning threshold 60°C',
      });
      expect(
        describeBreach(ROBOT, 'servo_voltage', 'servo_2', 'critical', 4.3, below('servo_voltage', 4.8, 4.5)),
      ).toEqual({
        alertType: 'servo',
        title: 'Servo 2 voltage low (critical)',
        message: 'tonypi_01: servo_voltage 4.3V on servo_2 is at or below the critical threshold 4.5V',
      });
      expect(describeBreach(ROBOT, 'servo_temp', 'left_ankle', 'warning', 61, above('servo_temp', 60, 70)).title).toBe(
        'left_ankle overheating',
      );
    });

    it('a reading without a wording of its own is named by its source, without a unit', () => {
      const threshold = below('ultrasonic_distance', 15, 5);
      expect(describeBreach(ROBOT, 'ultrasonic_distance', 'ultrasonic_distance', 'critical', 3.5, threshold)).toEqual({
        alertType: 'sensor',
        title: 'ultrasonic_distance out of range (critical)',
        message: 'tonypi_01: ultrasonic_distance 3.5 on ultrasonic_distance is at or below the critical threshold 5',
      });
    });

    it('a sensor type that is also an object key is worded as any other reading', () => {
      for (const name of ['constructor', '__proto__', 'to_string', 'hasOwnProperty']) {
        expect(describeBreach(ROBOT, name, name, 'warning', 12, above(name, 10, 20))).toEqual({
          alertType: 'sensor',
          title: `${name} out of range`,
          message: `tonypi_01: ${name} 12 on ${name} is at or above the warning threshold 10`,
        });
        expect(describeResolution('recovered', name, 4, above(name, 10, 20))).toBe(`${name} back to 4`);
      }
    });

    it('an e-stop says the robot stopped, and why when it said', () => {
      expect(
        describeBreach(ROBOT, SIGNAL_METRICS.emergencyStop, 'robot', 'critical', 1, SIGNAL, 'Operator pressed stop'),
      ).toEqual({
        alertType: 'emergency_stop',
        title: 'Emergency stop',
        message: 'tonypi_01 stopped: Operator pressed stop',
      });
      expect(describeBreach(ROBOT, SIGNAL_METRICS.emergencyStop, 'robot', 'critical', 1, SIGNAL).message).toBe(
        'tonypi_01 stopped',
      );
    });

    it("an error status quotes the robot's error, or says it is a status error", () => {
      const threshold = { ...SIGNAL, metric: SIGNAL_METRICS.statusError };
      expect(
        describeBreach(ROBOT, SIGNAL_METRICS.statusError, 'status', 'critical', 1, threshold, 'camera lost'),
      ).toEqual({
        alertType: 'system',
        title: 'Robot reports an error',
        message: 'tonypi_01: camera lost',
      });
      expect(describeBreach(ROBOT, SIGNAL_METRICS.statusError, 'status', 'critical', 1, threshold).message).toBe(
        'tonypi_01: status error',
      );
    });

    it('writes values with at most two decimals and no trailing zeros or dot', () => {
      const message = (value: number, threshold: Threshold = above('cpu', 80, 95)) =>
        describeBreach(ROBOT, 'cpu', 'cpu', 'warning', value, threshold).message;
      expect(message(87.333333)).toContain('cpu 87.33% on cpu');
      expect(message(87.5)).toContain('cpu 87.5% on cpu');
      expect(message(87.1)).toContain('cpu 87.1% on cpu');
      expect(message(99.999)).toContain('cpu 100% on cpu');
      expect(message(80.001)).toContain('cpu 80% on cpu');
      expect(message(81, above('cpu', 80.004, 95))).toMatch(/the warning threshold 80%$/);
      expect(message(-0.004, below('cpu', 0.5, 0))).toContain('cpu 0% on cpu');
      expect(message(-2.5, below('cpu', 0.5, 0))).toContain('cpu -2.5% on cpu');
      expect(message(1e21)).toContain('cpu 1e+21% on cpu');
    });
  });

  describe('describeResolution', () => {
    it('a recovered reading says what it is back to', () => {
      expect(describeResolution('recovered', 'battery', 25, BATTERY)).toBe('battery back to 25%');
      expect(describeResolution('recovered', 'servo_temp', 48.456, above('servo_temp', 60, 70))).toBe(
        'servo_temp back to 48.46°C',
      );
      expect(describeResolution('recovered', 'light_level', 40, above('light_level', 90, 95))).toBe(
        'light_level back to 40',
      );
    });

    it('a resumed e-stop and an error status that cleared are said in words', () => {
      expect(describeResolution('recovered', SIGNAL_METRICS.emergencyStop, 0, SIGNAL)).toBe('robot resumed');
      expect(describeResolution('recovered', SIGNAL_METRICS.statusError, 0, SIGNAL)).toBe('robot reports online again');
    });

    it('without a value or a threshold the condition simply cleared', () => {
      expect(describeResolution('recovered', 'battery', null, BATTERY)).toBe('condition cleared');
      expect(describeResolution('recovered', 'battery', 25, null)).toBe('condition cleared');
    });

    it('charging and a removed threshold give their reason', () => {
      expect(describeResolution('charging', 'battery', 16, BATTERY)).toBe('robot is charging');
      expect(describeResolution('threshold_disabled', 'cpu', 90, null)).toBe('threshold for cpu removed or disabled');
    });
  });
});
