import { SIGNAL_METRICS } from './observation';
import type { Threshold } from './threshold-state';

/** An `alert_thresholds` row, as much of it as evaluation reads. */
export interface ThresholdRow {
  robot_id: string | null;
  metric_type: string;
  warning_threshold: number;
  critical_threshold: number;
  direction: 'above' | 'below';
  enabled: boolean | null;
  pending_s: number;
  clear_margin: number;
  auto_resolve: boolean;
}

/** Signals (1 = the condition holds) fire at once and clear at 0. */
const SIGNAL: Omit<Threshold, 'metric'> = {
  warning: 1,
  critical: 1,
  direction: 'above',
  pendingMs: 0,
  clearMargin: 0,
  autoResolve: true,
};

/**
 * Which threshold applies to a robot's metric: the robot's own row, else the global row (robot_id NULL); none
 * when neither exists or the applicable row is disabled. E-stop and error status are built in; a row for them can
 * only disable them for a robot (`enabled = false`).
 *
 * @example
 * const book = new ThresholdBook(await thresholds.listAll());
 * book.resolve('tonypi_01', 'battery'); // { warning: 20, critical: 10, direction: 'below', pendingMs: 30000, ... }
 */
export class ThresholdBook {
  private readonly global = new Map<string, ThresholdRow>();
  private readonly perRobot = new Map<string, Map<string, ThresholdRow>>();

  constructor(rows: readonly ThresholdRow[]) {
    for (const row of rows) {
      if (row.robot_id === null) {
        this.global.set(row.metric_type, row);
      } else {
        let own = this.perRobot.get(row.robot_id);
        if (!own) this.perRobot.set(row.robot_id, (own = new Map<string, ThresholdRow>()));
        own.set(row.metric_type, row);
      }
    }
  }

  resolve(robotId: string, metric: string): Threshold | null {
    const row = this.perRobot.get(robotId)?.get(metric) ?? this.global.get(metric);
    if (metric === SIGNAL_METRICS.emergencyStop || metric === SIGNAL_METRICS.statusError) {
      return row?.enabled === false ? null : { metric, ...SIGNAL };
    }
    if (!row || row.enabled === false) return null;
    return {
      metric,
      warning: row.warning_threshold,
      critical: row.critical_threshold,
      direction: row.direction,
      pendingMs: row.pending_s * 1000,
      clearMargin: row.clear_margin,
      autoResolve: row.auto_resolve,
    };
  }
}
