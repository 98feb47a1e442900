import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Whether process `pid` runs and, on Linux, whether its command line contains `nameHint` (guards against a pid
 * reused by an unrelated process after a crash).
 */
export function isProcessAlive(pid: number, nameHint?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (nameHint === undefined || process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(nameHint);
  } catch {
    return false;
  }
}

/** A TCP port that was free on `host` a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A port Fleet was told to listen on is taken; the message names the variable to change. */
export class PortInUseError extends Error {
  constructor(
    readonly variable: string,
    readonly port: number,
    hint = '',
    options?: ErrorOptions,
  ) {
    super(`Port ${port} is already in use: set ${variable} to a free port${hint}.`, options);
    this.name = 'PortInUseError';
  }
}

/**
 * When process `pid` started, as the kernel counts it (Linux), or undefined elsewhere or when it is gone. With the
 * pid it names one process for good: a pid reused later comes with another start time.
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
