import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '@fleet/database';
import { PortInUseError, isProcessAlive } from '@fleet/platform';
import { captureLogs } from '../support/logs';
import { tempDir } from '../support/temp-dir';

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

/** Resolves once `done()` holds, checking every 50 ms for up to 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 50) {
    if (waited > 10_000) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('embedded PostgreSQL', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const servers: EmbeddedPostgres[] = [];
  const server = (port = 0) => {
    const s = new EmbeddedPostgres({ dataDir: dir.path, port, logger: captureLogs().logger });
    servers.push(s);
    return s;
  };

  beforeEach(async () => {
    dir = await tempDir('fleet-embedded');
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
    await dir.remove();
  });

  it('creates a cluster on first start with private random credentials, and keeps data across restarts', async () => {
    const first = server();
    const { url } = await first.start();
    expect(url).toMatch(/^postgres:\/\/fleet:[^@]{20,}@127\.0\.0\.1:\d+\/fleet$/);
    expect((await stat(join(dir.path, 'postgres.credentials.json'))).mode & 0o777).toBe(0o600);
    const [{ version }] = await query<{ version: number }>(
      url,
      "SELECT current_setting('server_version_num')::int AS version",
    );
    expect(version).toBeGreaterThanOrEqual(150000);
    await query(url, 'CREATE TABLE kept (v text)');
    await query(url, 'INSERT INTO kept VALUES ($1)', ['survives a restart']);
    await first.stop();
    expect(existsSync(join(dir.path, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = server();
    const again = await second.start();
    expect(again.url.split('@')[0]).toBe(url.split('@')[0]);
    expect(await query(again.url, 'SELECT v FROM kept')).toEqual([{ v: 'survives a restart' }]);
  });

  it('refuses a data directory another live Fleet process is using, naming the way out', async () => {
    await server().start();
    await expect(server().start()).rejects.toThrow(/is in use by another Fleet process .*FLEET_DATA_DIR.*DATABASE_URL/);
  });

  it('lets a command-line tool attach to the server a running Fleet started', async () => {
    const { url } = await server().start();
    const attached = await server().attachOrStart();
    expect(attached.owned).toBe(false);
    expect(attached.url).toBe(url);
  });

  it('stops and replaces a server left behind by a Fleet process that was killed', async () => {
    const first = server();
    const { url } = await first.start();
    await query(url, 'CREATE TABLE orphaned (v int)');
    const orphanPid = await postmasterPid(dir.path);
    // The owning process is gone (a pid that just exited), the server still runs.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir.path, 'postgres.owner.pid'), `${gone}\n`);

    const logs = captureLogs();
    const next = new EmbeddedPostgres({ dataDir: dir.path, port: 0, logger: logs.logger });
    servers.push(next);
    const { url: newUrl } = await next.start();
    expect(isProcessAlive(orphanPid, 'postgres')).toBe(false);
    expect(logs.lines().map((l) => l.msg)).toContain(
      'stopping embedded PostgreSQL left running by an earlier Fleet process',
    );
    expect(await query(newUrl, "SELECT to_regclass('orphaned') IS NOT NULL AS kept")).toEqual([{ kept: true }]);
  });

  it('can be told to stop synchronously, for a process that must exit now', async () => {
    const s = server();
    await s.start();
    const pid = await postmasterPid(dir.path);
    s.stopNow();
    expect(existsSync(join(dir.path, 'postgres.owner.pid'))).toBe(false);
    await until(() => !isProcessAlive(pid, dir.path));
    await s.stop(); // nothing left to stop
  });

  it('names EMBEDDED_POSTGRES_PORT when its fixed port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failing = server(port).start();
      await expect(failing).rejects.toThrow(PortInUseError);
      await expect(failing).rejects.toThrow(`Port ${port} is already in use: set EMBEDDED_POSTGRES_PORT`);
    } finally {
      blocker.close();
    }
  });
});
