import { Module } from '@nestjs/common';
import { MessagingModule } from '@fleet/messaging';
import { BrowserMqttAccess } from './browser-mqtt.access';
import { LiveAuth } from './live.auth';
import { LiveFeed } from './live.feed';
import { LiveGateway } from './live.gateway';
import { LiveMetrics } from './live.metrics';

/**
 * Live updates: the WebSocket at `/api/v1/ws` fed from the event streams, and browsers' read-only access to robot
 * topics on the embedded MQTT broker.
 */
@Module({
  imports: [MessagingModule],
  providers: [LiveAuth, LiveMetrics, LiveGateway, LiveFeed, BrowserMqttAccess],
  exports: [LiveGateway],
})
export class LiveModule {}
