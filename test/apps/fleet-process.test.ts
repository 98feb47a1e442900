import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import { isProcessAlive } from '@fleet/platform';
import { getJson } from '../support/app';
import { robotClient } from '../support/mqtt';
import { builtApp, runProcess, type FleetProcess } from '../support/process';
import { tempDir } from '../support/temp-dir';
import { MIGRATION_COUNT } from '../support/migrations';

/** `npm start` as a user runs it: the compiled all-in-one process, its signals and its data directory. */
describe('fleet process', () => {
  let main: string;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const started: FleetProcess[] = [];

  beforeAll(() => {
    main = builtApp('fleet');
  }, 180_000);
  beforeEach(async () => {
    dir = await tempDir('fleet-process');
  });
  afterEach(async () => {
    for (const p of started.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await dir.remove();
  });

  const env = () => ({ FLEET_DATA_DIR: dir.path, HOST: '127.0.0.1', PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0' });
  const launch = (extra: Record<string, string> = {}) => {
    const p = runProcess(main, { ...env(), ...extra });
    started.push(p);
    return p;
  };
  const fleetGone = () => {
    expect(existsSync(postmaster())).toBe(false);
    expect(existsSync(join(dir.path, 'postgres.owner.pid'))).toBe(false);
  };
  const ready = async (p: FleetProcess) => {
    const line = await p.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('fleet ready on'));
    return `http://127.0.0.1:${String(line.port)}`;
  };
  const postmaster = () => join(dir.path, 'postgres', 'postmaster.pid');

  it('starts healthy within a minute on a fresh data directory and stops cleanly on Ctrl-C', async () => {
    const t0 = Date.now();
    const fleet = launch();
    const url = await ready(fleet);
    const health = await getJson(`${url}/health/ready`);
    expect(health.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(60_000);

    const broker = await fleet.waitForLog((l) => l.msg === 'embedded MQTT broker listening');
    // The broker answers, and admits no robot without credentials unless MQTT_ALLOW_ANONYMOUS=true.
    await expect(robotClient(`mqtt://127.0.0.1:${String(broker.port)}`, 'tonypi_01')).rejects.toThrow(/Not authorized/);
    const pgPid = Number(readFileSync(postmaster(), 'utf8').split('\n')[0]);

    fleet.child.kill('SIGINT');
    expect(await fleet.exited).toEqual({ code: 0, signal: null });
    expect(fleet.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'embedded PostgreSQL stopped', 'stopped']),
    );
    expect(existsSync(postmaster())).toBe(false);
    expect(isProcessAlive(pgPid, 'postgres')).toBe(false);

    // What `npm run fleet -- db status` shows afterwards: every migration applied.
    const out: string[] = [];
    const code = await runCli(['db', 'status'], {
      env: { FLEET_DATA_DIR: dir.path },
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code).toBe(0);
    expect(out.join('')).toContain(`${MIGRATION_COUNT} applied, 0 pending`);
  }, 90_000);

  it('shuts down cleanly on Ctrl-C in a terminal running npm start, which signals the whole group', async () => {
    const npm = runProcess(main, env(), [], { file: 'npm', args: ['start', '--silent'] });
    started.push(npm);
    await ready(npm);
    process.kill(-(npm.child.pid ?? 0), 'SIGINT');
    await npm.exited;
    const messages = npm.logs.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'embedded PostgreSQL stopped', 'stopped']));
    expect(messages).not.toContain('second signal: exiting without waiting');
    fleetGone();
  }, 90_000);

  it('finishes starting, then stops, when told to stop while it starts', async () => {
    const fleet = launch();
    await fleet.waitForLog((l) => l.msg === 'embedded PostgreSQL cluster created');
    fleet.child.kill('SIGTERM');
    expect(await fleet.exited).toEqual({ code: 0, signal: null });
    expect(fleet.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    fleetGone();
  }, 90_000);

  it('reuses its data on the next start, and recovers the database a killed process left running', async () => {
    const first = launch();
    await ready(first);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = launch();
    await ready(second);
    expect(second.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('applied '))).toBe(false);
    const orphan = Number(readFileSync(postmaster(), 'utf8').split('\n')[0]);
    second.child.kill('SIGKILL');
    await second.exited;
    expect(isProcessAlive(orphan, 'postgres')).toBe(true);

    const third = launch();
    const url = await ready(third);
    expect(third.logs.map((l) => l.msg)).toContain(
      'stopping embedded PostgreSQL left running by an earlier Fleet process',
    );
    expect(isProcessAlive(orphan, 'postgres')).toBe(false);
    expect((await getJson(`${url}/health/ready`)).status).toBe(200);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  }, 90_000);

  it('refuses a bad setting before starting anything, naming the variable', async () => {
    const fleet = launch({ PORT: 'eighty' });
    expect(await fleet.exited).toEqual({ code: 78, signal: null });
    expect(fleet.stderr()).toContain("PORT: expected a whole number from 0 to 65535, got 'eighty'");
    expect(existsSync(join(dir.path, 'postgres'))).toBe(false);
  });
});
