import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError, parseOrThrow, thresholdInputSchema, type ThresholdInput } from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { DEFAULT_THRESHOLDS } from '../migrations/20261122010500-default-thresholds';
import { THRESHOLD_TIMING } from '../migrations/20261122030000-alerting';

/** The fields of a row that can change once it exists: its robot and metric stay. */
export type ThresholdChanges = Partial<
  Pick<
    ThresholdInput,
    'warning_threshold' | 'critical_threshold' | 'direction' | 'enabled' | 'pending_s' | 'clear_margin' | 'auto_resolve'
  >
>;

/** A global default as Fleet ships it. */
export interface ShippedThreshold {
  metric_type: string;
  warning_threshold: number;
  critical_threshold: number;
  direction: 'above' | 'below';
  pending_s: number;
  clear_margin: number;
  auto_resolve: boolean;
}

/** Disk's default is seeded with the alerting migration (20261122030000), beside its timing. */
const DISK_DEFAULT = { metric_type: 'disk', warning: 80, critical: 90, direction: 'above' } as const;

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

  async find(id: number) {
    return this.db.selectFrom('alert_thresholds').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async get(id: number) {
    const row = await this.find(id);
    if (!row) throw new NotFoundError('threshold', String(id));
    return row;
  }

  /** The row for (robot, metric), or with `robotId` null the global row of the metric; undefined when none. */
  async findFor(robotId: string | null, metricType: string) {
    return this.db
      .selectFrom('alert_thresholds')
      .select(COLUMNS)
      .where('robot_id', robotId === null ? 'is' : '=', robotId)
      .where('metric_type', '=', metricType)
      .executeTakeFirst();
  }

  /**
   * Changes the fields given and keeps the others. The row that results is validated as a whole (warning and
   * critical in order for its direction); bad input names the field.
   *
   * @example
   * await thresholds.update(id, { critical_threshold: 95 });
   */
  async update(id: number, changes: ThresholdChanges) {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('alert_thresholds')
        .select(COLUMNS)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new NotFoundError('threshold', String(id));
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      // The robot and metric stay as they are, so only the values are judged (an adopted row's robot id may
      // predate the id rules).
      const {
        robot_id: _robot,
        metric_type: _metric,
        ...values
      } = parseOrThrow(
        thresholdInputSchema,
        {
          metric_type: current.metric_type,
          warning_threshold: current.warning_threshold,
          critical_threshold: current.critical_threshold,
          direction: current.direction,
          enabled: current.enabled ?? true,
          pending_s: current.pending_s,
          clear_margin: current.clear_margin,
          auto_resolve: current.auto_resolve,
          ...given,
        },
        'threshold',
      );
      return trx
        .updateTable('alert_thresholds')
        .set({ ...values, updated_at: new Date() })
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
    });
  }

  /**
   * The global defaults Fleet ships with (what its migrations seed), by metric: to compare the global rows with,
   * or to put one back.
   */
  shippedDefaults(): ShippedThreshold[] {
    return [...DEFAULT_THRESHOLDS, DISK_DEFAULT]
      .map((t) => {
        const timing = THRESHOLD_TIMING.find((x) => x.metric_type === t.metric_type);
        return {
          metric_type: t.metric_type,
          warning_threshold: t.warning,
          critical_threshold: t.critical,
          direction: t.direction,
          pending_s: timing?.pending_s ?? 0,
          clear_margin: timing?.clear_margin ?? 0,
          auto_resolve: true,
        };
      })
      .sort((a, b) => a.metric_type.localeCompare(b.metric_type));
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
