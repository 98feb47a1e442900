import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, type FleetConfig } from '@fleet/config';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import { HostModule } from './host.module';
import { HttpSetup } from './http-setup';
import { withLogContext } from './log-context';
import { createLogger } from './logger';
import { MetricsService } from './metrics.service';
import { PinoNestLogger } from './nest-logger';
import { PortInUseError } from './process';
import { Resources } from './resources';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface ServiceOptions {
  /** `ingest`, `alerting`, `jobs`, `reports`, `api`, or `fleet` for all-in-one. */
  service: string;
  config: FleetConfig;
  logger: Logger;
  /** Where what the process opens is registered; a fresh one when omitted. */
  resources?: Resources;
  /** The time every service of the process goes by; the system clock when omitted (tests drive their own). */
  clock?: Clock;
}

/** The terminal sends Ctrl-C to every process of the group, and npm forwards it once more: one Ctrl-C, two signals. */
const SAME_SIGNAL_MS = 1_000;

/**
 * Creates (but does not start listening) the HTTP application around `root`: JSON logs with request ids,
 * request metrics, `/health`, `/metrics`.
 */
export async function createServiceApp(root: Type, options: ServiceOptions): Promise<NestFastifyApplication> {
  const resources = options.resources ?? new Resources();
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: 1024 * 1024,
    trustProxy: proxyTrust(options.config.api.trustProxy),
    // A caller's id is kept so one request can be followed across services; anything odd is replaced.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      HostModule.forRoot({ ...options, resources, clock: options.clock ?? systemClock }, root),
      adapter,
      {
        logger: new PinoNestLogger(options.logger),
        abortOnError: false,
      },
    );
  } catch (error) {
    // No shutdown hooks exist yet: close what did start (embedded PostgreSQL, broker, connections) here.
    await resources.closeAll(options.logger);
    throw error;
  }

  try {
    await app.get(HttpSetup).apply(app);
  } catch (error) {
    await app.close();
    throw error;
  }
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    withLogContext({ requestId: request.id }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    // 501 is a route not served yet, by design: not a failure to alarm anyone about.
    const level = reply.statusCode === 501 ? 'info' : reply.statusCode >= 500 ? 'error' : 'debug';
    options.logger[level](
      {
        requestId: request.id,
        method: request.method,
        url: withoutSecrets(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });
  return app;
}

/** A hop count trusts that many proxies nearest the server. */
function proxyTrust(setting: boolean | number | string[]) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/** A URL as logs may show it: a token passed in the query string (`?token=`) is blanked. */
export function withoutSecrets(url: string): string {
  return url.replace(/([?&](?:token|access_token|refresh_token)=)[^&#]*/gi, '$1[redacted]');
}

/** Listens on `HOST`:`PORT`; a taken port stops start-up with a message naming `PORT`. */
export async function listen(app: NestFastifyApplication, config: FleetConfig): Promise<number> {
  try {
    await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError('PORT', config.http.port, '', { cause: error });
    }
    throw error;
  }
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : config.http.port;
}

/** What a process adds to its services once it listens (the all-in-one's simulated robots). */
export interface ServiceHooks {
  /**
   * Runs once the process listens; a failure stops start-up. What it returns runs first on shutdown, before the
   * services stop.
   */
  onReady?: (
    app: NestFastifyApplication,
    context: { config: FleetConfig; logger: Logger },
  ) => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Starts one Fleet process: reads the configuration (a bad variable stops it with a message naming the variable),
 * boots `root`, listens, and shuts down cleanly on SIGINT/SIGTERM, also one that arrives during start-up: services
 * finish their work, then connections and embedded servers close. A second Ctrl-C, or a shutdown longer than
 * `SHUTDOWN_TIMEOUT_MS`, exits at once, still stopping the embedded database server.
 */
export async function runService(service: string, root: Type, hooks: ServiceHooks = {}): Promise<void> {
  let config: FleetConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ service, instanceId: config.instanceId, ...config.log });
  const resources = new Resources();
  const began = Date.now();
  let app: NestFastifyApplication | undefined;
  let stopAdded: (() => Promise<void>) | undefined;
  const starting = (async () => {
    app = await createServiceApp(root, { service, config, logger, resources });
    const port = await listen(app, config);
    stopAdded = await hooks.onReady?.(app, { config, logger });
    return port;
  })();
  const shutdown = installShutdown({
    logger,
    resources,
    timeoutMs: config.shutdownTimeoutMs,
    close: async () => {
      await starting.catch(() => undefined);
      await stopAdded?.().catch((error: unknown) => logger.error({ err: error }, 'could not stop what was started'));
      await app?.close();
    },
  });

  try {
    const port = await starting;
    logger.info({ port, ms: Date.now() - began }, `${service} ready on http://${config.http.host}:${port}`);
  } catch (error) {
    if (shutdown.requested()) return;
    const reason = `${service} could not start: ${error instanceof Error ? error.message : String(error)}`;
    logger.fatal({ err: error }, reason);
    // Someone at a terminal gets the reason in plain words too, not only inside a JSON line.
    if (process.stderr.isTTY && config.log.format === 'json') process.stderr.write(`\n${reason}\n`);
    await (app?.close() ?? resources.closeAll(logger)).catch(() => undefined);
    process.exit(1);
  }
}

interface ShutdownOptions {
  logger: Logger;
  resources: Resources;
  timeoutMs: number;
  close: () => Promise<void>;
}

function installShutdown({ logger, resources, timeoutMs, close }: ShutdownOptions): { requested: () => boolean } {
  let firstSignalAt: number | undefined;
  const exitNow = (code: number) => {
    resources.closeAllNow(logger);
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exitNow(130);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long (SHUTDOWN_TIMEOUT_MS): exiting');
      exitNow(1);
    }, timeoutMs).unref();
    close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitNow(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { requested: () => firstSignalAt !== undefined };
}
