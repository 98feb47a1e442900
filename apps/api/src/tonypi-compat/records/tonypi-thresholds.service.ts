import { Inject, Injectable } from '@nestjs/common';
import type {
  TonyPiDefaultThresholds,
  TonyPiThreshold,
  TonyPiThresholdCreate,
  TonyPiThresholdQuery,
  TonyPiThresholdUpdate,
} from '@fleet/contracts';
import { ThresholdsService } from '../../alerts/thresholds.service';
import type { Actor } from '../../http/request-context';
import { thresholdsForRobot, tonypiDefaultThresholds, tonypiThreshold } from './tonypi-alerts.mapper';

/** TonyPi's threshold routes on {@link ThresholdsService}: its validation, audit trail and upsert. */
@Injectable()
export class TonyPiThresholds {
  constructor(@Inject(ThresholdsService) private readonly thresholds: ThresholdsService) {}

  /** The global rows; for a robot, every global row and then the robot's own. */
  async list(query: TonyPiThresholdQuery): Promise<TonyPiThreshold[]> {
    const globals = await this.thresholds.list({});
    if (query.robot_id === undefined) return globals.items.map(tonypiThreshold);
    const effective = await this.thresholds.list({ robot_id: query.robot_id });
    return thresholdsForRobot(globals.items, effective.items);
  }

  async defaults(): Promise<TonyPiDefaultThresholds> {
    return tonypiDefaultThresholds(await this.thresholds.defaults());
  }

  /** Creates or replaces the row for (robot or global, metric); the direction is the metric's own. */
  async upsert(actor: Actor, input: TonyPiThresholdCreate): Promise<TonyPiThreshold> {
    const row = await this.thresholds.upsert(actor, {
      robot_id: input.robot_id ?? null,
      metric_type: input.metric_type,
      warning_threshold: input.warning_threshold,
      critical_threshold: input.critical_threshold,
      enabled: input.enabled,
    });
    return tonypiThreshold(row);
  }

  async update(actor: Actor, id: number, changes: TonyPiThresholdUpdate): Promise<TonyPiThreshold> {
    return tonypiThreshold(await this.thresholds.update(actor, id, changes));
  }

  /** A robot's own row; a global row is refused (409), since every robot without its own relies on it. */
  async remove(actor: Actor, id: number) {
    await this.thresholds.remove(actor, id);
    return { message: `Threshold ${id} deleted` };
  }

  /** Puts back each global default Fleet ships with whose row is gone; rows that exist are left as they are. */
  async initDefaults(actor: Actor) {
    const missing = (await this.thresholds.defaults()).filter((d) => d.current === null);
    for (const { current: _current, changed: _changed, ...shipped } of missing) {
      await this.thresholds.upsert(actor, { ...shipped, robot_id: null, enabled: true });
    }
    return { message: `Initialized ${missing.length} default thresholds` };
  }
}
