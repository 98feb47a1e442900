import pino, { type DestinationStream, type Logger, type LoggerOptions as LoggerSettings } from 'pino';
import { currentLogContext } from './log-context';

export const LOGGER = Symbol('LOGGER');
export type { Logger };

export interface LoggerOptions {
  service: string;
  instanceId: string;
  level: string;
  format: 'json' | 'pretty';
}

/** Keys whose values never reach a log line, wherever they appear in the logged object. */
const REDACTED = ['password', 'secret', 'token', 'authorization', 'cookie', 'password_hash', 'secret_hash'];

/**
 * One JSON line per event with `service`, `instance`, ISO time, and the request or message id of the work in
 * progress (see {@link withLogContext}).
 *
 * @example
 * const logger = createLogger({ service: 'ingest', instanceId: 'pod-1', level: 'info', format: 'json' });
 * logger.info({ robotId }, 'robot registered');
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const settings: LoggerSettings = {
    level: options.level,
    base: { service: options.service, instance: options.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => currentLogContext(),
    redact: { paths: REDACTED.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' },
    ...(options.format === 'pretty' && !destination
      ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
      : {}),
  };
  return destination ? pino(settings, destination) : pino(settings);
}
