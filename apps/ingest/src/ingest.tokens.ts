/** Injection token for ingest's {@link MessageLog} (the on-disk buffer). */
export const INGEST_BUFFER = Symbol('INGEST_BUFFER');
/** Injection token for ingest's own MQTT connection (it acknowledges messages itself). */
export const INGEST_MQTT = Symbol('INGEST_MQTT');
