import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { WebhookDeliverer } from './webhook.deliverer';

/**
 * Delivers alert notifications to webhooks: the queue `enqueueAlertEvent` fills, posted by a {@link WebhookDeliverer}
 * that starts with the application and stops with it. Call `wake()` on it after committing an alert change so the
 * notification goes out at once instead of at the next poll.
 */
@Module({
  imports: [DatabaseModule],
  providers: [WebhookDeliverer],
  exports: [WebhookDeliverer],
})
export class NotificationsModule {}
