// The ingest service as a child process, as production runs it, for the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@fleet/platform';

const ROOT = resolve(__dirname, '..', '..', '..');
const INGEST_MAIN = join(ROOT, 'dist', 'apps', 'ingest', 'src', 'main.js');

export interface Ingest {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Peak resident memory (VmHWM) in MB. */
  peakRssMb: () => number;
  stop: () => Promise<void>;
}

/** The V8 heap limit Fleet's deployment files give ingest (`NODE_OPTIONS`), which the benchmark runs it with. */
export const INGEST_HEAP_MB = 192;

/**
 * Starts `node dist/apps/ingest/src/main.js` (with `--max-old-space-size=<heapMb>` unless 0, and `nodeArgs`) and
 * waits until it is healthy and subscribed.
 */
export async function startIngest(
  overrides: Record<string, string>,
  heapMb = INGEST_HEAP_MB,
  nodeArgs: readonly string[] = [],
): Promise<Ingest> {
  const port = await freePort();
  const heap = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
  const child = spawn(process.execPath, ['--enable-source-maps', ...heap, ...nodeArgs, INGEST_MAIN], {
    // eslint-disable-next-line no-restricted-properties -- the child runs with this environment plus the run's settings
    env: { ...process.env, ...overrides, PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let subscribed = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (!subscribed && text.includes('subscribed to robot topics')) subscribed = true;
    output = (output + text).slice(-20_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`ingest exited (${child.exitCode}) while starting:\n${output.slice(-3_000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ingest was not ready within 120 s:\n${output.slice(-3_000)}`);
    }
    const healthy = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (healthy && subscribed) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    child,
    port,
    output: () => output,
    peakRssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop,
  };
}
