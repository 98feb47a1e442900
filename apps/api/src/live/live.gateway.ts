/**
 * Live updates over WebSocket at `/api/v1/ws`, on the API's own HTTP port.
 *
 * Protocol (JSON text messages; schemas in `@fleet/contracts` `live.schema.ts`):
 *
 * 1. Authenticate with an API access token, either in the URL (`/api/v1/ws?token=<access token>`) or as the first
 *    message `{"type":"auth","token":"<access token>"}` within 5 s (preferred: URLs end up in proxy logs). Any role
 *    may connect. The server answers `{"type":"authenticated","username","role","expires_at"}`. Without a valid
 *    token, or when the user is disabled later, the connection is closed with code 4401 and the reason. Before the
 *    token runs out, send a fresh one as another `auth` message (same user), or the connection is closed with 4401
 *    at `expires_at`. At most 100 connections may be waiting to sign in at once: beyond that, the upgrade is refused
 *    with 503 until some sign in or go.
 * 2. Subscribe: `{"type":"subscribe","robots":["tonypi_01"] | "*","channels":["telemetry","status","alerts","jobs",
 *    "commands", "reports"]}` (channels default to all of them). The server answers `{"type":"subscribed","robots","channels"}`.
 *    `{"type":"unsubscribe",...}` takes away what it names and is answered with `unsubscribed` (an update held back
 *    by the rate limit for what it takes away is dropped); unsubscribing `"*"` ends a channel. `"*"` also brings
 *    what belongs to no robot (e.g. an alert that telemetry stopped coming in).
 * 3. Updates: `{"type":"update","channel","robot_id","kind","data","time"}`. `telemetry` carries every robot message
 *    but status (`kind` = sensors, servos, battery, location, vision, logs, job, scan, command_response, ...;
 *    `data` its payload as ingest accepted it), `status` the status messages, `alerts` each alert event
 *    (`kind` = opened, escalated, acknowledged, resolved, deleted; `data` = `{event, at, actor, alert}`), `jobs` and
 *    `commands` the events the jobs service publishes. Per client, robot, channel and subject (message kind; sensor
 *    type; job or command id) at most `WS_MAX_UPDATES_PER_S` updates are sent each second: newer ones replace the
 *    one waiting, and the latest is sent when the interval ends. Alert events are all sent.
 * 4. A malformed message is answered with `{"type":"error","message"}`; more than 10 within a minute close the
 *    connection (1008). `{"type":"ping"}` is answered with `{"type":"pong"}`.
 * 5. A client whose unsent backlog passes `WS_MAX_BUFFER_KB` is closed with 4008 rather than buffered. The server
 *    pings every 30 s and drops clients that did not answer the last ping. On shutdown every client gets 1001.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { LIVE_PATH } from '@fleet/contracts';
import { CLOCK, HttpSetup, LOGGER, type Clock } from '@fleet/platform';
import { LiveAuth } from './live.auth';
import { LiveConnection, type LiveConnectionOptions } from './live.connection';
import { LiveMetrics } from './live.metrics';
import type { LiveUpdate } from './live.update';

const HEARTBEAT_MS = 30_000;
const AUTH_TIMEOUT_MS = 5_000;
const MAX_INVALID_MESSAGES = 10;
/** Client messages are small; anything larger is refused by the WebSocket layer. */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** How long clients get to answer the closing handshake at shutdown before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 2_000;
/**
 * Connections that have not signed in yet, at most, at once; more are refused (503) until some sign in or go. Each
 * may wait up to the auth timeout, so without a bound anyone could hold sockets open without a token.
 */
export const MAX_UNAUTHENTICATED = 100;

/** Accepts live WebSocket clients on the API's HTTP server and hands them the updates they follow. */
@Injectable()
export class LiveGateway implements BeforeApplicationShutdown {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  private readonly connections = new Set<LiveConnection>();
  /** Those of {@link connections} that have not signed in yet. */
  private readonly unauthenticated = new Set<LiveConnection>();
  private readonly options: LiveConnectionOptions;
  private readonly log: Logger;
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @Inject(HttpSetup) setup: HttpSetup,
    @Inject(LiveAuth) private readonly auth: LiveAuth,
    @Inject(LiveMetrics) private readonly metrics: LiveMetrics,
    @Inject(FLEET_CONFIG) config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'live' });
    this.options = {
      updateIntervalMs: 1000 / config.api.wsMaxUpdatesPerS,
      maxBufferBytes: config.api.wsMaxBufferBytes,
      authTimeoutMs: AUTH_TIMEOUT_MS,
      maxInvalidMessages: MAX_INVALID_MESSAGES,
    };
    setup.add((app) => this.attach(app.getHttpServer()));
  }

  /** Clients connected at the moment, signed in or not yet. */
  get clientCount(): number {
    return this.connections.size;
  }

  /** Hands `update` to every client; each sends it if it follows it. */
  publish(update: LiveUpdate): void {
    for (const connection of this.connections) connection.offer(update);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const connections = [...this.connections];
    for (const connection of connections) connection.close(1001, 'server shutting down', 'shutdown');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([Promise.all(connections.map((c) => c.whenClosed())), grace]);
    clearTimeout(timer);
    // The HTTP server cannot close while upgraded sockets stay open.
    for (const connection of this.connections) connection.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== LIVE_PATH) {
        // Another path may belong to another handler; with none, nothing else would ever answer it.
        if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      if (this.closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
      if (this.unauthenticated.size >= MAX_UNAUTHENTICATED) {
        this.log.debug({ waiting: this.unauthenticated.size }, 'live connection refused: too many not signed in yet');
        return refuseUpgrade(socket, 503, 'Service Unavailable');
      }
      // ws completes the upgrade, and calls back, before returning: the count above stays exact.
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const connection = new LiveConnection(ws, url.searchParams.get('token'), this.options, {
          verify: (token) => this.auth.verify(token),
          recheck: (session) => this.auth.recheck(session),
          metrics: this.metrics,
          logger: this.log,
          now: () => this.clock.now().getTime(),
          onAuthenticated: (signedIn) => this.unauthenticated.delete(signedIn),
          onClosed: (closed) => {
            this.connections.delete(closed);
            this.unauthenticated.delete(closed);
            this.metrics.clients.set(this.connections.size);
          },
        });
        this.connections.add(connection);
        this.unauthenticated.add(connection);
        this.metrics.clients.set(this.connections.size);
      });
    });
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) connection.heartbeat();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
