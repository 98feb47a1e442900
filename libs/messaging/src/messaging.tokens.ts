/** Injection token for the {@link MqttConnection}. */
export const MQTT_CONNECTION = Symbol('MQTT_CONNECTION');
/** Injection token for the {@link EmbeddedBroker}, or null when `MQTT_URL` names a broker. */
export const EMBEDDED_BROKER = Symbol('EMBEDDED_BROKER');
/** Injection token for the {@link RedisConnection}, or null when `REDIS_URL` is unset (in-memory mode). */
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');
/**
 * Injection token for a function that opens another connection to the same broker under its own client id, for a
 * service that needs its own session (ingest acknowledges messages itself).
 */
export const MQTT_CONNECT = Symbol('MQTT_CONNECT');
/** Injection token for the process's {@link EventBus}: Redis Streams with `REDIS_URL`, else in memory. */
export const EVENT_BUS = Symbol('EVENT_BUS');
/** Injection token for the process's {@link LiveState}: Redis hashes with `REDIS_URL`, else in memory. */
export const LIVE_STATE = Symbol('LIVE_STATE');
