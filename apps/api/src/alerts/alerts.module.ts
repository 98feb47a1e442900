import { Module } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DatabaseModule } from '@fleet/database';
import {
  dnsLookup,
  MessagingModule,
  WEBHOOK_ALLOWED_HOSTS,
  WEBHOOK_HOST_LOOKUP,
  WebhookUrlPolicy,
} from '@fleet/messaging';
import { AlertEventPublisher } from './alert-event.publisher';
import { AlertSnoozesController } from './alert-snoozes.controller';
import { AlertSnoozesService } from './alert-snoozes.service';
import { AlertWebhooksController } from './alert-webhooks.controller';
import { AlertWebhooksService } from './alert-webhooks.service';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { ThresholdsController } from './thresholds.controller';
import { ThresholdsService } from './thresholds.service';

/**
 * Alerts for operators (list, stats, acknowledge, resolve, snooze) and their configuration for admins
 * (thresholds, webhooks). Changes are announced exactly as alerting announces its own.
 */
@Module({
  imports: [DatabaseModule, MessagingModule],
  controllers: [AlertsController, AlertSnoozesController, AlertWebhooksController, ThresholdsController],
  providers: [
    AlertsService,
    AlertSnoozesService,
    AlertWebhooksService,
    ThresholdsService,
    AlertEventPublisher,
    WebhookUrlPolicy,
    {
      provide: WEBHOOK_ALLOWED_HOSTS,
      useFactory: (config: FleetConfig) => config.alerting.webhookAllowedHosts,
      inject: [FLEET_CONFIG],
    },
    { provide: WEBHOOK_HOST_LOOKUP, useValue: dnsLookup },
  ],
  exports: [AlertsService, ThresholdsService, AlertEventPublisher],
})
export class AlertsModule {}
