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

/**
 * A publish that failed. `maybeSent` is false when the message certainly did not leave (no connection), true when
 * it may have reached the broker before the acknowledgement was missed.
 */
export class MqttPublishError extends Error {
  constructor(
    message: string,
    readonly maybeSent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MqttPublishError';
  }
}

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
   * Publishes `payload` as JSON at QoS 1 and resolves once the broker acknowledged it. Never leaves the message
   * behind to go out later: while disconnected it rejects at once (mqtt.js would otherwise store it and send it
   * after the reconnect, however late), and after `timeoutMs` without an acknowledgement it takes the message out of
   * the client's outgoing store before rejecting. Rejects with an {@link MqttPublishError} that says whether the
   * message may have reached the broker.
   *
   * @example
   * try {
   *   await mqtt.publishJson('tonypi/commands/tonypi_01', { type: 'stop', id });
   * } catch (error) {
   *   if (error instanceof MqttPublishError && !error.maybeSent) retryLater();
   * }
   */
  async publishJson(name: string, payload: unknown, timeoutMs = 5_000): Promise<void> {
    const topic = this.topic(name);
    if (!this.client.connected) {
      throw new MqttPublishError(`not connected to ${this.target} (${this.problem}): ${topic} not published`, false);
    }
    let timer: NodeJS.Timeout | undefined;
    let done!: (error?: Error) => void;
    const acknowledged = new Promise<void>((resolve, reject) => {
      done = (error) => (error ? reject(error) : resolve());
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected first, so the race reports the timeout rather than the removal it causes.
        reject(new MqttPublishError(`the broker did not acknowledge ${topic} within ${timeoutMs} ms`, true));
        this.withdraw(done);
      }, timeoutMs);
    });
    // Removing the message rejects this too; the timeout already said why.
    acknowledged.catch(() => undefined);
    try {
      this.client.publish(topic, JSON.stringify(payload), { qos: 1 }, done);
      await Promise.race([acknowledged, timeout]);
    } catch (error) {
      if (error instanceof MqttPublishError) throw error;
      this.withdraw(done);
      throw new MqttPublishError(`cannot publish ${topic}: ${(error as Error).message}`, true, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Takes an unacknowledged publish back, so a reconnect does not send it late: out of the outgoing store when it
   * got there, else out of the queue mqtt.js keeps for publishes made while it resends its store after a reconnect.
   */
  private withdraw(done: (error?: Error) => void): void {
    const client = this.client;
    for (const [id, entry] of Object.entries(client.outgoing)) {
      if (entry.cb === done) {
        client.removeOutgoingMessage(Number(id));
        return;
      }
    }
    const queue = (client as unknown as { _storeProcessingQueue?: { callback?: unknown }[] })._storeProcessingQueue;
    const index = queue?.findIndex((entry) => entry.callback === done) ?? -1;
    if (queue && index >= 0) queue.splice(index, 1);
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
   *
   * With `settle`, acknowledgements are also held back until `settle` has run: the socket is corked while the
   * messages of one turn of the event loop are handled, `settle` runs once after them (a group commit: one write
   * makes all of them durable), and then their PUBACKs leave together. If `settle` throws, none of them is
   * acknowledged: the connection is dropped and the broker sends them again.
   */
  consume(handler: (message: ReceivedMessage) => void | Promise<void>, settle?: () => void): void {
    const client = this.client;
    const fail = (error: unknown, topic?: string) => {
      this.logger.error({ err: error, topic }, 'cannot take an MQTT message; reconnecting so the broker resends it');
      client.stream.destroy();
    };
    let held: { stream: MqttClient['stream'] } | undefined;
    const release = () => {
      const stream = held?.stream;
      held = undefined;
      try {
        settle?.();
      } catch (error) {
        // Destroyed while corked: the PUBACKs written since the cork never leave.
        fail(error);
        return;
      }
      stream?.uncork();
    };
    const hold = () => {
      if (!settle || held) return;
      held = { stream: client.stream };
      client.stream.cork();
      setImmediate(release);
    };
    client.handleMessage = (packet, callback) => {
      const topic = unprefixTopic(this.prefix, packet.topic);
      if (topic === undefined) {
        callback();
        return;
      }
      hold();
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      try {
        const done = handler({ topic, payload, qos: packet.qos, retain: packet.retain });
        if (done instanceof Promise)
          done.then(
            () => {
              hold();
              callback();
            },
            (error: unknown) => fail(error, topic),
          );
        else callback();
      } catch (error) {
        fail(error, topic);
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
