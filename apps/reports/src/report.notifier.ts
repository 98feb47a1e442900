import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import type { ReportWebhookPayload } from '@fleet/contracts';
import { ReportScheduleRepository, SystemLogRepository, type ReportRow } from '@fleet/database';
import { postWebhook, webhookHeaders, WebhookUrlPolicy } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import { reportView } from '@fleet/reports';
import { ReportMetrics } from './report.metrics';

/** Pauses before the second and third attempt of a delivery. */
const RETRY_DELAYS_MS = [5_000, 30_000];

/**
 * Tells a schedule's webhook of each report it made (done or failed), with the links to download it, signed with the
 * schedule's secret as alert webhooks are (`X-Fleet-Signature`). Deliveries go only to addresses the webhook URL
 * policy accepts (`ALERT_WEBHOOK_ALLOWED_HOSTS`), are tried three times, and a delivery that still fails is logged
 * in the system log; the report itself is unaffected.
 */
@Injectable()
export class ReportNotifier implements BeforeApplicationShutdown {
  private readonly pending = new Set<Promise<void>>();
  private readonly policy: WebhookUrlPolicy;
  private readonly log: Logger;

  constructor(
    @Inject(ReportScheduleRepository) private readonly schedules: ReportScheduleRepository,
    @Inject(SystemLogRepository) private readonly systemLogs: SystemLogRepository,
    @Inject(ReportMetrics) private readonly metrics: ReportMetrics,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.policy = new WebhookUrlPolicy(config.alerting.webhookAllowedHosts);
    this.log = logger.child({ component: 'reports' });
  }

  /** Starts the delivery for a scheduled report, if its schedule has a webhook; does not wait for it. */
  async notify(report: ReportRow): Promise<void> {
    if (!report.schedule_id) return;
    const schedule = await this.schedules.find(report.schedule_id);
    if (!schedule?.webhook_url) return;
    const view = reportView(report);
    const payload: ReportWebhookPayload = {
      event: report.status === 'done' ? 'report.done' : 'report.failed',
      at: this.clock.now().toISOString(),
      schedule: { id: schedule.id, name: schedule.name },
      report: {
        id: report.id,
        title: report.title,
        report_type: report.report_type,
        status: report.status,
        period_from: view.period_from ?? view.created_at,
        period_to: view.period_to ?? view.created_at,
        due_at: view.due_at,
        error: report.error,
        files: view.files,
      },
    };
    const delivery = this.deliver(schedule.webhook_url, schedule.webhook_secret, payload, schedule.name).finally(() =>
      this.pending.delete(delivery),
    );
    this.pending.add(delivery);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Resolves once every delivery started has ended (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async deliver(url: string, secret: string | null, payload: ReportWebhookPayload, name: string) {
    const body = JSON.stringify(payload);
    let error = '';
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt - 1]).unref());
      const headers = webhookHeaders({
        event: payload.event,
        deliveryId: `report-${payload.report.id}-${payload.event}`,
        timestamp: Math.floor(this.clock.now().getTime() / 1000),
        body,
        secret,
      });
      const outcome = await postWebhook(url, headers, body, {
        timeoutMs: this.config.alerting.webhookTimeoutMs,
        policy: this.policy,
      });
      if (outcome.ok) {
        this.metrics.webhooks.inc({ result: 'delivered' });
        return;
      }
      error = outcome.error;
    }
    this.metrics.webhooks.inc({ result: 'failed' });
    this.log.warn({ schedule: name, reportId: payload.report.id, error }, 'report webhook delivery failed');
    await this.systemLogs
      .insert({
        level: 'WARNING',
        category: 'reports',
        message: `the webhook of report schedule '${name}' was not told of report ${payload.report.id}: ${error}`,
        details: { schedule: name, report_id: payload.report.id, error },
        timestamp: this.clock.now(),
      })
      .catch((e: unknown) => this.log.error({ err: e }, 'cannot record a failed report webhook delivery'));
  }
}
