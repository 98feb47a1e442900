import { AsyncLocalStorage } from 'node:async_hooks';

/** Ids that every log line written while handling one request or message carries. */
export interface LogContext {
  requestId?: string;
  messageId?: string;
  [key: string]: string | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `ids` added to the log context: every log line written inside, however deep, carries them.
 *
 * @example
 * withLogContext({ messageId, topic }, () => handleMessage(packet));
 */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ids }, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
