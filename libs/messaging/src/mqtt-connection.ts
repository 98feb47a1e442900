import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface MqttConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  logger: Logger;
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
  private lastError?: string;
  private closing?: Promise<void>;

  constructor(options: MqttConnectionOptions) {
    this.target = describeBroker(options.url);
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: 4,
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
    return (this.closing ??= this.client.endAsync());
  }
}
