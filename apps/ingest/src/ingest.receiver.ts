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

/** What ingest gives its MQTT connection: a handler per message, and the group commit after each turn. */
export interface Receiver {
  handle(this: void, message: ReceivedMessage): void | Promise<void>;
  /** Writes the messages handled since the last call; none may be acknowledged before it returns. */
  settle(this: void): void;
}

/**
 * Receives robot messages into the ingest buffer, written before the broker gets their acknowledgement: the
 * messages of one turn of the event loop are staged, then written together by `settle` (the connection holds their
 * acknowledgements until then). A full buffer holds the acknowledgement (and with it the connection) until there is
 * room: the broker keeps the rest.
 */
export function receiveInto(buffer: MessageLog, config: FleetConfig, metrics: IngestMetrics): Receiver {
  const { maxMessageBytes } = config.ingest;
  // Bound once, and counted once per turn: a labelled counter updated per message costs more than the rest of
  // this path.
  const received = [0, 1, 2].map((qos) => metrics.received.labels({ qos }));
  const counts = [0, 0, 0];
  return {
    handle(message) {
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
      if (buffer.stage(record)) {
        counts[message.qos] += 1;
        return;
      }
      metrics.waitingForSpace.inc();
      return (async () => {
        // What is staged goes first: it may be what a full buffer waits on being written and committed.
        buffer.writeStaged();
        do await buffer.waitForSpace();
        while (!buffer.stage(record));
        counts[message.qos] += 1;
      })();
    },
    settle() {
      buffer.writeStaged();
      for (let qos = 0; qos < counts.length; qos++) {
        if (counts[qos] === 0) continue;
        received[qos]?.inc(counts[qos]);
        counts[qos] = 0;
      }
    },
  };
}
