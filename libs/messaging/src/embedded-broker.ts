import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { Aedes, type AuthenticateError, type Client, type SubscribePacket } from 'aedes';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { PortInUseError } from '@fleet/platform';
import {
  BROWSER_CLIENT_ID_PREFIX,
  FLEET_CLIENT_ID_PREFIX,
  mayPublish,
  maySubscribe,
  payloadRobotProblem,
  robotIdProblem,
  type BrokerIdentity,
} from './broker-access';
import { RobotLogins, type ActiveRobotCredential, type RobotCredentialLookup } from './robot-logins';

export interface EmbeddedBrokerOptions {
  host: string;
  /** Fleet's own clients log in as {@link INTERNAL_USER} with this secret; only they may command robots. */
  internalSecret: string;
  /** `MQTT_TOPIC_PREFIX`: robots' topics are checked under it. */
  topicPrefix: string;
  /** MQTT over TCP; 0 picks a free port. */
  port: number;
  /** MQTT over WebSocket (any path); 0 picks a free port. */
  wsPort: number;
  logger: Logger;
  /**
   * `MQTT_ALLOW_ANONYMOUS`: admit clients without credentials as the robot their client id names, unless that robot
   * has an active credential. Off by default: a client id proves nothing, so anyone could then speak for any robot
   * that has no credentials.
   */
  allowAnonymous?: boolean;
  /** Robots' credentials (username = robot id). Without it, no robot can log in with credentials. */
  robotCredentials?: RobotCredentialLookup;
  /**
   * How long a verified robot login is trusted without asking `robotCredentials` again, and how often connected
   * robots' credentials are checked again: a revoked or replaced credential stops working within this time, and its
   * connections are closed. Default 30 s.
   */
  credentialCacheMs?: number;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
  /** Who an API access token speaks for, for browsers; see {@link EmbeddedBroker.acceptBrowsers}. */
  verifyBrowserToken?: BrowserTokenVerifier;
  /** Where the broker's counters go (the service's `/metrics`); without it they are kept but not exported. */
  metrics?: Registry;
}

/**
 * Who an API access token speaks for, or null when it is not valid (bad, expired, or its user disabled). Rejects
 * only when the check cannot be made now.
 */
export type BrowserTokenVerifier = (token: string) => Promise<{ username: string; role: string } | null>;

/** The user name Fleet's own MQTT clients log in with on the embedded broker. */
export const INTERNAL_USER = 'fleet-internal';

const DEFAULT_CREDENTIAL_CACHE_MS = 30_000;

/** CONNACK return codes of MQTT 3.1.1. */
const REFUSED = { identifierRejected: 2, serverUnavailable: 3, badCredentials: 4, notAuthorized: 5 } as const;

type Login =
  | { identity: BrokerIdentity; credential?: ActiveRobotCredential; token?: string }
  | { refused: number; reason: string };

/**
 * An API access token (a JWT: three base64url parts). A robot secret never looks like one: it is 43 base64url
 * characters without a dot.
 */
const ACCESS_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8_192;

/** What the CONNECT packet said that `authenticate` is not told. */
interface ConnectDetails {
  clientIdGiven: boolean;
  /** Whether it asked for a clean session (none kept after it disconnects). */
  clean: boolean;
  willTopic?: string;
}

/**
 * An MQTT 3.1.1 broker inside the process (aedes) for the all-in-one mode, on TCP and WebSocket, so robots and
 * browsers connect to Fleet without a separate broker. Production uses Mosquitto or EMQX through `MQTT_URL`.
 *
 * Every client logs in. Fleet's own services use {@link INTERNAL_USER} and a secret made for this process, and may
 * do anything. A robot logs in with its robot id as username and the secret `fleet robots credentials <id>` issued;
 * with `allowAnonymous`, a client without credentials is taken for the robot its client id names, unless that robot
 * has credentials. A robot may publish only its own telemetry (see {@link mayPublish}; on the topics without an id,
 * a payload whose `robot_id` names another robot is refused, see {@link payloadRobotProblem}) and read only what is
 * addressed to it ({@link maySubscribe}). A robot with credentials uses its robot id as client id; none may use the
 * prefixes of Fleet's ({@link FLEET_CLIENT_ID_PREFIX}) or browsers' ({@link BROWSER_CLIENT_ID_PREFIX}) client ids.
 * A browser (or script) logs in with any username and an API access token as password, when the API runs in the
 * process and has said how to check one ({@link acceptBrowsers}), with a client id starting with `web-` and a clean
 * session; it may read every robot topic, at QoS 0 whatever it asks for, and publish nothing. So a browser keeps nothing on the
 * broker: no session, no queue, no message waiting for its acknowledgement. Its token is checked again every
 * `credentialCacheMs`: once it runs out, or its user is disabled, the connection is closed (the browser reconnects
 * with a fresh token).
 *
 * What aedes does with a refusal: a refused login gets its CONNACK return code and is closed; a refused SUBSCRIBE is
 * answered with failure (0x80) for that filter and the connection stays; a refused PUBLISH closes the connection,
 * since MQTT 3.1.1 has no way to refuse one message. Every refusal is logged at warn, without secrets; refused
 * publishes are counted in `fleet_mqtt_broker_publishes_refused_total`.
 *
 * @example
 * const broker = new EmbeddedBroker({ host: '0.0.0.0', port: 1883, wsPort: 9001, internalSecret, topicPrefix: '',
 *   robotCredentials, logger });
 * const { port } = await broker.start();
 */
export class EmbeddedBroker {
  private aedes?: Aedes;
  private tcp?: Server;
  private http?: HttpServer;
  private wss?: WebSocketServer;
  private ports = { port: 0, wsPort: 0 };
  private recheck?: NodeJS.Timeout;
  private verifyBrowserToken?: BrowserTokenVerifier;
  private readonly publishesRefused: Counter<'reason'>;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    this.verifyBrowserToken = options.verifyBrowserToken;
    this.publishesRefused = new Counter({
      name: 'fleet_mqtt_broker_publishes_refused_total',
      help:
        'Publishes the embedded broker refused (closing the connection): topic = not a topic the client may ' +
        "publish on, robot_id = a robot's payload naming another robot",
      labelNames: ['reason'],
      registers: options.metrics ? [options.metrics] : [],
    });
  }

  /**
   * Admits browsers that log in with an API access token as password, checked by `verify`. The broker starts before
   * the API's modules exist, so the API calls this once it is ready; until then (and in a process without the API)
   * such logins are refused.
   */
  acceptBrowsers(verify: BrowserTokenVerifier): void {
    this.verifyBrowserToken = verify;
  }

  /** Listens on both ports; a taken port stops start-up naming the variable to change. */
  async start(): Promise<{ port: number; wsPort: number }> {
    const { host, logger, topicPrefix: prefix } = this.options;
    const identities = new WeakMap<Client, BrokerIdentity>();
    const connects = new WeakMap<Client, ConnectDetails>();
    /** Robots logged in with a credential, checked again every cache period. */
    const credentialed = new Map<Client, { robotId: string; credential: ActiveRobotCredential }>();
    /** Browsers and the token each logged in with, checked again every cache period. */
    const browsers = new Map<Client, { username: string; token: string }>();
    const cacheMs = this.options.credentialCacheMs ?? DEFAULT_CREDENTIAL_CACHE_MS;
    const logins = this.options.robotCredentials
      ? new RobotLogins(this.options.robotCredentials, cacheMs, this.options.now ?? Date.now, (error) =>
          logger.warn({ err: errorMessage(error) }, 'could not record a robot login'),
        )
      : undefined;

    const aedes = await Aedes.createBroker({
      preConnect: (client, packet, done) => {
        connects.set(client, {
          clientIdGiven: packet.clientId !== '',
          clean: packet.clean !== false,
          willTopic: packet.will?.topic,
        });
        if (packet.username !== INTERNAL_USER && accessTokenIn(packet.password) !== undefined) grantQos0(client);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.login(client, connects.get(client), username, password, logins).then(
          (login) => {
            if ('refused' in login) {
              logger.warn(
                { clientId: client.id, username, reason: login.reason },
                `MQTT login refused: ${login.reason}`,
              );
              const error = new Error(login.reason) as AuthenticateError;
              error.returnCode = login.refused;
              return done(error, false);
            }
            identities.set(client, login.identity);
            if (login.identity.kind === 'robot' && login.credential) {
              credentialed.set(client, { robotId: login.identity.robotId, credential: login.credential });
            }
            if (login.identity.kind === 'browser' && login.token) {
              browsers.set(client, { username: login.identity.username, token: login.token });
            }
            done(null, true);
          },
          (error: unknown) => {
            logger.error({ clientId: client.id, username, err: errorMessage(error) }, 'MQTT login failed');
            const refusal = new Error('credentials cannot be checked now') as AuthenticateError;
            refusal.returnCode = REFUSED.serverUnavailable;
            done(refusal, false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        const identity = client ? identities.get(client) : undefined;
        const who = { clientId: client?.id, robotId: robotOf(identity), user: userOf(identity), topic: packet.topic };
        if (!identity || !mayPublish(identity, packet.topic, prefix)) {
          this.publishesRefused.inc({ reason: 'topic' });
          logger.warn(
            { ...who, reason: 'topic' },
            identity?.kind === 'browser'
              ? 'MQTT publish refused: browsers only read (commands go through the API); closing its connection'
              : 'MQTT publish refused: a robot publishes only its own telemetry; closing its connection',
          );
          return done(new Error(`not allowed to publish on ${packet.topic}`));
        }
        // On the topics without an id, only the payload says whose message it is, and only here is the publisher
        // known: a robot may not speak for another (its battery, location or command answers).
        const problem = payloadRobotProblem(identity, packet.topic, packet.payload, prefix);
        if (problem) {
          this.publishesRefused.inc({ reason: 'robot_id' });
          logger.warn(
            { ...who, reason: problem },
            `MQTT publish refused: ${problem} (a robot speaks only for itself); closing its connection`,
          );
          return done(new Error(`not allowed to publish for another robot on ${packet.topic}`));
        }
        done(null);
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = identities.get(client);
        if (identity && maySubscribe(identity, subscription.topic, prefix)) {
          // Messages for a browser are sent once, never held until it acknowledges them: a tab that stops reading
          // must not make the broker keep what it has not acknowledged.
          if (identity.kind === 'browser' && subscription.qos > 0) return done(null, { ...subscription, qos: 0 });
          return done(null, subscription);
        }
        logger.warn(
          { clientId: client.id, robotId: robotOf(identity), user: userOf(identity), topic: subscription.topic },
          identity?.kind === 'browser'
            ? 'MQTT subscription refused: browsers read robot topics only, in a subscription of their own'
            : 'MQTT subscription refused: a robot reads only its own topics and the broadcasts',
        );
        done(null, null);
      },
    });
    this.aedes = aedes;
    aedes.on('clientDisconnect', (client) => {
      credentialed.delete(client);
      browsers.delete(client);
    });
    aedes.on('clientError', (client, error) =>
      logger.debug({ clientId: client.id, err: error.message }, 'MQTT client error'),
    );
    aedes.on('connectionError', (client, error) =>
      logger.debug({ clientId: client.id, err: error.message }, 'MQTT connection error'),
    );

    let checking = false;
    this.recheck = setInterval(() => {
      if (checking) return;
      checking = true;
      void Promise.all([
        logins ? this.closeRevoked(credentialed, logins) : undefined,
        this.closeExpiredBrowsers(browsers),
      ]).finally(() => (checking = false));
    }, cacheMs);
    this.recheck.unref();

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

  /** Who `client` is, or why it may not log in. */
  private async login(
    client: Client,
    connect: ConnectDetails | undefined,
    username: string | undefined,
    password: Buffer | undefined,
    logins: RobotLogins | undefined,
  ): Promise<Login> {
    const login = await this.identify(client, connect, username, password, logins);
    const will = connect?.willTopic;
    if ('identity' in login && will !== undefined && !mayPublish(login.identity, will, this.options.topicPrefix)) {
      return { refused: REFUSED.notAuthorized, reason: `its will message is for ${will}, where it may not publish` };
    }
    return login;
  }

  private async identify(
    client: Client,
    connect: ConnectDetails | undefined,
    username: string | undefined,
    password: Buffer | undefined,
    logins: RobotLogins | undefined,
  ): Promise<Login> {
    if (username === INTERNAL_USER) {
      const secret = Buffer.from(this.options.internalSecret);
      const given = password ?? Buffer.alloc(0);
      return given.length === secret.length && timingSafeEqual(given, secret)
        ? { identity: { kind: 'fleet' } }
        : { refused: REFUSED.badCredentials, reason: `wrong secret for ${INTERNAL_USER}` };
    }
    // Taking over a service's client id would disconnect the service and inherit its persistent session.
    if (client.id.startsWith(FLEET_CLIENT_ID_PREFIX)) {
      return {
        refused: REFUSED.identifierRejected,
        reason: `client ids starting with '${FLEET_CLIENT_ID_PREFIX}' belong to Fleet's own services`,
      };
    }
    const token = accessTokenIn(password);
    if (token !== undefined) return this.identifyBrowser(client, connect, token);
    if (username === undefined) {
      if (password !== undefined) return { refused: REFUSED.badCredentials, reason: 'a password without a username' };
      if (!this.options.allowAnonymous) {
        return {
          refused: REFUSED.notAuthorized,
          reason: 'no credentials: robots log in with their robot id and secret (MQTT_ALLOW_ANONYMOUS is off)',
        };
      }
      const problem = connect?.clientIdGiven === false ? 'it is empty' : robotIdProblem(client.id);
      if (problem) {
        return {
          refused: REFUSED.identifierRejected,
          reason: `without credentials the client id must be a robot id, and '${client.id}' is not: ${problem}`,
        };
      }
      // A robot with credentials proves who it is; a client without them taking its id would disconnect it and
      // could inherit its session.
      if (await this.options.robotCredentials?.findActive(client.id)) {
        return {
          refused: REFUSED.notAuthorized,
          reason: `robot '${client.id}' has credentials: it logs in with them, never without`,
        };
      }
      return { identity: { kind: 'robot', robotId: client.id, via: 'anonymous' } };
    }
    const problem = robotIdProblem(username);
    if (problem) {
      return { refused: REFUSED.badCredentials, reason: `username '${username}' is not a robot id: ${problem}` };
    }
    if (!password?.length) return { refused: REFUSED.badCredentials, reason: `no secret for robot '${username}'` };
    const credential = await logins?.verify(username, password);
    if (!credential) {
      return { refused: REFUSED.badCredentials, reason: `no active credential of robot '${username}' has this secret` };
    }
    // Another client id could be another robot's: taking it over would disconnect that robot.
    if (client.id !== username) {
      return {
        refused: REFUSED.identifierRejected,
        reason: `robot '${username}' must use its robot id as client id, not '${client.id}'`,
      };
    }
    return { identity: { kind: 'robot', robotId: username, via: 'credential' }, credential };
  }

  /** A browser presenting an API access token. */
  private async identifyBrowser(client: Client, connect: ConnectDetails | undefined, token: string): Promise<Login> {
    if (!client.id.startsWith(BROWSER_CLIENT_ID_PREFIX)) {
      return {
        refused: REFUSED.identifierRejected,
        reason: `a browser's client id must start with '${BROWSER_CLIENT_ID_PREFIX}', and '${client.id}' does not`,
      };
    }
    if (connect?.clean === false) {
      return {
        refused: REFUSED.notAuthorized,
        reason: 'browsers connect with a clean session (clean: true): none is kept for them while they are away',
      };
    }
    const verify = this.verifyBrowserToken;
    if (!verify) {
      return {
        refused: REFUSED.notAuthorized,
        reason: 'an API access token is accepted only where the API runs in the same process as this broker',
      };
    }
    const user = await verify(token);
    if (!user) {
      return {
        refused: REFUSED.badCredentials,
        reason: 'the access token is not valid (expired, or its user disabled)',
      };
    }
    return { identity: { kind: 'browser', username: user.username, role: user.role }, token };
  }

  /** Closes the connections of browsers whose token ran out or whose user was disabled since they logged in. */
  private async closeExpiredBrowsers(browsers: Map<Client, { username: string; token: string }>): Promise<void> {
    const verify = this.verifyBrowserToken;
    if (!verify) return;
    for (const [client, { username, token }] of browsers) {
      if (client.closed) {
        browsers.delete(client);
        continue;
      }
      let user: Awaited<ReturnType<BrowserTokenVerifier>>;
      try {
        user = await verify(token);
      } catch (error) {
        this.options.logger.warn({ err: errorMessage(error) }, "could not check connected browsers' tokens");
        return;
      }
      if (!user) {
        browsers.delete(client);
        this.options.logger.info(
          { clientId: client.id, user: username },
          'MQTT connection closed: the access token expired or its user was disabled',
        );
        client.close();
      }
    }
  }

  /** Closes the connections of robots whose credential was revoked or replaced since they logged in. */
  private async closeRevoked(
    credentialed: Map<Client, { robotId: string; credential: ActiveRobotCredential }>,
    logins: RobotLogins,
  ): Promise<void> {
    for (const [client, { robotId, credential }] of credentialed) {
      if (client.closed) {
        credentialed.delete(client);
        continue;
      }
      let active: boolean;
      try {
        active = await logins.stillActive(robotId, credential);
      } catch (error) {
        // The database is away: keep robots connected rather than cut the fleet off; try again next period.
        this.options.logger.warn({ err: errorMessage(error) }, "could not check connected robots' credentials");
        return;
      }
      if (!active) {
        credentialed.delete(client);
        this.options.logger.warn(
          { clientId: client.id, robotId },
          "MQTT connection closed: the robot's credential was revoked or replaced",
        );
        client.close();
      }
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
    clearInterval(this.recheck);
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

/**
 * Makes the SUBACK tell a browser the QoS it gets. `authorizeSubscribe` lowers a browser's subscriptions to QoS 0,
 * but aedes answers with the QoS the client asked for; so the client's requests are lowered as they are read, before
 * aedes handles them (aedes reads packets with an mqtt-packet parser, kept on the client as `_parser`). Set up while
 * the CONNECT is handled, it sees every packet after it, and only clients that log in as browsers get it; should a
 * later aedes read packets otherwise, `authorizeSubscribe` still delivers at QoS 0.
 */
function grantQos0(client: Client): void {
  const parser = (client as unknown as { _parser?: Partial<EventEmitter> })._parser;
  parser?.prependListener?.('packet', (packet: { cmd: string }) => {
    if (packet.cmd !== 'subscribe') return;
    for (const subscription of (packet as SubscribePacket).subscriptions) subscription.qos = 0;
  });
}

function robotOf(identity: BrokerIdentity | undefined): string | undefined {
  return identity?.kind === 'robot' ? identity.robotId : undefined;
}

function userOf(identity: BrokerIdentity | undefined): string | undefined {
  return identity?.kind === 'browser' ? identity.username : undefined;
}

/** The password as an API access token, or undefined when it is not one. */
function accessTokenIn(password: Buffer | undefined): string | undefined {
  if (!password || password.length > MAX_TOKEN_LENGTH) return undefined;
  const text = password.toString('utf8');
  return ACCESS_TOKEN.test(text) ? text : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
