import type { Logger } from 'pino';

/** Longest wait for one resource to close before moving on to the next. */
const CLOSE_TIMEOUT_MS = 5_000;

interface Resource {
  name: string;
  close: () => Promise<void>;
  closeNow?: () => void;
}

/**
 * What the process opened (embedded servers, pools, connections), in order, so it can all be closed even when
 * start-up fails half-way, before NestJS's shutdown hooks exist. Closers must be safe to call twice.
 */
export class Resources {
  private readonly resources: Resource[] = [];

  /**
   * Registers a resource. `closeNow`, if given, must stop it synchronously: it runs when the process has to exit
   * without waiting (a second Ctrl-C, a shutdown past its time limit), so that nothing outlives the process.
   */
  add(name: string, close: () => Promise<void>, closeNow?: () => void): void {
    this.resources.push({ name, close, closeNow });
  }

  /** Closes everything, newest first; one that fails or hangs does not keep the rest open. */
  async closeAll(logger: Logger): Promise<void> {
    for (const { name, close } of [...this.resources].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
      });
      try {
        await Promise.race([close(), timeout]);
      } catch (error) {
        logger.error({ err: error, resource: name }, `could not close ${name}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Stops at once, synchronously, what can be stopped that way (the embedded database server). */
  closeAllNow(logger: Logger): void {
    for (const { name, closeNow } of [...this.resources].reverse()) {
      try {
        closeNow?.();
      } catch (error) {
        logger.error({ err: error, resource: name }, `could not stop ${name}`);
      }
    }
  }
}

/** Injection token for the process's {@link Resources}. */
export const RESOURCES = Symbol('RESOURCES');
