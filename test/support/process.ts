import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/** The compiled entry point of `app`, built first when missing or older than the sources (as `npm start` does). */
export function builtApp(app: string): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs'), app], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 180_000,
  });
  return join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

/** Server variables a test must not inherit when it means to run on embedded defaults. */
const SERVER_VARIABLES = [
  'DATABASE_URL',
  'MQTT_URL',
  'REDIS_URL',
  'INFLUX_URL',
  'TELEMETRY_STORE',
  'MQTT_TOPIC_PREFIX',
];

export interface FleetProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** The first log line `match` accepts, waiting for it up to `timeoutMs`. */
  waitForLog: (
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a compiled Fleet entry point as its own process, as `npm start` does; or, with `command`, any command
 * (`npm start` itself), in its own process group so a test can signal the group as a terminal's Ctrl-C does.
 */
export function runProcess(
  main: string,
  env: Record<string, string>,
  args: string[] = [],
  command?: { file: string; args: string[] },
): FleetProcess {
  const inherited = { ...process.env };
  for (const name of SERVER_VARIABLES) delete inherited[name];
  const child = command
    ? spawn(command.file, command.args, {
        cwd: ROOT,
        env: { ...inherited, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn(process.execPath, [main, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake();
      done({ code, signal });
    }),
  );

  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolvePromise, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          finish();
          resolvePromise(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(
            new Error(
              `process exited (${child.exitCode ?? child.signalCode}) first:\n${errors}\n${JSON.stringify(logs.slice(-5))}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no such log line within ${timeoutMs} ms; last lines: ${JSON.stringify(logs.slice(-5))}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return { child, logs, stderr: () => errors, waitForLog, exited };
}
