export { FLEET_CLIENT_ID_PREFIX, mayPublish, maySubscribe, robotIdProblem, type BrokerIdentity } from './broker-access';
export { EmbeddedBroker, INTERNAL_USER, type EmbeddedBrokerOptions } from './embedded-broker';
export type { BusEvent, EventBus, SubscribeOptions, Subscription } from './event-bus/event-bus';
export { KickedRounds, type KickedRoundsOptions } from './event-bus/kicked-rounds';
export { MemoryEventBus, type MemoryEventBusOptions } from './event-bus/memory-event-bus';
export { RedisEventBus, type RedisEventBusOptions } from './event-bus/redis-event-bus';
export {
  seriesKey,
  type FleetSummary,
  type LiveEntry,
  type LiveState,
  type LiveUpdate,
  type RobotLiveState,
} from './live-state/live-state';
export { MemoryLiveState } from './live-state/memory-live-state';
export { RedisLiveState } from './live-state/redis-live-state';
export { MessagingModule, type MqttConnect } from './messaging.module';
export { EVENT_BUS, LIVE_STATE } from './messaging.tokens';
export { EMBEDDED_BROKER, MQTT_CONNECT, MQTT_CONNECTION, REDIS_CONNECTION } from './messaging.tokens';
export {
  describeBroker,
  MqttConnection,
  MqttPublishError,
  type MqttConnectionOptions,
  type ReceivedMessage,
} from './mqtt-connection';
export { describeRedis, RedisConnection } from './redis-connection';
export { robotCredentialLookup } from './robot-credential-lookup';
export type { ActiveRobotCredential, RobotCredentialLookup } from './robot-logins';
export { hashRobotSecret, newRobotSecret, robotSecretMatches } from './robot-secret';
export { prefixTopic, unprefixTopic } from './topics';
export { postWebhook, type PostOptions, type PostOutcome } from './webhooks/webhook.client';
export {
  dnsLookup,
  isInternalAddress,
  WEBHOOK_ALLOWED_HOSTS,
  WEBHOOK_HOST_LOOKUP,
  WebhookAddressRefused,
  WebhookUrlPolicy,
  type HostLookup,
} from './webhooks/webhook-url.policy';
export {
  verifyWebhookSignature,
  WEBHOOK_TOLERANCE_S,
  WEBHOOK_USER_AGENT,
  webhookHeaders,
  webhookSignature,
  type DeliveryToSign,
} from './webhooks/webhook-signature';
