import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError, parseOrThrow, thresholdInputSchema, type ThresholdInput } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';

const COLUMNS = [
  'id',
  'robot_id',
  'metric_type',
  'warning_threshold',
  'critical_threshold',
  'direction',
  'enabled',
  'created_at',
  'updated_at',
] as const;

/**
 * The `alert_thresholds` table. A row with no robot is the global default for its metric; a robot's own row
 * overrides it; `enabled = false` silences the metric for that robot.
 */
@Injectable()
export class AlertThresholdRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** The global defaults, by metric. */
  async listGlobal() {
    return this.db
      .selectFrom('alert_thresholds')
      .select(COLUMNS)
      .where('robot_id', 'is', null)
      .orderBy('metric_type')
      .execute();
  }

  /** A robot's own rows only (its overrides), by metric. */
  async listForRobot(robotId: string) {
    return this.db
      .selectFrom('alert_thresholds')
      .select(COLUMNS)
      .where('robot_id', '=', robotId)
      .orderBy('metric_type')
      .execute();
  }

  /** What applies to a robot: for each metric its own row if it has one, else the global default. */
  async effectiveForRobot(robotId: string) {
    return this.db
      .selectFrom('alert_thresholds')
      .distinctOn('metric_type')
      .select(COLUMNS)
      .where((eb) => eb.or([eb('robot_id', '=', robotId), eb('robot_id', 'is', null)]))
      .orderBy('metric_type')
      .orderBy(sql`robot_id NULLS LAST`)
      .execute();
  }

  /** Creates or replaces the row for (robot or global, metric). Input is validated; bad input names the field. */
  async upsert(input: ThresholdInput) {
    const t = parseOrThrow(thresholdInputSchema, input, 'threshold');
    return this.db
      .insertInto('alert_thresholds')
      .values({ ...t, updated_at: new Date() })
      .onConflict((oc) =>
        oc.expression(sql`(COALESCE(robot_id, '')), metric_type`).doUpdateSet({
          warning_threshold: t.warning_threshold,
          critical_threshold: t.critical_threshold,
          direction: t.direction,
          enabled: t.enabled,
          updated_at: new Date(),
        }),
      )
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async remove(id: number): Promise<void> {
    const result = await this.db.deleteFrom('alert_thresholds').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new NotFoundError('threshold', String(id));
  }

  /** Drops a robot's overrides (all, or one metric), so the global defaults apply again. */
  async removeForRobot(robotId: string, metricType?: string): Promise<number> {
    let query = this.db.deleteFrom('alert_thresholds').where('robot_id', '=', robotId);
    if (metricType) query = query.where('metric_type', '=', metricType);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

export type AlertThreshold = Awaited<ReturnType<AlertThresholdRepository['listGlobal']>>[number];
