/** Injection token for the {@link MqttConnection}. */
export const MQTT_CONNECTION = Symbol('MQTT_CONNECTION');
/** Injection token for the {@link EmbeddedBroker}, or null when `MQTT_URL` names a broker. */
export const EMBEDDED_BROKER = Symbol('EMBEDDED_BROKER');
/** Injection token for the {@link RedisConnection}, or null when `REDIS_URL` is unset (in-memory mode). */
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');
