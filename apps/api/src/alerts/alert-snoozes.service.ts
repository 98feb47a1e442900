import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError, MAX_SNOOZE_DAYS, type SnoozeInput, type SnoozeListQuery } from '@fleet/contracts';
import { AlertSnoozeRepository, RobotRepository } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';

const DAY_MS = 86_400_000;

/** Snoozes: while one runs, alerting opens no new alert of its type (or any type) for its robot. */
@Injectable()
export class AlertSnoozesService {
  constructor(
    @Inject(AlertSnoozeRepository) private readonly snoozes: AlertSnoozeRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The snoozes running now, latest-ending first. */
  list(query: SnoozeListQuery) {
    return this.snoozes.activePage({
      robotId: query.robot_id,
      activeAt: this.clock.now(),
      limit: query.limit,
      offset: query.offset,
    });
  }

  async create(actor: Actor, input: SnoozeInput & { until: Date }) {
    const now = this.clock.now();
    await this.robots.get(input.robot_id);
    if (input.until.getTime() > now.getTime() + MAX_SNOOZE_DAYS * DAY_MS) {
      const message = `must be within ${MAX_SNOOZE_DAYS} days; put a robot out of service for longer in maintenance`;
      throw new InvalidInputError(`invalid snooze: until: ${message}`, [{ path: 'until', message }]);
    }
    const snooze = await this.snoozes.create(input, actor.user.username, now);
    await this.audit.record(actor, 'snooze.create', 'snooze', String(snooze.id), null, snooze);
    return snooze;
  }

  /** Ends a snooze early (or removes one that has ended). */
  async remove(actor: Actor, id: number): Promise<void> {
    const before = await this.snoozes.get(id);
    await this.snoozes.remove(id);
    await this.audit.record(actor, 'snooze.delete', 'snooze', String(id), before, null);
  }
}
