import { createHash } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { EmbeddedPostgres } from '@fleet/database';

declare global {
  var fleetTestPostgres: { server: EmbeddedPostgres; dir: string } | undefined;
}

/**
 * Starts one embedded PostgreSQL for the whole run; suites create their own databases in it. Its directory is the
 * same for every run of this checkout, so a run that was killed leaves nothing behind for long: the next one stops
 * its server and starts afresh.
 */
export default async function globalSetup(): Promise<void> {
  const checkout = createHash('sha256')
    .update(resolve(__dirname, '..', '..'))
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `fleet-test-pg-${checkout}`);
  await mkdir(dir, { recursive: true });
  // When tests run as root the server runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const server = new EmbeddedPostgres({ dataDir: dir, port: 0, logger: pino({ level: 'warn' }) });
  try {
    const { url } = await server.start();
    process.env.FLEET_TEST_EMBEDDED_URL = url;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  globalThis.fleetTestPostgres = { server, dir };
}
