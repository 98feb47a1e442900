import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePort } from '@fleet/platform';
import { describeWithMosquitto } from '../support/mosquitto';
import { nextMessage, robotClient } from '../support/mqtt';
import { ROOT } from '../support/process';
import { tempDir } from '../support/temp-dir';

/** Replaces `from` in `text`, failing when the shipped file no longer contains it. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const replaced = text.replace(from, to);
  if (replaced === text) throw new Error(`mosquitto/mosquitto.conf no longer contains ${String(from)}`);
  return replaced;
}

/**
 * The shipped `mosquitto/` configuration, run by the local Mosquitto on free loopback ports with a fresh password
 * file and the commented-out legacy listener switched on: robots get exactly the access the README promises.
 */
describeWithMosquitto('shipped Mosquitto configuration', ({ mosquitto, mosquittoPasswd }) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let broker: ChildProcess;
  let url: string;
  let legacyUrl: string;
  const clients: MqttClient[] = [];
  const passwords = { fleet: 'fleet-password', tonypi_01: 'robot-one', tonypi_02: 'robot-two' };

  beforeAll(async () => {
    dir = await tempDir('fleet-mosquitto');
    const [port, wsPort, legacyPort] = [await freePort(), await freePort(), await freePort()];
    let conf = await readFile(join(ROOT, 'mosquitto', 'mosquitto.conf'), 'utf8');
    conf = replaceOnce(conf, /^persistence true$/m, 'persistence false');
    // Mosquitto buffers its log on a pipe to stdout; stderr shows when it is ready.
    conf = replaceOnce(conf, /^log_dest stdout$/m, 'log_dest stderr');
    conf = replaceOnce(conf, /^listener 1883$/m, `listener ${port} 127.0.0.1`);
    conf = replaceOnce(conf, /^listener 9001$/m, `listener ${wsPort} 127.0.0.1`);
    conf = replaceOnce(
      conf,
      /^#listener 1884\n#(protocol mqtt)\n#(allow_anonymous true)\n#(acl_file .*)$/m,
      `listener ${legacyPort} 127.0.0.1\n$1\n$2\n$3`,
    );
    conf = conf.replaceAll('/mosquitto/secrets/', `${dir.path}/`).replaceAll('/mosquitto/config/', `${dir.path}/`);
    await writeFile(join(dir.path, 'mosquitto.conf'), conf);
    for (const file of ['acl', 'acl.legacy']) await copyFile(join(ROOT, 'mosquitto', file), join(dir.path, file));

    const passwd = join(dir.path, 'passwd');
    for (const [user, password] of Object.entries(passwords)) {
      const create = user === 'fleet' ? ['-c'] : [];
      execFileSync(mosquittoPasswd, [...create, '-b', passwd, user, password], { stdio: 'pipe' });
    }
    // Run as root, Mosquitto reads its files as the `mosquitto` user.
    await chmod(passwd, 0o644);

    broker = spawn(mosquitto, ['-c', join(dir.path, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/mosquitto version \S+ running/.test(output)) resolve();
      };
      broker.stdout?.on('data', onData);
      broker.stderr?.on('data', onData);
      broker.once('exit', (code) => reject(new Error(`mosquitto exited with ${String(code)}:\n${output}`)));
    });
    url = `mqtt://127.0.0.1:${port}`;
    legacyUrl = `mqtt://127.0.0.1:${legacyPort}`;
  });
  afterAll(async () => {
    if (broker?.exitCode === null) {
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill('SIGTERM');
      await exited;
    }
    await dir?.remove();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
  });

  const connect = async (target: string, clientId: string, user?: keyof typeof passwords) => {
    const client = await robotClient(target, clientId, user && { username: user, password: passwords[user] });
    clients.push(client);
    return client;
  };

  it('lets a robot publish under its own id only; Fleet reads all of it', async () => {
    const fleet = await connect(url, 'fleet-test', 'fleet');
    const robot = await connect(url, 'tonypi_01', 'tonypi_01');
    const received: string[] = [];
    fleet.on('message', (topic) => received.push(topic));
    await fleet.subscribeAsync('tonypi/#', { qos: 1 });

    // Mosquitto drops a publish it refuses without telling the publisher; the last one shows the others arrived.
    await robot.publishAsync('tonypi/status/tonypi_02', '{}', { qos: 1 });
    await robot.publishAsync('tonypi/commands/tonypi_02', '{}', { qos: 1 });
    await robot.publishAsync('tonypi/battery', '{}', { qos: 1 });
    const last = await nextMessage(fleet, 'tonypi/status/tonypi_01');
    await robot.publishAsync('tonypi/status/tonypi_01', '{}', { qos: 1 });
    await last.promise;
    expect(received).toEqual(['tonypi/battery', 'tonypi/status/tonypi_01']);
  });

  it("delivers a robot its own commands and the broadcasts, never another robot's", async () => {
    const fleet = await connect(url, 'fleet-test', 'fleet');
    const robot = await connect(url, 'tonypi_01', 'tonypi_01');
    const received: string[] = [];
    robot.on('message', (topic) => received.push(topic));
    await robot.subscribeAsync(['tonypi/commands/+', 'tonypi/emergency_stop/+'], { qos: 1 });

    await fleet.publishAsync('tonypi/commands/tonypi_02', '{}', { qos: 1 });
    await fleet.publishAsync('tonypi/commands/broadcast', '{}', { qos: 1 });
    await fleet.publishAsync('tonypi/emergency_stop/tonypi_02', '{}', { qos: 1 });
    const last = new Promise((resolve) =>
      robot.on('message', (topic) => topic.endsWith('/tonypi_01') && resolve(topic)),
    );
    await fleet.publishAsync('tonypi/emergency_stop/tonypi_01', '{}', { qos: 1 });
    await last;
    expect(received).toEqual(['tonypi/commands/broadcast', 'tonypi/emergency_stop/tonypi_01']);
  });

  it('refuses clients without credentials or with a wrong password on the main listener', async () => {
    await expect(connect(url, 'tonypi_01')).rejects.toThrow(/Not authorized/);
    await expect(robotClient(url, 'tonypi_01', { username: 'tonypi_01', password: 'guess' })).rejects.toThrow(
      /Not authorized|Bad username or password/,
    );
  });

  it('on the legacy listener, binds a client without credentials to the robot its client id names', async () => {
    const fleet = await connect(url, 'fleet-test', 'fleet');
    const robot = await connect(legacyUrl, 'tonypi_03');
    const received: string[] = [];
    fleet.on('message', (topic) => received.push(topic));
    await fleet.subscribeAsync('tonypi/#', { qos: 1 });

    await robot.publishAsync('tonypi/status/tonypi_01', '{}', { qos: 1 });
    const last = await nextMessage(fleet, 'tonypi/status/tonypi_03');
    await robot.publishAsync('tonypi/status/tonypi_03', '{}', { qos: 1 });
    await last.promise;
    expect(received).toEqual(['tonypi/status/tonypi_03']);
  });
});
