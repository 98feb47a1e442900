import { Inject, Injectable } from '@nestjs/common';
import {
  ACKNOWLEDGE_ALL_LIMIT,
  ConflictError,
  type AlertAcknowledgeAll,
  type AlertCreate,
  type AlertListQueryInput,
  type AlertSnapshot,
  type AlertStatsQueryInput,
  type Page,
} from '@fleet/contracts';
import { AlertRepository, toAlertSnapshot, type AlertRow } from '@fleet/database';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';
import { AlertEventPublisher } from './alert-event.publisher';

const instant = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

/**
 * Alerts as operators see and act on them. Acknowledging and resolving go through the same repository methods and
 * announcements as everywhere else: the webhook deliveries are queued in the change's transaction, and the event
 * is published on the `alerts` stream once it is committed.
 */
@Injectable()
export class AlertsService {
  constructor(
    @Inject(AlertRepository) private readonly alerts: AlertRepository,
    @Inject(AlertEventPublisher) private readonly publisher: AlertEventPublisher,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(query: AlertListQueryInput): Promise<Page<AlertSnapshot>> {
    const page = await this.alerts.list({
      robotId: query.robot_id,
      alertType: query.alert_type,
      severity: query.severity,
      acknowledged: query.acknowledged,
      resolved: query.resolved,
      from: instant(query.from),
      to: instant(query.to),
      limit: query.limit,
      offset: query.offset,
    });
    return { ...page, items: page.items.map(toAlertSnapshot) };
  }

  stats(query: AlertStatsQueryInput) {
    return this.alerts.stats({ robotId: query.robot_id, from: instant(query.from), to: instant(query.to) });
  }

  async get(id: number): Promise<AlertSnapshot> {
    return toAlertSnapshot(await this.alerts.get(id));
  }

  /**
   * Opens an alert raised by hand, announced as `opened` by the signed-in user. One alert at most is open per robot,
   * type and source: another is a conflict (409).
   */
  async create(actor: Actor, input: AlertCreate): Promise<AlertSnapshot> {
    const { event } = await this.alerts.raise(
      {
        robot_id: input.robot_id ?? null,
        alert_type: input.alert_type,
        severity: input.severity,
        title: input.title,
        message: input.message,
        source: input.source ?? null,
        value: input.value ?? null,
        threshold: input.threshold ?? null,
        details: input.details ?? null,
      },
      actor.user.username,
      this.clock.now(),
    );
    await this.publisher.publish([event]);
    await this.audit.record(actor, 'alert.create', 'alert', String(event.alert.id), null, event.alert);
    return event.alert;
  }

  /** Deletes the alert for good, announced as `deleted`; the audit trail keeps what it was. */
  async remove(actor: Actor, id: number): Promise<void> {
    const { event } = await this.alerts.remove(id, actor.user.username, this.clock.now());
    await this.publisher.publish([event]);
    await this.audit.record(actor, 'alert.delete', 'alert', String(id), event.alert, null);
  }

  /** Acknowledging an acknowledged alert changes nothing; a resolved one has nothing left to acknowledge (409). */
  async acknowledge(actor: Actor, id: number): Promise<AlertSnapshot> {
    const before = await this.alerts.get(id);
    if (before.resolved === true) {
      throw new ConflictError(`alert ${id} is already resolved${resolvedHow(before)}: there is nothing to acknowledge`);
    }
    // Resolved in between, it is still acknowledged: a harmless record that someone looked, announced as such.
    const change = await this.alerts.acknowledge(id, actor.user.username, this.clock.now());
    if (change.event) {
      await this.publisher.publish([change.event]);
      await this.audit.record(
        actor,
        'alert.acknowledge',
        'alert',
        String(id),
        toAlertSnapshot(before),
        change.event.alert,
      );
    }
    return toAlertSnapshot(change.alert);
  }

  /**
   * Acknowledges the open alerts of one robot or all that were created by `before` (what the operator has seen;
   * default now), at most {@link ACKNOWLEDGE_ALL_LIMIT} at a time: `remaining` says how many more there are.
   */
  async acknowledgeAll(actor: Actor, input: AlertAcknowledgeAll) {
    const now = this.clock.now();
    const { events, remaining } = await this.alerts.acknowledgeOpen(
      { robotId: input.robot_id, createdBefore: instant(input.before) ?? now, limit: ACKNOWLEDGE_ALL_LIMIT },
      actor.user.username,
      now,
    );
    const alertIds = events.map((e) => e.alert.id);
    await this.publisher.publish(events);
    if (events.length > 0) {
      await this.audit.record(
        actor,
        'alert.acknowledge_all',
        'alert',
        input.robot_id ?? null,
        { robot_id: input.robot_id ?? null, before: input.before ?? now.toISOString(), acknowledged: false },
        { alert_ids: alertIds, acknowledged: true, acknowledged_by: actor.user.username, remaining },
      );
    }
    return { acknowledged: events.length, remaining, alert_ids: alertIds };
  }

  /** Resolves by hand (`resolution: manual`); an alert already resolved is a conflict. */
  async resolve(actor: Actor, id: number, note?: string): Promise<AlertSnapshot> {
    const before = await this.alerts.get(id);
    if (before.resolved === true) throw alreadyResolved(before);
    const change = await this.alerts.resolve(id, actor.user.username, this.clock.now(), note);
    if (!change.event) throw alreadyResolved(change.alert);
    await this.publisher.publish([change.event]);
    await this.audit.record(actor, 'alert.resolve', 'alert', String(id), toAlertSnapshot(before), change.event.alert);
    return toAlertSnapshot(change.alert);
  }
}

function resolvedHow(alert: AlertRow): string {
  const at = alert.resolved_at ? ` at ${alert.resolved_at.toISOString()}` : '';
  const by = alert.resolved_by ? ` by ${alert.resolved_by}` : alert.resolution === 'auto' ? ' by Fleet' : '';
  return `${at}${by}`;
}

function alreadyResolved(alert: AlertRow): ConflictError {
  return new ConflictError(`alert ${alert.id} is already resolved${resolvedHow(alert)}`);
}
