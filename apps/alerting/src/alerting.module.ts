import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { AlertEvaluator } from './alert.evaluator';
import { AlertPublisher } from './alert.publisher';
import { AlertingMetrics } from './alerting.metrics';
import { AlertingRepository } from './alerting.repository';
import { AlertingSettings } from './alerting.settings';
import { NotificationsModule } from './notifications/notifications.module';
import { OfflineDetector } from './offline.detector';

/**
 * Evaluates thresholds and robot silence, and raises, escalates and resolves alerts; delivers them to webhooks.
 */
@Module({
  imports: [DatabaseModule, MessagingModule, NotificationsModule],
  providers: [AlertingMetrics, AlertingRepository, AlertingSettings, AlertPublisher, AlertEvaluator, OfflineDetector],
  exports: [AlertEvaluator, OfflineDetector, AlertingSettings],
})
export class AlertingModule {}
