import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import {
  InvalidInputError,
  NotFoundError,
  parseOrThrow,
  snoozeInputSchema,
  type Page,
  type SnoozeInput,
} from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { fetchPage, pageBounds, TOTAL } from './sql-helpers';

const COLUMNS = ['id', 'robot_id', 'alert_type', 'until', 'reason', 'created_by', 'created_at'] as const;

/**
 * The `alert_snoozes` table: while a snooze lasts, alerting opens no new alert of its type (every type when
 * `alert_type` is null) for its robot. Snoozes end by themselves at `until`; removing one ends it early.
 */
@Injectable()
export class AlertSnoozeRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Adds a snooze. Input is validated (bad input names the field); `until` must be after `now`. */
  async create(input: SnoozeInput, by: string | null, now: Date) {
    const snooze = parseOrThrow(snoozeInputSchema, input, 'snooze');
    if (snooze.until.getTime() <= now.getTime()) {
      const message = `must be after now (${now.toISOString()})`;
      throw new InvalidInputError(`invalid snooze: until: ${message}`, [{ path: 'until', message }]);
    }
    return this.db
      .insertInto('alert_snoozes')
      .values({ ...snooze, created_by: by, created_at: now })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  }

  /** Snoozes of one robot or all, latest-ending first; with `activeAt`, only those still running then. */
  async list(query: { robotId?: string; activeAt?: Date } = {}) {
    let q = this.db.selectFrom('alert_snoozes').select(COLUMNS);
    if (query.robotId !== undefined) q = q.where('robot_id', '=', query.robotId);
    if (query.activeAt) q = q.where('until', '>', query.activeAt);
    return q.orderBy('until', 'desc').orderBy('id', 'desc').execute();
  }

  /** Every snooze running at `now`: few at any time, so alerting keeps them all in memory. */
  async active(now: Date) {
    return this.list({ activeAt: now });
  }

  /**
   * One page of the snoozes running at `activeAt`, of one robot or all, latest-ending first.
   *
   * @example
   * await snoozes.activePage({ robotId: 'tonypi_01', activeAt: now, limit: 50, offset: 0 });
   */
  async activePage(query: {
    robotId?: string;
    activeAt: Date;
    limit?: number;
    offset?: number;
  }): Promise<Page<AlertSnooze>> {
    const bounds = pageBounds(query);
    let q = this.db.selectFrom('alert_snoozes').where('until', '>', query.activeAt);
    if (query.robotId !== undefined) q = q.where('robot_id', '=', query.robotId);
    return fetchPage(
      bounds,
      q
        .select(COLUMNS)
        .orderBy('until', 'desc')
        .orderBy('id', 'desc')
        .limit(bounds.limit)
        .offset(bounds.offset)
        .execute(),
      q.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  async get(id: number): Promise<AlertSnooze> {
    const snooze = await this.db.selectFrom('alert_snoozes').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!snooze) throw new NotFoundError('snooze', String(id));
    return snooze;
  }

  async remove(id: number): Promise<void> {
    const result = await this.db.deleteFrom('alert_snoozes').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new NotFoundError('snooze', String(id));
  }
}

export type AlertSnooze = Awaited<ReturnType<AlertSnoozeRepository['create']>>;

/**
 * Whether one of `snoozes` covers a robot's alerts of `alertType` at `now`: same robot, same type or every type
 * (`alert_type` null), not yet over.
 *
 * @example
 * snoozeCovers(await snoozes.active(now), 'tonypi_01', 'battery', now);
 */
export function snoozeCovers(
  snoozes: readonly Pick<AlertSnooze, 'robot_id' | 'alert_type' | 'until'>[],
  robotId: string,
  alertType: string,
  now: Date,
): boolean {
  return snoozes.some(
    (s) =>
      s.robot_id === robotId &&
      (s.alert_type === null || s.alert_type === alertType) &&
      s.until.getTime() > now.getTime(),
  );
}
