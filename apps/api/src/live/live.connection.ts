import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { ZodError } from 'zod';
import {
  LIVE_CLOSE,
  liveClientMessageSchema,
  UnauthorizedError,
  type LiveClientMessage,
  type LiveServerMessage,
  type LiveSubscribeMessage,
} from '@fleet/contracts';
import { Coalescer } from './live.coalescer';
import type { LiveSession } from './live.auth';
import type { LiveMetrics } from './live.metrics';
import { LiveSubscriptions } from './live.subscriptions';
import type { LiveUpdate } from './live.update';

export interface LiveConnectionOptions {
  /** Shortest time between two updates of one robot, channel and subject (1 s / `WS_MAX_UPDATES_PER_S`). */
  updateIntervalMs: number;
  /** `WS_MAX_BUFFER_KB` in bytes: a client with more than this waiting to be sent is closed. */
  maxBufferBytes: number;
  /** How long a client has to authenticate after connecting. */
  authTimeoutMs: number;
  /** Invalid messages tolerated within {@link INVALID_WINDOW_MS} before the connection is closed. */
  maxInvalidMessages: number;
}

export interface LiveConnectionDeps {
  verify: (token: string) => Promise<LiveSession>;
  recheck: (session: LiveSession) => Promise<unknown>;
  metrics: LiveMetrics;
  logger: Logger;
  now: () => number;
  /** Called each time a token is accepted (the first sign-in and every fresh token after it). */
  onAuthenticated: (connection: LiveConnection) => void;
  onClosed: (connection: LiveConnection) => void;
}

const INVALID_WINDOW_MS = 60_000;
/** setTimeout's limit (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** A close reason is at most 123 bytes. */
const MAX_REASON_BYTES = 123;

type CloseCause = 'client' | 'unauthorized' | 'too_slow' | 'invalid' | 'shutdown' | 'dead' | 'error';

/**
 * One client of the live WebSocket: its sign-in, what it follows, and the updates on their way to it, held to the
 * update rate. Messages are handled one after another, so a `subscribe` sent right behind the token waits for the
 * token to be checked.
 */
export class LiveConnection {
  private session?: LiveSession;
  private readonly subscriptions = new LiveSubscriptions();
  private readonly coalescer: Coalescer<LiveUpdate>;
  private readonly invalidAt: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private authTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private alive = true;
  private cause?: CloseCause;

  constructor(
    private readonly ws: WebSocket,
    queryToken: string | null,
    private readonly options: LiveConnectionOptions,
    private readonly deps: LiveConnectionDeps,
  ) {
    this.coalescer = new Coalescer(options.updateIntervalMs, (update) => this.send(update.json, 'update'));
    ws.on('message', (data, isBinary) => {
      this.queue = this.queue.then(() => this.receive(data, isBinary));
    });
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (error) => {
      this.deps.logger.debug({ err: error.message }, 'live WebSocket error');
      this.cause ??= 'error';
    });
    ws.on('close', () => this.closed());
    if (queryToken !== null) {
      this.queue = this.queue.then(() => this.authenticate(queryToken));
    } else {
      this.authTimer = setTimeout(
        () =>
          this.close(
            LIVE_CLOSE.unauthorized,
            'no access token: send {"type":"auth","token":...} first',
            'unauthorized',
          ),
        options.authTimeoutMs,
      );
    }
  }

  get user(): string | undefined {
    return this.session?.user.username;
  }

  /** Sends `update` if this client follows it, at most at the update rate per robot, channel and subject. */
  offer(update: LiveUpdate): void {
    if (!this.session || !this.subscriptions.wants(update.channel, update.robotId)) return;
    if (update.coalesceKey === undefined) this.send(update.json, 'update');
    else this.coalescer.offer(update.coalesceKey, update);
  }

  /**
   * The keepalive: a client that did not answer the previous ping is gone; one whose user was disabled since it
   * signed in is closed.
   */
  heartbeat(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.alive) {
      this.cause ??= 'dead';
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
    const session = this.session;
    if (session) {
      const user = session.user;
      this.deps.recheck(session).catch((error: unknown) => {
        if (error instanceof UnauthorizedError) this.close(LIVE_CLOSE.unauthorized, error.message, 'unauthorized');
        else this.deps.logger.warn({ err: error, user: user.username }, 'cannot check a live user again now');
      });
    }
  }

  close(code: number, reason: string, cause: CloseCause): void {
    this.cause ??= cause;
    this.stopTimers();
    this.coalescer.stop();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, fitReason(reason));
    }
  }

  /** Ends the connection without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Resolves once the socket is closed. */
  whenClosed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const message = parseMessage(data, isBinary);
    if (!this.session) {
      if (message.ok && message.value.type === 'auth') return this.authenticate(message.value.token);
      return this.close(
        LIVE_CLOSE.unauthorized,
        'authenticate first: send {"type":"auth","token":...} or connect with ?token=',
        'unauthorized',
      );
    }
    if (!message.ok) return this.invalid(message.error);
    const { value } = message;
    switch (value.type) {
      case 'auth':
        return this.reauthenticate(value.token);
      case 'subscribe':
      case 'unsubscribe':
        return this.subscribe(value);
      case 'ping':
        return this.sendMessage({ type: 'pong' });
    }
  }

  private async authenticate(token: string): Promise<void> {
    clearTimeout(this.authTimer);
    let session: LiveSession;
    try {
      session = await this.deps.verify(token);
    } catch (error) {
      return this.refused(error);
    }
    this.start(session);
  }

  /** A fresh token for the same user, sent before the one in use runs out. */
  private async reauthenticate(token: string): Promise<void> {
    let session: LiveSession;
    try {
      session = await this.deps.verify(token);
    } catch (error) {
      return this.refused(error);
    }
    if (session.user.id !== this.session?.user.id) {
      return this.sendMessage({ type: 'error', message: 'this token is for another user: open a new connection' });
    }
    this.start(session);
  }

  private start(session: LiveSession): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.session = session;
    clearTimeout(this.expiryTimer);
    if (session.expiresAt !== null) {
      const left = Math.max(0, Math.min(session.expiresAt - this.deps.now(), MAX_TIMER_MS));
      this.expiryTimer = setTimeout(
        () =>
          this.close(
            LIVE_CLOSE.unauthorized,
            'access token expired: send a fresh one in an auth message before it runs out',
            'unauthorized',
          ),
        left,
      );
    }
    this.deps.onAuthenticated(this);
    const { username, role } = session.user;
    this.sendMessage({
      type: 'authenticated',
      username,
      role,
      expires_at: session.expiresAt === null ? null : new Date(session.expiresAt).toISOString(),
    });
  }

  private refused(error: unknown): void {
    if (error instanceof UnauthorizedError) return this.close(LIVE_CLOSE.unauthorized, error.message, 'unauthorized');
    this.deps.logger.error({ err: error }, 'cannot check a live client access token');
    this.close(1011, 'the access token cannot be checked now: try again later', 'error');
  }

  private subscribe(message: LiveSubscribeMessage): void {
    const { type, robots, channels } = message;
    if (type === 'subscribe') {
      try {
        this.subscriptions.add(robots, channels);
      } catch (error) {
        return this.invalid((error as Error).message);
      }
    } else {
      this.subscriptions.remove(robots, channels);
      // What waits for the end of its interval was wanted when it came; it is not any more.
      this.coalescer.dropPending((update) => !this.subscriptions.wants(update.channel, update.robotId));
    }
    this.sendMessage({ type: type === 'subscribe' ? 'subscribed' : 'unsubscribed', robots, channels });
  }

  /** Answers a bad message with an error; too many within a minute close the connection. */
  private invalid(reason: string): void {
    const now = this.deps.now();
    while (this.invalidAt.length > 0 && (this.invalidAt[0] ?? 0) <= now - INVALID_WINDOW_MS) this.invalidAt.shift();
    this.invalidAt.push(now);
    if (this.invalidAt.length > this.options.maxInvalidMessages) {
      return this.close(1008, 'too many invalid messages', 'invalid');
    }
    this.sendMessage({ type: 'error', message: reason });
  }

  private sendMessage(message: LiveServerMessage): void {
    this.send(JSON.stringify(message), message.type);
  }

  /** Sends, unless the client has fallen too far behind: then it is closed rather than buffered without bound. */
  private send(json: string, type: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(json);
    this.deps.metrics.sent.inc({ type });
    if (this.ws.bufferedAmount > this.options.maxBufferBytes) {
      this.deps.metrics.droppedSlow.inc();
      this.deps.logger.warn(
        { user: this.user, bufferedBytes: this.ws.bufferedAmount },
        'live client reads too slowly: closing it',
      );
      this.close(
        LIVE_CLOSE.tooSlow,
        `too slow: more than ${Math.round(this.options.maxBufferBytes / 1024)} KB waiting to be sent`,
        'too_slow',
      );
    }
  }

  private closed(): void {
    this.stopTimers();
    this.coalescer.stop();
    this.deps.metrics.closed.inc({ reason: this.cause ?? 'client' });
    this.deps.onClosed(this);
  }

  private stopTimers(): void {
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
  }
}

type Parsed = { ok: true; value: LiveClientMessage } | { ok: false; error: string };

function parseMessage(data: RawData, isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, error: 'messages are JSON text, not binary' };
  let json: unknown;
  try {
    json = JSON.parse(rawText(data));
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = liveClientMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: describeIssues(parsed.error) };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function describeIssues(error: ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** A close reason cut to the 123 bytes the protocol allows. */
function fitReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
  return text;
}
