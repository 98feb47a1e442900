import type { Logger } from 'pino';

/**
 * What the process opened (embedded servers, pools, connections), in order, so it can all be closed even when
 * start-up fails half-way, before NestJS's shutdown hooks exist. Closers must be safe to call twice: the normal
 * shutdown hooks call them too.
 */
export class Resources {
  private readonly closers: { name: string; close: () => Promise<void> }[] = [];

  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  /** Closes everything, newest first; one failure does not keep the rest open. */
  async closeAll(logger: Logger): Promise<void> {
    for (const { name, close } of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error, resource: name }, `could not close ${name}`);
      }
    }
  }
}

/** Injection token for the process's {@link Resources}. */
export const RESOURCES = Symbol('RESOURCES');
