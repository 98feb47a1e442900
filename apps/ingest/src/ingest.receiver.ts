import type { FleetConfig } from '@fleet/config';
import type { MqttConnection, ReceivedMessage } from '@fleet/messaging';
import { DEAD_LETTER_PAYLOAD_BYTES } from '@fleet/database';
import type { MessageLog, NewMessage } from './buffer/message-log';
import type { IngestMetrics } from './ingest.metrics';

/**
 * Everything under `tonypi/`, so that a robot publishing on a topic Fleet does not know is seen (and kept as a dead
 * letter) rather than lost at the broker; what Fleet itself sends to robots is skipped ({@link isSentToRobots}).
 */
export const INGEST_FILTERS = ['tonypi/#'] as const;

/** Topics Fleet publishes to robots (commands, emergency stops, scan replies, configuration): not robot messages. */
export function isSentToRobots(topic: string): boolean {
  const levels = topic.split('/');
  if (levels.length !== 3 || levels[0] !== 'tonypi') return false;
  const [, kind, target] = levels;
  if (kind === 'commands' || kind === 'emergency_stop') return target !== 'response';
  return kind === 'items' || kind === 'config';
}

/**
 * What ingest subscribes to: every topic robots publish on, as a shared subscription when the broker supports one,
 * so replicas split the load.
 */
export function subscriptionFilters(config: FleetConfig, mqtt: MqttConnection, filters: readonly string[]): string[] {
  const { sharedSubscription } = config.ingest;
  // The embedded broker (aedes) grants `$share/...` but delivers nothing on it.
  const shared = sharedSubscription === 'on' || (sharedSubscription === 'auto' && config.mqtt.url !== undefined);
  return filters.map((filter) => (shared ? `$share/ingest/${mqtt.topic(filter)}` : mqtt.topic(filter)));
}

/**
 * Receives robot messages and writes each to the ingest buffer before the broker gets its acknowledgement. A full
 * buffer holds the acknowledgement (and with it the connection) until there is room: the broker keeps the rest.
 */
export function receiveInto(
  buffer: MessageLog,
  config: FleetConfig,
  metrics: IngestMetrics,
): (message: ReceivedMessage) => void | Promise<void> {
  const { maxMessageBytes } = config.ingest;
  // Bound once: a labelled counter looked up per message costs more than the rest of this path.
  const received = [0, 1, 2].map((qos) => metrics.received.labels({ qos }));
  return (message) => {
    if (isSentToRobots(message.topic)) return;
    const size = message.payload.length;
    const record: NewMessage = {
      receivedAt: Date.now(),
      qos: message.qos,
      topic: message.topic,
      // Only the start of an oversize payload is kept: enough to show an operator what it was.
      payload: size > maxMessageBytes ? message.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES) : message.payload,
      size,
    };
    if (buffer.append(record)) {
      received[message.qos]?.inc();
      return;
    }
    metrics.waitingForSpace.inc();
    return (async () => {
      do await buffer.waitForSpace();
      while (!buffer.append(record));
      received[message.qos]?.inc();
    })();
  };
}
