import { Inject, Injectable } from '@nestjs/common';
import {
  ConflictError,
  InvalidInputError,
  metricDirection,
  metricDirectionProblem,
  type ThresholdPatch,
  type ThresholdQuery,
  type ThresholdUpsert,
} from '@fleet/contracts';
import { AlertThresholdRepository, RobotRepository, type AlertThreshold } from '@fleet/database';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';

/** A row as the API shows it: whether it is a global default or a robot's own, and whether a robot inherits it. */
function view(row: AlertThreshold, forRobot?: string) {
  return {
    ...row,
    scope: row.robot_id === null ? ('global' as const) : ('robot' as const),
    inherited: forRobot !== undefined && row.robot_id === null,
  };
}

/**
 * Alert thresholds, managed by admins: a global row per metric that every robot inherits, and robots' own rows
 * that override it. Alerting rereads them within `ALERT_REFRESH_MS`.
 */
@Injectable()
export class ThresholdsService {
  constructor(
    @Inject(AlertThresholdRepository) private readonly thresholds: AlertThresholdRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /** The global rows; for a robot, what applies to it: its own rows and the global ones it inherits, marked. */
  async list(query: ThresholdQuery) {
    if (query.robot_id === undefined) {
      return { robot_id: null, items: (await this.thresholds.listGlobal()).map((row) => view(row)) };
    }
    await this.robots.get(query.robot_id);
    const rows = await this.thresholds.effectiveForRobot(query.robot_id);
    return { robot_id: query.robot_id, items: rows.map((row) => view(row, query.robot_id)) };
  }

  /** The defaults Fleet ships with, each beside the global row as it now is. */
  async defaults() {
    const current = new Map((await this.thresholds.listGlobal()).map((row) => [row.metric_type, row]));
    return this.thresholds.shippedDefaults().map((shipped) => {
      const row = current.get(shipped.metric_type);
      const changed =
        !row ||
        row.warning_threshold !== shipped.warning_threshold ||
        row.critical_threshold !== shipped.critical_threshold ||
        row.direction !== shipped.direction ||
        row.pending_s !== shipped.pending_s ||
        row.clear_margin !== shipped.clear_margin ||
        row.auto_resolve !== shipped.auto_resolve ||
        row.enabled === false;
      return { ...shipped, current: row ? view(row) : null, changed };
    });
  }

  /**
   * Creates or replaces the row for (robot or global, metric). A direction left out is the metric's own, else the
   * existing row's or the global row's, else `above`; warning and critical must be in order for it.
   */
  async upsert(actor: Actor, input: ThresholdUpsert) {
    if (input.robot_id !== null) await this.robots.get(input.robot_id);
    const before = await this.thresholds.findFor(input.robot_id, input.metric_type);
    const direction =
      input.direction ??
      metricDirection(input.metric_type) ??
      before?.direction ??
      (input.robot_id === null ? undefined : (await this.thresholds.findFor(null, input.metric_type))?.direction) ??
      'above';
    const after = await this.thresholds.upsert({ ...input, direction });
    await this.audit.record(
      actor,
      before ? 'threshold.update' : 'threshold.create',
      'threshold',
      String(after.id),
      before ?? null,
      after,
    );
    return view(after);
  }

  async update(actor: Actor, id: number, changes: ThresholdPatch) {
    const before = await this.thresholds.get(id);
    const problem = metricDirectionProblem(before.metric_type, changes.direction ?? before.direction);
    if (problem)
      throw new InvalidInputError(`invalid threshold: direction: ${problem}`, [
        { path: 'direction', message: problem },
      ]);
    const after = await this.thresholds.update(id, changes);
    await this.audit.record(actor, 'threshold.update', 'threshold', String(id), before, after);
    return view(after);
  }

  /** Removes a robot's own row, so the global default applies to it again. Global rows stay: robots inherit them. */
  async remove(actor: Actor, id: number): Promise<void> {
    const before = await this.thresholds.get(id);
    if (before.robot_id === null) {
      throw new ConflictError(
        `threshold ${id} is the global default for ${before.metric_type}, which every robot without its own row ` +
          'relies on: change it, or disable it (enabled: false), instead of deleting it',
      );
    }
    await this.thresholds.remove(id);
    await this.audit.record(actor, 'threshold.delete', 'threshold', String(id), before, null);
  }
}
