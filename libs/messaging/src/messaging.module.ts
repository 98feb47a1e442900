import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HealthRegistry, LOGGER, RESOURCES, SERVICE_NAME, type Resources } from '@fleet/platform';
import { EmbeddedBroker, INTERNAL_USER } from './embedded-broker';
import { EMBEDDED_BROKER, MQTT_CONNECTION, REDIS_CONNECTION } from './messaging.tokens';
import { MqttConnection } from './mqtt-connection';
import { RedisConnection } from './redis-connection';

const EMBEDDED_CONNECT_TIMEOUT_MS = 5_000;

/** The secret Fleet's own clients log in with on the embedded broker; made anew by every process. */
const internalSecret = randomBytes(24).toString('base64url');

async function startBroker(config: FleetConfig, logger: Logger, resources: Resources): Promise<EmbeddedBroker | null> {
  if (config.mqtt.url) return null;
  const broker = new EmbeddedBroker({
    ...config.mqtt.broker,
    internalSecret,
    topicPrefix: config.mqtt.topicPrefix,
    logger: logger.child({ component: 'mqtt-broker' }),
  });
  resources.add('mqtt broker', () => broker.close());
  await broker.start();
  return broker;
}

async function connectMqtt(
  config: FleetConfig,
  logger: Logger,
  service: string,
  broker: EmbeddedBroker | null,
  resources: Resources,
): Promise<MqttConnection> {
  const log = logger.child({ component: 'mqtt' });
  const url = config.mqtt.url ?? embeddedUrl(config, broker);
  const connection = new MqttConnection({
    url,
    // Fixed per service and replica, so a persistent session survives a restart.
    clientId: `fleet-${service}-${config.instanceId}`,
    ...(broker
      ? { username: INTERNAL_USER, password: internalSecret }
      : { username: config.mqtt.username, password: config.mqtt.password }),
    topicPrefix: config.mqtt.topicPrefix,
    logger: log,
  });
  resources.add('mqtt', () => connection.close());
  // The embedded broker is already listening; an external one may come later (health shows it meanwhile).
  if (broker) await connection.waitUntilConnected(EMBEDDED_CONNECT_TIMEOUT_MS);
  return connection;
}

function connectRedis(config: FleetConfig, logger: Logger, resources: Resources): RedisConnection | null {
  if (!config.redis.url) return null;
  const redis = new RedisConnection(config.redis.url, config.redis.keyPrefix, logger.child({ component: 'redis' }));
  resources.add('redis', () => redis.close());
  return redis;
}

function embeddedUrl(config: FleetConfig, broker: EmbeddedBroker | null): string {
  const host = ['0.0.0.0', '::', ''].includes(config.mqtt.broker.host) ? '127.0.0.1' : config.mqtt.broker.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${broker?.port ?? config.mqtt.broker.port}`;
}

/** Reports `mqtt`, `mqtt_broker` and `redis` in `/health`. (They close with the process's other resources.) */
@Injectable()
class MessagingHealth {
  constructor(
    @Inject(MQTT_CONNECTION) mqtt: MqttConnection,
    @Inject(EMBEDDED_BROKER) broker: EmbeddedBroker | null,
    @Inject(REDIS_CONNECTION) redis: RedisConnection | null,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    health.register({
      name: 'mqtt',
      check: () => {
        if (!mqtt.connected) return Promise.reject(new Error(`not connected to ${mqtt.target}: ${mqtt.problem}`));
        return Promise.resolve({ mode: broker ? 'embedded' : 'external', broker: mqtt.target });
      },
    });
    if (broker) {
      health.register({
        name: 'mqtt_broker',
        check: () => {
          if (!broker.listening) return Promise.reject(new Error('embedded broker is not listening'));
          return Promise.resolve({ port: broker.port, ws_port: broker.wsPort, clients: broker.connectedClients });
        },
      });
    }
    if (redis) {
      health.register({
        name: 'redis',
        check: async () => {
          await redis.ping();
          return { target: redis.target };
        },
      });
    }
  }
}

/**
 * MQTT and Redis for a service: the broker at `MQTT_URL` or an embedded one, and Redis at `REDIS_URL` when set
 * (without it, events and live state stay in memory).
 */
@Module({
  providers: [
    { provide: EMBEDDED_BROKER, useFactory: startBroker, inject: [FLEET_CONFIG, LOGGER, RESOURCES] },
    {
      provide: MQTT_CONNECTION,
      useFactory: connectMqtt,
      inject: [FLEET_CONFIG, LOGGER, SERVICE_NAME, EMBEDDED_BROKER, RESOURCES],
    },
    { provide: REDIS_CONNECTION, useFactory: connectRedis, inject: [FLEET_CONFIG, LOGGER, RESOURCES] },
    MessagingHealth,
  ],
  exports: [MQTT_CONNECTION, EMBEDDED_BROKER, REDIS_CONNECTION],
})
export class MessagingModule {}
