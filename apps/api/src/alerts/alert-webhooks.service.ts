import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { webhookTestEvent, type PageQuery, type WebhookInput, type WebhookPatch } from '@fleet/contracts';
import { AlertNotificationRepository, AlertWebhookRepository } from '@fleet/database';
import { postWebhook, webhookHeaders, WebhookUrlPolicy } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';

/**
 * Webhooks alert changes are posted to, managed by admins. Secrets go in and are never shown again; a URL on
 * Fleet's own network is refused ({@link WebhookUrlPolicy}).
 */
@Injectable()
export class AlertWebhooksService {
  constructor(
    @Inject(AlertWebhookRepository) private readonly webhooks: AlertWebhookRepository,
    @Inject(AlertNotificationRepository) private readonly notifications: AlertNotificationRepository,
    @Inject(WebhookUrlPolicy) private readonly urls: WebhookUrlPolicy,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
  ) {}

  /** Webhooks by name, with their undelivered and failed deliveries. */
  async list(query: PageQuery) {
    const [hooks, counts] = await Promise.all([this.webhooks.list(), this.notifications.countsByWebhook()]);
    const items = hooks.slice(query.offset, query.offset + query.limit).map((hook) => ({
      ...hook,
      pending: counts.get(hook.id)?.pending ?? 0,
      failed: counts.get(hook.id)?.failed ?? 0,
    }));
    return { items, total: hooks.length, limit: query.limit, offset: query.offset };
  }

  async create(actor: Actor, input: WebhookInput) {
    await this.urls.check(input.url);
    const hook = await this.webhooks.create(input, actor.user.username);
    await this.audit.record(actor, 'webhook.create', 'webhook', String(hook.id), null, hook);
    return { ...hook, pending: 0, failed: 0 };
  }

  /**
   * Changes the fields given and keeps the others; a new URL is checked as on creation. Deliveries already queued
   * go to the webhook as it is when they are sent.
   */
  async update(actor: Actor, id: number, changes: WebhookPatch) {
    if (changes.url !== undefined) await this.urls.check(changes.url);
    const before = await this.webhooks.get(id);
    const hook = await this.webhooks.update(id, changes);
    await this.audit.record(actor, 'webhook.update', 'webhook', String(id), before, hook);
    const counts = (await this.notifications.countsByWebhook()).get(id);
    return { ...hook, pending: counts?.pending ?? 0, failed: counts?.failed ?? 0 };
  }

  /** Removes a webhook and, with it, the deliveries it has not had yet. */
  async remove(actor: Actor, id: number): Promise<void> {
    const before = await this.webhooks.get(id);
    await this.webhooks.remove(id);
    await this.audit.record(actor, 'webhook.delete', 'webhook', String(id), before, null);
  }

  /**
   * Posts a sample "opened" event now, signed and sent as alerting sends deliveries, and says how the receiver
   * answered. The URL is checked again first: what its host resolves to may have changed.
   */
  async test(actor: Actor, id: number) {
    const { min_severity } = await this.webhooks.get(id);
    const hook = await this.webhooks.getForDelivery(id);
    await this.urls.check(hook.url);
    const now = this.clock.now();
    const body = JSON.stringify(
      webhookTestEvent(
        now,
        min_severity,
        'Sent from the API to test this webhook; no alert was raised.',
        'webhook test',
      ),
    );
    const headers = webhookHeaders({
      event: 'opened',
      deliveryId: `test-${randomUUID()}`,
      timestamp: Math.floor(now.getTime() / 1000),
      body,
      secret: hook.secret,
    });
    const started = performance.now();
    const outcome = await postWebhook(hook.url, headers, body, {
      timeoutMs: this.config.alerting.webhookTimeoutMs,
      policy: this.urls,
    });
    const result = {
      delivered: outcome.ok,
      status: outcome.status ?? null,
      error: outcome.ok ? null : outcome.error,
      duration_ms: Math.round(performance.now() - started),
    };
    await this.audit.record(actor, 'webhook.test', 'webhook', String(id), null, result);
    return result;
  }
}
