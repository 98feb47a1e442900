import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '@fleet/platform';

/** The logger Fleet's processes use (JSON lines, log context), writing where a test can read it back. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ service: 'test', instanceId: 'test', level, format: 'json' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
