import type { AlertType } from '@fleet/contracts';
import { SIGNAL_METRICS } from './observation';
import type { FiringSeverity, ResolveReason, Threshold } from './threshold-state';

/** How a metric's alerts are filed (TonyPi's alert types) and worded. */
interface MetricInfo {
  type: AlertType;
  title: (source: string, note?: string) => string;
  unit: string;
}

const METRICS: Record<string, MetricInfo> = {
  cpu: { type: 'performance', title: () => 'High CPU usage', unit: '%' },
  memory: { type: 'performance', title: () => 'High memory usage', unit: '%' },
  disk: { type: 'system', title: () => 'Disk almost full', unit: '%' },
  temperature: { type: 'temperature', title: () => 'High CPU temperature', unit: '°C' },
  battery: { type: 'battery', title: () => 'Low battery', unit: '%' },
  servo_temp: {
    type: 'temperature',
    title: (source, name) => `${servoLabel(source, name)} overheating`,
    unit: '°C',
  },
  servo_voltage: {
    type: 'servo',
    title: (source, name) => `${servoLabel(source, name)} voltage low`,
    unit: 'V',
  },
  [SIGNAL_METRICS.emergencyStop]: { type: 'emergency_stop', title: () => 'Emergency stop', unit: '' },
  [SIGNAL_METRICS.statusError]: { type: 'system', title: () => 'Robot reports an error', unit: '' },
};

/** A metric's own wording; sensor types are robot-chosen names, so `constructor` must not find Object's. */
function infoOf(metric: string): MetricInfo | undefined {
  return Object.hasOwn(METRICS, metric) ? METRICS[metric] : undefined;
}

/** The alert type a metric's alerts are filed under; any other metric is a sensor reading. */
export function alertTypeOf(metric: string): AlertType {
  return infoOf(metric)?.type ?? 'sensor';
}

export interface AlertWording {
  alertType: AlertType;
  title: string;
  message: string;
}

/** Title and message of an alert opened or escalated on a threshold. */
export function describeBreach(
  robotId: string,
  metric: string,
  source: string,
  severity: FiringSeverity,
  value: number,
  threshold: Threshold,
  note?: string,
): AlertWording {
  const info = infoOf(metric);
  const alertType = info?.type ?? 'sensor';
  if (metric === SIGNAL_METRICS.emergencyStop) {
    return { alertType, title: 'Emergency stop', message: `${robotId} stopped${note ? `: ${note}` : ''}` };
  }
  if (metric === SIGNAL_METRICS.statusError) {
    return { alertType, title: info?.title(source) ?? 'Error', message: `${robotId}: ${note ?? 'status error'}` };
  }
  const unit = info?.unit ?? '';
  const limit = severity === 'critical' ? threshold.critical : threshold.warning;
  const side = threshold.direction === 'above' ? 'at or above' : 'at or below';
  const title = info ? info.title(source, note) : `${source} out of range`;
  return {
    alertType,
    title: severity === 'critical' ? `${title} (critical)` : title,
    message: `${robotId}: ${metric} ${format(value)}${unit} on ${source} is ${side} the ${severity} threshold ${format(limit)}${unit}`,
  };
}

/** Why an alert was resolved, in words. */
export function describeResolution(reason: ResolveReason, metric: string, value: number | null, t: Threshold | null) {
  const unit = infoOf(metric)?.unit ?? '';
  switch (reason) {
    case 'charging':
      return 'robot is charging';
    case 'threshold_disabled':
      return `threshold for ${metric} removed or disabled`;
    case 'recovered':
      if (value === null || t === null) return 'condition cleared';
      if (SIGNAL_METRICS.emergencyStop === metric) return 'robot resumed';
      if (SIGNAL_METRICS.statusError === metric) return 'robot reports online again';
      return `${metric} back to ${format(value)}${unit}`;
  }
}

function servoLabel(source: string, name?: string): string {
  const label = source.replace(/^servo_/, 'Servo ');
  return name ? `${label} (${name})` : label;
}

/** At most two decimals, without trailing zeros: 87.5, 87.33, and 99.999 as 100 (not "100."). */
function format(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}
