import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule, MQTT_CONNECT, type MqttConnect } from '@fleet/messaging';
import { LOGGER, RESOURCES, type Resources } from '@fleet/platform';
import { TelemetryModule } from '@fleet/telemetry';
import { MessageLog } from './buffer/message-log';
import { IngestHeartbeat } from './ingest.heartbeat';
import { IngestMetrics } from './ingest.metrics';
import { INGEST_FILTERS, receiveInto, subscriptionFilters } from './ingest.receiver';
import { INGEST_BUFFER, INGEST_MQTT } from './ingest.tokens';
import { IngestWriter } from './ingest.writer';
import { RobotRegistry } from './robot-registry';

/** Each replica keeps its own buffer, named like its MQTT session, so a restart finds what it left. */
function openBuffer(config: FleetConfig, logger: Logger, resources: Resources): MessageLog {
  const dir = join(config.ingest.bufferDir, config.instanceId.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const buffer = MessageLog.open({
    dir,
    maxBytes: config.ingest.bufferMaxBytes,
    memoryMaxBytes: config.ingest.memoryMaxBytes,
    fsyncMs: config.ingest.fsyncMs,
    logger: logger.child({ component: 'ingest-buffer' }),
  });
  resources.add(
    'ingest buffer',
    () => Promise.resolve(buffer.close()),
    () => buffer.close(),
  );
  return buffer;
}

/**
 * Ingest's own session (the service's shared connection keeps `fleet-ingest-<instance>`): fixed per replica, so
 * the broker keeps its messages across a restart. It only receives: while the buffer is full it reads no packet, so
 * what ingest publishes (scan replies) goes out on the shared connection.
 */
async function connectIngest(
  connect: MqttConnect,
  buffer: MessageLog,
  config: FleetConfig,
  metrics: IngestMetrics,
  logger: Logger,
) {
  let connections = 0;
  return connect(`fleet-ingest-${config.instanceId}-robots`, (connection) => {
    const receiver = receiveInto(buffer, config, metrics);
    connection.consume(receiver.handle, receiver.settle);
    // Subscribed on every connection, the first included (this runs before the client can connect). A persistent
    // session should keep the subscription, but Mosquitto restarted from its persistence file answers "session
    // present" without the shared subscription's group, and subscribing again to the same filter does not bring it
    // back: on a reconnect to a session the broker says it kept, shared filters are unsubscribed and subscribed
    // again (what the broker receives in that one round trip goes to the other replicas, or is not delivered).
    // Plain filters are restored with the session and only subscribed again.
    connection.client.on('connect', (connack) => {
      const filters = subscriptionFilters(config, connection, INGEST_FILTERS);
      const subscribe = () =>
        connection.client.subscribe(filters, { qos: 1 }, (error) => {
          if (error) logger.error({ err: error, filters }, 'cannot subscribe to robot topics');
          else logger.info({ filters }, 'subscribed to robot topics');
        });
      connections += 1;
      const shared = filters.some((filter) => filter.startsWith('$share/'));
      if (connections > 1 && connack.sessionPresent && shared)
        connection.client.unsubscribe(filters, () => subscribe());
      else subscribe();
    });
  });
}

/**
 * Turns what robots publish over MQTT into time series, entity updates, live state and events.
 */
@Module({
  imports: [DatabaseModule, MessagingModule, TelemetryModule],
  providers: [
    IngestMetrics,
    RobotRegistry,
    { provide: INGEST_BUFFER, useFactory: openBuffer, inject: [FLEET_CONFIG, LOGGER, RESOURCES] },
    {
      provide: INGEST_MQTT,
      useFactory: connectIngest,
      inject: [MQTT_CONNECT, INGEST_BUFFER, FLEET_CONFIG, IngestMetrics, LOGGER],
    },
    IngestWriter,
    IngestHeartbeat,
  ],
})
export class IngestModule {}
