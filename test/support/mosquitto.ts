import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { freePort } from '@fleet/platform';
import { REQUIRE_SERVICES } from './servers';

/** The local Mosquitto's programs, from PATH or where Debian installs them. */
export interface MosquittoPrograms {
  mosquitto: string;
  mosquittoPasswd: string;
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * `describe` with the local Mosquitto's programs. Without them, a failing test when FLEET_REQUIRE_SERVICES=1, else
 * one skipped test that says why.
 */
export function describeWithMosquitto(title: string, body: (programs: MosquittoPrograms) => void): void {
  const mosquitto = findProgram('mosquitto');
  const mosquittoPasswd = findProgram('mosquitto_passwd');
  if (mosquitto && mosquittoPasswd) {
    describe(title, () => {
      body({ mosquitto, mosquittoPasswd });
    });
  } else if (REQUIRE_SERVICES) {
    describe(title, () => {
      it('needs the mosquitto and mosquitto_passwd programs', () => {
        throw new Error('mosquitto is not installed, and FLEET_REQUIRE_SERVICES=1 requires every server');
      });
    });
  } else {
    describe(title, () => {
      // eslint-disable-next-line jest/no-disabled-tests -- without Mosquitto installed the suite says so and skips
      it.skip('skipped: mosquitto is not installed', () => undefined);
    });
  }
}

/**
 * A Mosquitto of the test's own, on a free loopback port, that can be stopped and started again on the same port.
 * It keeps sessions across restarts (persistence, saved when it stops), as a production broker does.
 */
export class StoppableBroker {
  private process?: ChildProcess;
  port = 0;

  constructor(
    private readonly program: string,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts it, unless it runs. */
  async start(): Promise<void> {
    if (this.process?.exitCode === null) return;
    if (this.port === 0) {
      this.port = await freePort();
      // Run as root, Mosquitto writes its persistence file as the `mosquitto` user.
      await chmod(this.dir, 0o777);
      await writeFile(
        join(this.dir, 'mosquitto.conf'),
        [
          `listener ${this.port} 127.0.0.1`,
          'allow_anonymous true',
          'persistence true',
          `persistence_location ${this.dir}/`,
          'log_dest stderr',
          '',
        ].join('\n'),
      );
    }
    const child = spawn(this.program, ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/mosquitto version \S+ running/.test(output)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`mosquitto exited with ${String(code)}:\n${output}`)));
    });
  }

  /** Stops it: `SIGTERM` saves the sessions, `SIGKILL` loses what it held. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Freezes it (`SIGSTOP`): connections stay open, nothing is read or acknowledged. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }
}
