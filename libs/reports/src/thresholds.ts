import type { AlertThreshold } from '@fleet/database';
import type { RollupCondition } from '@fleet/telemetry';

/** Two thresholds of one metric, as they apply to one robot. */
export interface Threshold {
  warning: number;
  critical: number;
  direction: 'above' | 'below';
}

/**
 * The thresholds in force when a report is made: per robot and metric, the robot's own enabled row, else the
 * global one. Reports judge a period by today's thresholds (the alert history says what applied then).
 */
export class ThresholdTable {
  private readonly global = new Map<string, Threshold>();
  private readonly own = new Map<string, Threshold | null>();

  constructor(rows: readonly AlertThreshold[]) {
    for (const r of rows) {
      const t = r.enabled
        ? { warning: r.warning_threshold, critical: r.critical_threshold, direction: r.direction }
        : null;
      if (r.robot_id === null) {
        if (t) this.global.set(r.metric_type, t);
      } else this.own.set(`${r.robot_id}\0${r.metric_type}`, t);
    }
  }

  /** What applies to `robotId` for `metric`; null when the metric has no threshold (or the robot's is disabled). */
  for(robotId: string, metric: string): Threshold | null {
    const own = this.own.get(`${robotId}\0${metric}`);
    return own === undefined ? (this.global.get(metric) ?? null) : own;
  }

  /** The rollup conditions counting time past the warning and the critical threshold of `metric` on `field`. */
  conditions(robotIds: readonly string[], metric: string, field: string): RollupCondition[] {
    return robotIds.flatMap((robotId) => {
      const t = this.for(robotId, metric);
      if (!t) return [];
      return [
        { key: 'warning', robotId, field, op: t.direction, value: t.warning },
        { key: 'critical', robotId, field, op: t.direction, value: t.critical },
      ];
    });
  }
}
