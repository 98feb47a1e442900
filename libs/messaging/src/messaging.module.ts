import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { DATABASE, DatabaseModule, type DB } from '@fleet/database';
import { HealthRegistry, LOGGER, MetricsService, RESOURCES, SERVICE_NAME, type Resources } from '@fleet/platform';
import { EmbeddedBroker, INTERNAL_USER } from './embedded-broker';
import type { EventBus } from './event-bus/event-bus';
import { MemoryEventBus } from './event-bus/memory-event-bus';
import { RedisEventBus } from './event-bus/redis-event-bus';
import type { LiveState } from './live-state/live-state';
import { MemoryLiveState } from './live-state/memory-live-state';
import { RedisLiveState } from './live-state/redis-live-state';
import { EMBEDDED_BROKER, MQTT_CONNECT, MQTT_CONNECTION, REDIS_CONNECTION } from './messaging.tokens';
import { EVENT_BUS, LIVE_STATE } from './messaging.tokens';
import { MqttConnection } from './mqtt-connection';
import { RedisConnection } from './redis-connection';
import { robotCredentialLookup } from './robot-credential-lookup';

const EMBEDDED_CONNECT_TIMEOUT_MS = 5_000;

/** The secret Fleet's own clients log in with on the embedded broker; made anew by every process. */
const internalSecret = randomBytes(24).toString('base64url');

async function startBroker(
  config: FleetConfig,
  logger: Logger,
  resources: Resources,
  db: Kysely<DB>,
  metrics: MetricsService,
): Promise<EmbeddedBroker | null> {
  if (config.mqtt.url) return null;
  const broker = new EmbeddedBroker({
    ...config.mqtt.broker,
    internalSecret,
    topicPrefix: config.mqtt.topicPrefix,
    robotCredentials: robotCredentialLookup(db),
    logger: logger.child({ component: 'mqtt-broker' }),
    metrics: metrics.registry,
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

/**
 * Opens a further connection, closed with the process's other resources. `setup` runs before the connection does
 * anything, so a persistent session's queued messages cannot arrive before their handler.
 */
export type MqttConnect = (clientId: string, setup?: (connection: MqttConnection) => void) => Promise<MqttConnection>;

function mqttConnectFactory(
  config: FleetConfig,
  logger: Logger,
  broker: EmbeddedBroker | null,
  resources: Resources,
): MqttConnect {
  return async (clientId, setup) => {
    const connection = new MqttConnection({
      url: config.mqtt.url ?? embeddedUrl(config, broker),
      clientId,
      ...(broker
        ? { username: INTERNAL_USER, password: internalSecret }
        : { username: config.mqtt.username, password: config.mqtt.password }),
      topicPrefix: config.mqtt.topicPrefix,
      logger: logger.child({ component: 'mqtt', clientId }),
    });
    setup?.(connection);
    resources.add(`mqtt ${clientId}`, () => connection.close());
    if (broker) await connection.waitUntilConnected(EMBEDDED_CONNECT_TIMEOUT_MS);
    return connection;
  };
}

function connectRedis(config: FleetConfig, logger: Logger, resources: Resources): RedisConnection | null {
  if (!config.redis.url) return null;
  const redis = new RedisConnection(config.redis.url, config.redis.keyPrefix, logger.child({ component: 'redis' }));
  resources.add('redis', () => redis.close());
  return redis;
}

/**
 * The process's event bus. Providers of a module imported statically by several modules are made once per
 * application, so the five services of the all-in-one process share this one bus (and one live state below).
 */
function createEventBus(
  config: FleetConfig,
  logger: Logger,
  redis: RedisConnection | null,
  resources: Resources,
): EventBus {
  const options = { maxLength: config.events.maxLength, logger: logger.child({ component: 'event-bus' }) };
  const bus = redis ? new RedisEventBus({ ...options, redis }) : new MemoryEventBus(options);
  // Registered after Redis, so closed before it: subscriptions end while their connection still works.
  resources.add('event bus', () => bus.close());
  return bus;
}

/** The process's live state; it holds nothing to close (Redis is the shared connection). */
function createLiveState(redis: RedisConnection | null): LiveState {
  return redis ? new RedisLiveState(redis) : new MemoryLiveState();
}

function embeddedUrl(config: FleetConfig, broker: EmbeddedBroker | null): string {
  const host = ['0.0.0.0', '::', ''].includes(config.mqtt.broker.host) ? '127.0.0.1' : config.mqtt.broker.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${broker?.port ?? config.mqtt.broker.port}`;
}

/** Reports `mqtt`, `mqtt_broker` and `redis` in `/health/ready`. (They close with the process's other resources.) */
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
  // Robots' credentials for the embedded broker are in the database.
  imports: [DatabaseModule],
  providers: [
    {
      provide: EMBEDDED_BROKER,
      useFactory: startBroker,
      inject: [FLEET_CONFIG, LOGGER, RESOURCES, DATABASE, MetricsService],
    },
    {
      provide: MQTT_CONNECTION,
      useFactory: connectMqtt,
      inject: [FLEET_CONFIG, LOGGER, SERVICE_NAME, EMBEDDED_BROKER, RESOURCES],
    },
    {
      provide: MQTT_CONNECT,
      useFactory: mqttConnectFactory,
      inject: [FLEET_CONFIG, LOGGER, EMBEDDED_BROKER, RESOURCES],
    },
    { provide: REDIS_CONNECTION, useFactory: connectRedis, inject: [FLEET_CONFIG, LOGGER, RESOURCES] },
    { provide: EVENT_BUS, useFactory: createEventBus, inject: [FLEET_CONFIG, LOGGER, REDIS_CONNECTION, RESOURCES] },
    { provide: LIVE_STATE, useFactory: createLiveState, inject: [REDIS_CONNECTION] },
    MessagingHealth,
  ],
  exports: [MQTT_CONNECTION, MQTT_CONNECT, EMBEDDED_BROKER, REDIS_CONNECTION, EVENT_BUS, LIVE_STATE],
})
export class MessagingModule {}
