import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedPostgres } from '@fleet/database';

declare global {
  var fleetTestPostgres: { server: EmbeddedPostgres; dir: string } | undefined;
}

/** Starts one embedded PostgreSQL for the whole run; suites create their own databases in it. */
export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-test-pg-'));
  // When tests run as root the server runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const server = new EmbeddedPostgres({ dataDir: dir, port: 0, logger: pino({ level: 'warn' }) });
  const { url } = await server.start();
  process.env.FLEET_TEST_EMBEDDED_URL = url;
  globalThis.fleetTestPostgres = { server, dir };
}
