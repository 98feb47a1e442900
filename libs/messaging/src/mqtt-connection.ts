import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withLogContext } from '@fleet/platform';
import { prefixTopic, unprefixTopic } from './topics';

export interface MqttConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** `MQTT_TOPIC_PREFIX`: put before every topic, taken off every received one. */
  topicPrefix?: string;
  logger: Logger;
}

/** A received message, its topic without the installation's prefix. */
export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

const CLOSE_PATIENCE_MS = 2_000;

/** Where a broker URL points, without credentials. */
export function describeBroker(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * Fleet's connection to the broker. It reconnects by itself; services subscribe through `client` and their
 * subscriptions are restored after a reconnect. Health reports `mqtt` down while it is disconnected.
 */
export class MqttConnection {
  readonly client: MqttClient;
  readonly target: string;
  private readonly prefix: string;
  private readonly logger: Logger;
  private lastError?: string;
  private closing?: Promise<void>;

  constructor(options: MqttConnectionOptions) {
    this.target = describeBroker(options.url);
    this.prefix = options.topicPrefix ?? '';
    this.logger = options.logger;
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: 4,
      // A persistent session: the broker keeps this client's subscriptions and QoS 1 messages while it restarts.
      clean: false,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      keepalive: 30,
    };
    const log = options.logger;
    this.client = connect(options.url, clientOptions);
    let wasConnected = false;
    this.client.on('connect', () => {
      this.lastError = undefined;
      log.info(
        { broker: this.target, clientId: options.clientId },
        wasConnected ? 'MQTT reconnected' : 'MQTT connected',
      );
      wasConnected = true;
    });
    this.client.on('error', (error) => {
      if (this.lastError !== error.message) log.warn({ broker: this.target, err: error.message }, 'MQTT error');
      this.lastError = error.message;
    });
    this.client.on('offline', () => {
      if (wasConnected) log.warn({ broker: this.target }, 'MQTT connection lost, reconnecting');
    });
  }

  /** The topic as published on the broker: `tonypi/battery` → `site-a/tonypi/battery` with a prefix. */
  topic(name: string): string {
    return prefixTopic(this.prefix, name);
  }

  /**
   * Publishes `payload` as JSON at QoS 1 and resolves once the broker acknowledged it; rejects after `timeoutMs`
   * (while the broker is away mqtt.js would otherwise hold the message and the caller without end).
   */
  async publishJson(name: string, payload: unknown, timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the broker did not acknowledge within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.client.publishAsync(this.topic(name), JSON.stringify(payload), { qos: 1 }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Calls `handler` for each received message, its topic without the prefix. Every log line written while it
   * runs carries a `messageId` and the topic; an error it throws is logged, never lost, and never stops the next.
   */
  onMessage(handler: (message: ReceivedMessage) => void | Promise<void>): void {
    this.client.on('message', (received, payload, packet) => {
      const topic = unprefixTopic(this.prefix, received);
      if (topic === undefined) return;
      void withLogContext({ messageId: randomUUID(), topic }, async () => {
        try {
          await handler({ topic, payload, qos: packet.qos, retain: packet.retain });
        } catch (error) {
          this.logger.error({ err: error }, 'MQTT message handler failed');
        }
      });
    });
  }

  /**
   * Takes over acknowledgement: each received message (QoS 0 or 1, topic without the prefix) goes to `handler`, and
   * its PUBACK is sent only when `handler` returns or its promise resolves. The client reads the next message only
   * then (mqtt.js handles one packet at a time), so a slow handler holds the broker back instead of filling memory.
   * When `handler` fails, the message is not acknowledged: the connection is dropped and, the session being
   * persistent, the broker delivers it again after the reconnect.
   */
  consume(handler: (message: ReceivedMessage) => void | Promise<void>): void {
    const client = this.client;
    client.handleMessage = (packet, callback) => {
      const topic = unprefixTopic(this.prefix, packet.topic);
      if (topic === undefined) {
        callback();
        return;
      }
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const fail = (error: unknown) => {
        this.logger.error({ err: error, topic }, 'cannot take an MQTT message; reconnecting so the broker resends it');
        client.stream.destroy();
      };
      try {
        const done = handler({ topic, payload, qos: packet.qos, retain: packet.retain });
        if (done instanceof Promise) done.then(() => callback(), fail);
        else callback();
      } catch (error) {
        fail(error);
      }
    };
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves once connected, or rejects after `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.client.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('connect', onConnect);
        reject(
          new Error(
            `no connection to ${this.target} within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`,
          ),
        );
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('connect', onConnect);
    });
  }

  /** Why it is not connected, for health. */
  get problem(): string {
    return this.lastError ?? (this.client.reconnecting ? 'reconnecting' : 'not connected');
  }

  /** Sends what is in flight, then disconnects. */
  close(): Promise<void> {
    return (this.closing ??= this.end());
  }

  private async end(): Promise<void> {
    // end() waits for unacknowledged outgoing messages; a broker that is gone never acknowledges them.
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLOSE_PATIENCE_MS);
    });
    const ended = await Promise.race([this.client.endAsync(), patience]);
    clearTimeout(timer);
    if (ended === 'timeout') await this.client.endAsync(true);
  }
}
