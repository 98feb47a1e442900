import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';

/**
 * Evaluates thresholds and robot silence, and raises, escalates and resolves alerts.
 */
@Module({
  imports: [DatabaseModule, MessagingModule],
})
export class AlertingModule {}
