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
  'pending_s',
  'clear_margin',
  'auto_resolve',
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

  /**
   * Every row, global and per robot (globals first): few enough that alerting keeps them all in memory.
   *
   * @example
   * const book = new ThresholdBook(await thresholds.listAll());
   */
  async listAll() {
    return this.db
      .selectFrom('alert_thresholds')
      .select(COLUMNS)
      .orderBy(sql`robot_id NULLS FIRST`)
      .orderBy('metric_type')
      .execute();
  }

  /**
   * Creates or replaces the row for (robot or global, metric). Input is validated; bad input names the field.
   * Timing fields left out (`pending_s`, `clear_margin`, `auto_resolve`) are kept when the row exists; a new
   * robot row takes them from the global row of its metric, so an override of the values alone keeps the
   * metric's timing, and a new row with no global one gets the column defaults.
   */
  async upsert(input: ThresholdInput) {
    const { pending_s, clear_margin, auto_resolve, ...t } = parseOrThrow(thresholdInputSchema, input, 'threshold');
    const given = {
      ...(pending_s !== undefined && { pending_s }),
      ...(clear_margin !== undefined && { clear_margin }),
      ...(auto_resolve !== undefined && { auto_resolve }),
    };
    const inherited =
      t.robot_id === null
        ? undefined
        : await this.db
            .selectFrom('alert_thresholds')
            .select(['pending_s', 'clear_margin', 'auto_resolve'])
            .where('robot_id', 'is', null)
            .where('metric_type', '=', t.metric_type)
            .executeTakeFirst();
    const now = new Date();
    return this.db
      .insertInto('alert_thresholds')
      .values({ ...inherited, ...t, ...given, updated_at: now })
      .onConflict((oc) =>
        oc.expression(sql`(COALESCE(robot_id, '')), metric_type`).doUpdateSet({
          warning_threshold: t.warning_threshold,
          critical_threshold: t.critical_threshold,
          direction: t.direction,
          enabled: t.enabled,
          ...given,
          updated_at: now,
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
