import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits for a condition a running system reaches on its own (points stored, a backlog drained): runs `check` until
 * it stops throwing, and fails with its last error after `timeoutMs`.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(everyMs);
    }
  }
}
