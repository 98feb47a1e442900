import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { PortInUseError } from '@fleet/platform';
import { unprefixTopic } from './topics';

export interface EmbeddedBrokerOptions {
  host: string;
  /** Fleet's own clients log in as {@link INTERNAL_USER} with this secret; only they may command robots. */
  internalSecret: string;
  /** `MQTT_TOPIC_PREFIX`: the topics below are guarded under it. */
  topicPrefix: string;
  /** MQTT over TCP; 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket (any path); 0 picks a free port. */
  wsPort: number;
  logger: Logger;
}

/** The user name Fleet's own MQTT clients log in with on the embedded broker. */
export const INTERNAL_USER = 'fleet-internal';

/**
 * Topics that carry orders to robots (commands, emergency stop, configuration, scan replies). Robots publish only
 * their answers under them (`.../response`).
 */
const TO_ROBOTS = /^tonypi\/(commands|emergency_stop|items|config)\/(?!response$)[^/]+$/;

/** Whether a publisher may use `topic`: only Fleet itself gives orders to robots. */
export function mayPublish(topic: string, prefix: string, internal: boolean): boolean {
  if (topic.startsWith('$SYS/')) return false;
  const local = unprefixTopic(prefix, topic);
  return internal || local === undefined || !TO_ROBOTS.test(local);
}

/**
 * An MQTT 3.1.1 broker inside the process (aedes) for the all-in-one mode, on TCP and WebSocket, so robots and
 * browsers connect to Fleet without a separate broker. Production uses Mosquitto or EMQX through `MQTT_URL`.
 *
 * Robots connect as the stock TonyPi client does, without credentials. Commands, emergency stops and configuration
 * can only come from Fleet's own clients, which log in with a secret made for this process.
 *
 * @example
 * const broker = new EmbeddedBroker({ host: '0.0.0.0', port: 1883, wsPort: 9001, logger });
 * const { port } = await broker.start();
 */
export class EmbeddedBroker {
  private aedes?: Aedes;
  private tcp?: Server;
  private http?: HttpServer;
  private wss?: WebSocketServer;
  private ports = { port: 0, wsPort: 0 };

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  /** Listens on both ports; a taken port stops start-up naming the variable to change. */
  async start(): Promise<{ port: number; wsPort: number }> {
    const { host, logger } = this.options;
    const internal = new WeakSet<object>();
    const secret = Buffer.from(this.options.internalSecret);
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (username !== INTERNAL_USER) return done(null, true);
        const given = Buffer.from(password ?? '');
        const ok = given.length === secret.length && timingSafeEqual(given, secret);
        if (ok) internal.add(client);
        done(null, ok);
      },
      authorizePublish: (client, packet, done) => {
        if (mayPublish(packet.topic, this.options.topicPrefix, client !== null && internal.has(client)))
          return done(null);
        logger.warn(
          { clientId: client?.id, topic: packet.topic },
          'MQTT publish refused: only Fleet may command robots',
        );
        done(new Error(`not allowed to publish on ${packet.topic}`));
      },
    });
    this.aedes = aedes;
    aedes.on('clientError', (client, error) =>
      logger.debug({ clientId: client.id, err: error.message }, 'MQTT client error'),
    );
    aedes.on('connectionError', (client, error) =>
      logger.debug({ clientId: client.id, err: error.message }, 'MQTT connection error'),
    );

    try {
      const tcp = createServer((socket) => aedes.handle(socket));
      this.tcp = tcp;
      const port = await listenOn(tcp, this.options.port, host, 'MQTT_PORT');

      const http = createHttpServer((_, res) =>
        res.writeHead(426, { Connection: 'close' }).end('MQTT over WebSocket only'),
      );
      this.http = http;
      const wsPort = await listenOn(http, this.options.wsPort, host, 'MQTT_WS_PORT');
      // Attached once listening: the WebSocket server re-emits its HTTP server's errors, a taken port included.
      const wss = new WebSocketServer({ server: http });
      this.wss = wss;
      wss.on('error', (error) => logger.warn({ err: error.message }, 'MQTT WebSocket server error'));
      wss.on('connection', (ws, request) => aedes.handle(createWebSocketStream(ws), request));

      logger.info({ host, port, wsPort }, 'embedded MQTT broker listening');
      this.ports = { port, wsPort };
      return this.ports;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** The TCP port it listens on (the chosen one when started with 0). */
  get port(): number {
    return this.ports.port;
  }

  get wsPort(): number {
    return this.ports.wsPort;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  get listening(): boolean {
    return this.tcp?.listening === true;
  }

  /** Stops accepting connections, then disconnects every client. */
  async close(): Promise<void> {
    // close() stops new connections at once and resolves when the open ones are gone, which the broker ends.
    const serversClosed = Promise.all([closeServer(this.tcp), closeServer(this.http)]);
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    const aedes = this.aedes;
    if (aedes && !aedes.closed) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await serversClosed;
    this.tcp = this.http = this.wss = this.aedes = undefined;
  }
}

function listenOn(server: Server | HttpServer, port: number, host: string, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(variable, port, ' (0 picks one), or set MQTT_URL to use an existing broker', {
              cause: error,
            })
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server | HttpServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
