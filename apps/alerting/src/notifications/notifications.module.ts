import { Module } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DatabaseModule } from '@fleet/database';
import { WebhookUrlPolicy } from '@fleet/messaging';
import { WebhookDeliverer } from './webhook.deliverer';

/**
 * Delivers alert notifications to webhooks: the queue `enqueueAlertEvent` fills, posted by a {@link WebhookDeliverer}
 * that starts with the application and stops with it. Call `wake()` on it after committing an alert change so the
 * notification goes out at once instead of at the next poll. Deliveries go only to public addresses, or to hosts
 * on `ALERT_WEBHOOK_ALLOWED_HOSTS`.
 */
@Module({
  imports: [DatabaseModule],
  providers: [
    WebhookDeliverer,
    {
      provide: WebhookUrlPolicy,
      useFactory: (config: FleetConfig) => new WebhookUrlPolicy(config.alerting.webhookAllowedHosts),
      inject: [FLEET_CONFIG],
    },
  ],
  exports: [WebhookDeliverer],
})
export class NotificationsModule {}
