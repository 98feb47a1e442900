export { EmbeddedBroker, INTERNAL_USER, mayPublish, type EmbeddedBrokerOptions } from './embedded-broker';
export { MessagingModule } from './messaging.module';
export { EMBEDDED_BROKER, MQTT_CONNECTION, REDIS_CONNECTION } from './messaging.tokens';
export { describeBroker, MqttConnection, type MqttConnectionOptions, type ReceivedMessage } from './mqtt-connection';
export { describeRedis, RedisConnection } from './redis-connection';
export { prefixTopic, unprefixTopic } from './topics';
