import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { AlertNotificationRepository, SystemLogRepository, type ClaimedNotification } from '@fleet/database';
import { CLOCK, LOGGER, MetricsService, type Clock } from '@fleet/platform';
import { postWebhook, webhookHeaders, WebhookUrlPolicy, type PostOutcome } from '@fleet/messaging';
import { webhookBackoffMs } from './webhook-backoff';

/** Deliveries taken from the queue per round. */
const CLAIM_LIMIT = 16;
/** Deliveries posted at once, so one slow receiver does not hold up the others. */
const CONCURRENCY = 4;
/** How often the queue is looked at when nobody calls {@link WebhookDeliverer.wake}. */
const POLL_MS = 1_000;
/** Delivered and failed deliveries are kept this long (for `fleet webhooks list` and investigation), then deleted. */
const KEEP_MS = 30 * 24 * 3_600_000;
const CLEAN_EVERY_MS = 3_600_000;
/** Added to a lease beyond the longest a round can take, so a slow round never loses rows to another deliverer. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Posts queued alert notifications to their webhooks. Any number of deliverers, in any number of processes, share
 * the queue: each round claims due rows with a lease, so a row goes to one deliverer at a time, and a deliverer
 * that dies leaves its rows to the others when the lease runs out. A failed attempt (an error status, a redirect,
 * no answer in time, no connection, a host that is or resolves to a loopback, private or link-local address and
 * is not on `ALERT_WEBHOOK_ALLOWED_HOSTS`) is logged and tried again later, backing off from 5 s to an hour; after
 * `ALERT_WEBHOOK_MAX_ATTEMPTS` attempts the delivery is given up and an ERROR entry is written to the system log.
 * Delivery is at least once: receivers deduplicate with `x-fleet-delivery`.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: Logger;
  private readonly deliveries: Counter<'result'>;
  private readonly seconds: Histogram;
  private running?: Promise<void>;
  private stopping = false;
  private woken = false;
  private interrupt?: () => void;
  private failing = false;
  private cleanedAt = 0;

  constructor(
    @Inject(AlertNotificationRepository) private readonly notifications: AlertNotificationRepository,
    @Inject(SystemLogRepository) private readonly systemLogs: SystemLogRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(WebhookUrlPolicy) private readonly urls: WebhookUrlPolicy,
  ) {
    this.log = logger.child({ component: 'webhooks' });
    this.deliveries = new Counter({
      name: 'fleet_alert_webhook_deliveries_total',
      help: 'Webhook delivery attempts: delivered, failed and to be retried, or failed for good (given up)',
      labelNames: ['result'],
      registers: [metrics.registry],
    });
    this.seconds = new Histogram({
      name: 'fleet_alert_webhook_delivery_seconds',
      help: 'Time one webhook delivery attempt took, answered or not',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  /** Stops taking deliveries and waits for those being posted; the ones claimed but not started go back to the queue. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    await this.running;
  }

  /** Looks at the queue now rather than at the next poll: call it after committing an alert change. */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /**
   * One round: claims the deliveries due now and posts them, a few at a time. Returns how many were attempted.
   * Failed attempts are recorded and logged, never thrown; only a failure to reach the queue itself is.
   */
  async runOnce(): Promise<number> {
    const leaseMs = Math.ceil(CLAIM_LIMIT / CONCURRENCY) * this.config.alerting.webhookTimeoutMs + LEASE_MARGIN_MS;
    const queue = await this.notifications.claimDue(this.clock.now(), CLAIM_LIMIT, leaseMs);
    const claimed = queue.length;
    const worker = async () => {
      while (!this.stopping) {
        const row = queue.shift();
        if (!row) return;
        await this.deliver(row);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed) }, worker));
    if (queue.length > 0) {
      await this.notifications.release(queue.map((row) => row.id)).catch((error: unknown) => {
        this.log.warn({ err: error, deliveries: queue.length }, 'could not hand back unsent deliveries');
      });
    }
    return claimed - queue.length;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      let attempted = 0;
      try {
        attempted = await this.runOnce();
        if (this.failing) this.log.info('webhook deliveries resumed: the queue can be read again');
        this.failing = false;
      } catch (error) {
        if (!this.failing)
          this.log.error({ err: error }, 'cannot read the webhook delivery queue; trying every second');
        this.failing = true;
      }
      await this.clean();
      // A full round suggests more is due: go on at once.
      if (attempted < CLAIM_LIMIT) await this.pause(POLL_MS);
    }
  }

  /** Deletes finished deliveries past their keeping time, at most hourly; a failure waits for the next hour. */
  private async clean(): Promise<void> {
    if (Date.now() - this.cleanedAt < CLEAN_EVERY_MS) return;
    this.cleanedAt = Date.now();
    try {
      const deleted = await this.notifications.deleteOlderThan(new Date(this.clock.now().getTime() - KEEP_MS));
      if (deleted > 0) this.log.info({ deleted }, 'deleted webhook deliveries older than 30 days');
    } catch (error) {
      this.log.warn({ err: error }, 'cannot delete old webhook deliveries');
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }

  /** Posts one delivery and records the outcome; never throws. */
  private async deliver(row: ClaimedNotification): Promise<void> {
    const body = JSON.stringify(row.payload);
    const headers = webhookHeaders({
      event: row.event,
      deliveryId: row.id,
      timestamp: Math.floor(this.clock.now().getTime() / 1000),
      body,
      secret: row.secret,
    });
    const endTimer = this.seconds.startTimer();
    const outcome = await postWebhook(row.url, headers, body, {
      timeoutMs: this.config.alerting.webhookTimeoutMs,
      policy: this.urls,
    });
    endTimer();
    try {
      if (outcome.ok) {
        await this.notifications.markDelivered(row.id, outcome.status, this.clock.now(), row.attempts);
        this.deliveries.inc({ result: 'delivered' });
        this.log.debug({ ...logFields(row), status: outcome.status }, 'webhook delivery accepted');
      } else {
        await this.failed(row, outcome);
      }
    } catch (error) {
      this.log.error(
        { ...logFields(row), err: error },
        'could not record a webhook delivery attempt; the delivery is tried again when its lease runs out',
      );
    }
  }

  private async failed(row: ClaimedNotification, outcome: Extract<PostOutcome, { ok: false }>): Promise<void> {
    const giveUp = row.attempts >= this.config.alerting.webhookMaxAttempts;
    const nextAttemptAt = giveUp ? null : new Date(this.clock.now().getTime() + webhookBackoffMs(row.attempts));
    await this.notifications.markAttemptFailed(
      row.id,
      { status: outcome.status, error: outcome.error, nextAttemptAt },
      row.attempts,
    );
    this.deliveries.inc({ result: giveUp ? 'failed' : 'retry' });
    const context = { ...logFields(row), status: outcome.status ?? null, error: outcome.error };
    if (!giveUp) {
      this.log.warn({ ...context, nextAttemptAt }, 'webhook delivery failed; it will be tried again');
      return;
    }
    this.log.warn(context, 'webhook delivery failed; giving up');
    const alert = alertOf(row);
    await this.systemLogs.insert({
      level: 'ERROR',
      category: 'alerting',
      message:
        `Webhook '${row.name}' did not take the ${row.event} event of alert ${alert.id ?? '?'}` +
        ` after ${row.attempts} attempts; the delivery was given up. Last error: ${outcome.error}`,
      robot_id: alert.robot_id ?? null,
      details: {
        webhook_id: row.webhook_id,
        webhook: row.name,
        notification_id: row.id,
        alert_id: alert.id ?? null,
        event: row.event,
        attempts: row.attempts,
        last_status: outcome.status ?? null,
        last_error: outcome.error,
      },
    });
  }
}

/** The alert a delivery is about, from its payload (the row's own `alert_id` is cleared if the alert is deleted). */
function alertOf(row: ClaimedNotification): { id?: number; robot_id?: string | null } {
  const alert = (row.payload as { alert?: { id?: number; robot_id?: string | null } }).alert;
  return { id: row.alert_id ?? alert?.id, robot_id: alert?.robot_id };
}

/** A delivery in log lines: never the secret, and only the host of the URL (some URLs carry a token in their path). */
function logFields(row: ClaimedNotification) {
  let host: string | undefined;
  try {
    host = new URL(row.url).host;
  } catch {
    host = undefined;
  }
  return {
    webhook: row.name,
    webhookId: row.webhook_id,
    host,
    notification: row.id,
    alertId: alertOf(row).id ?? null,
    event: row.event,
    attempt: row.attempts,
  };
}
