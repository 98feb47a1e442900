import type {
  AlertSnapshot,
  TonyPiAlert,
  TonyPiAlertStats,
  TonyPiDefaultThresholds,
  TonyPiThreshold,
} from '@fleet/contracts';
import type { AlertStats, AlertThreshold } from '@fleet/database';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** TonyPi's alert: Fleet's without how and by whom it was resolved. `value` and `threshold` stay explicit nulls. */
export function tonypiAlert(alert: AlertSnapshot): TonyPiAlert {
  return {
    id: alert.id,
    robot_id: alert.robot_id,
    alert_type: alert.alert_type,
    severity: alert.severity,
    title: alert.title,
    message: alert.message,
    source: alert.source,
    value: alert.value ?? null,
    threshold: alert.threshold ?? null,
    acknowledged: alert.acknowledged,
    acknowledged_by: alert.acknowledged_by,
    acknowledged_at: alert.acknowledged_at,
    resolved: alert.resolved,
    resolved_at: alert.resolved_at,
    details: alert.details,
    created_at: alert.created_at,
  };
}

/**
 * TonyPi's six counts from Fleet's: `unresolved` is Fleet's `open`. As in Fleet, the severities and
 * `unacknowledged` count open alerts only (TonyPi counted resolved ones too), so the header bell shows what
 * still needs someone.
 */
export function tonypiAlertStats(stats: AlertStats): TonyPiAlertStats {
  return {
    total: stats.total,
    critical: stats.critical,
    warning: stats.warning,
    info: stats.info,
    unacknowledged: stats.unacknowledged,
    unresolved: stats.open,
  };
}

type ThresholdRow = Pick<
  AlertThreshold,
  | 'id'
  | 'robot_id'
  | 'metric_type'
  | 'warning_threshold'
  | 'critical_threshold'
  | 'enabled'
  | 'created_at'
  | 'updated_at'
>;

/** TonyPi's threshold row; a row TonyPi left without `enabled` is enabled, as alerting reads it. */
export function tonypiThreshold(row: ThresholdRow): TonyPiThreshold {
  return {
    id: row.id,
    robot_id: row.robot_id,
    metric_type: row.metric_type,
    warning_threshold: row.warning_threshold,
    critical_threshold: row.critical_threshold,
    enabled: row.enabled !== false,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * `GET /alerts/thresholds?robot_id=`: every global row, then the robot's own rows, as TonyPi lists them. The robot's
 * come last so a client that keeps the last row it sees for each metric keeps the robot's.
 */
export function thresholdsForRobot(globals: ThresholdRow[], effective: ThresholdRow[]): TonyPiThreshold[] {
  return [...globals, ...effective.filter((row) => row.robot_id !== null)].map(tonypiThreshold);
}

/** `GET /alerts/thresholds/defaults`: `{<metric>: {warning, critical}}`. */
export function tonypiDefaultThresholds(
  shipped: { metric_type: string; warning_threshold: number; critical_threshold: number }[],
): TonyPiDefaultThresholds {
  return Object.fromEntries(
    shipped.map((d) => [d.metric_type, { warning: d.warning_threshold, critical: d.critical_threshold }]),
  );
}
