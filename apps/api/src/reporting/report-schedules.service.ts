import { Inject, Injectable } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  type Page,
  type ReportScheduleCreate,
  type ReportScheduleUpdate,
  type ReportScheduleView,
} from '@fleet/contracts';
import { ReportScheduleRepository, RobotRepository, type ScheduleFields } from '@fleet/database';
import { WebhookUrlPolicy } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { checkSchedule, nextDueAt, scheduleView } from '@fleet/reports';
import { auditedBy, type Actor } from '../http/request-context';

/**
 * Report schedules: checked (the cron expression and time zone read, the robots registered, the webhook's address
 * one deliveries may go to), stored with their next due time, and audited with the change.
 */
@Injectable()
export class ReportSchedulesService {
  private readonly urls: WebhookUrlPolicy;

  constructor(
    @Inject(ReportScheduleRepository) private readonly schedules: ReportScheduleRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.urls = new WebhookUrlPolicy(config.alerting.webhookAllowedHosts);
  }

  async list(query: { limit?: number; offset?: number }): Promise<Page<ReportScheduleView>> {
    const page = await this.schedules.list(query);
    return { ...page, items: page.items.map(scheduleView) };
  }

  async get(id: string): Promise<ReportScheduleView> {
    return scheduleView(await this.schedules.get(id));
  }

  async create(actor: Actor, input: ReportScheduleCreate): Promise<ReportScheduleView> {
    const fields: ScheduleFields = {
      name: input.name,
      report_type: input.type,
      robot_ids: input.robot_ids ?? null,
      period: input.period,
      cron: input.cron,
      timezone: input.timezone ?? this.config.reports.timezone,
      formats: input.formats,
      enabled: input.enabled,
      missed: input.missed,
      webhook_url: input.webhook_url ?? null,
      webhook_secret: input.webhook_secret ?? null,
    };
    await this.check(fields);
    const now = this.clock.now();
    return scheduleView(await this.schedules.create(fields, nextDueAt(fields, now), auditedBy(actor), now));
  }

  async update(actor: Actor, id: string, changes: ReportScheduleUpdate): Promise<ReportScheduleView> {
    const { type, ...rest } = changes;
    const fields: Partial<ScheduleFields> = { ...rest, ...(type !== undefined && { report_type: type }) };
    const current = await this.schedules.get(id);
    const merged = { ...current, ...fields };
    await this.check(merged);
    const now = this.clock.now();
    const timing = ['cron', 'timezone', 'enabled'].some((k) => k in fields);
    const updated = await this.schedules.update(
      id,
      (before) => ({ fields, nextDueAt: timing ? nextDueAt({ ...before, ...fields }, now) : before.next_due_at }),
      auditedBy(actor),
      now,
    );
    return scheduleView(updated);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.schedules.delete(id, auditedBy(actor));
  }

  private check(fields: Pick<ScheduleFields, 'cron' | 'timezone' | 'robot_ids' | 'webhook_url'>): Promise<void> {
    return checkSchedule(fields, { robots: this.robots, urls: this.urls, now: this.clock.now() });
  }
}
