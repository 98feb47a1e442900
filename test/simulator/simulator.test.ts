import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { runCli } from '@apps/cli/src/cli';
import { EmbeddedBroker, INTERNAL_USER, prefixTopic, unprefixTopic } from '@fleet/messaging';
import { freePort } from '@fleet/platform';
import { startSimulation, type SimulationHandle, type SimulationOptions } from '@fleet/simulator';
import { captureLogs } from '../support/logs';
import { builtApp, runProcess, type FleetProcess } from '../support/process';
import { describeWithServer, uniqueName } from '../support/servers';
import { tempDir } from '../support/temp-dir';

interface Seen {
  topic: string;
  payload: Record<string, unknown>;
  qos: number;
}

/** Everything published under a topic prefix, and a way to wait until what was seen satisfies a condition. */
class Recorder {
  readonly seen: Seen[] = [];
  private readonly checks = new Set<() => void>();

  private constructor(
    readonly client: MqttClient,
    readonly prefix: string,
  ) {
    client.on('message', (topic, body, packet) => {
      const local = unprefixTopic(prefix, topic);
      if (local === undefined) return;
      this.seen.push({
        topic: local,
        payload: JSON.parse(body.toString()) as Record<string, unknown>,
        qos: packet.qos,
      });
      for (const check of this.checks) check();
    });
  }

  static async start(url: string, prefix: string, credentials?: { username: string; password: string }) {
    const client = await connectAsync(url, { clientId: uniqueName('recorder'), reconnectPeriod: 0, ...credentials });
    await client.subscribeAsync(prefixTopic(prefix, 'tonypi/#'), { qos: 1 });
    return new Recorder(client, prefix);
  }

  of(topic: string, robotId?: string): Record<string, unknown>[] {
    return this.seen
      .filter((s) => s.topic === topic && (robotId === undefined || s.payload.robot_id === robotId))
      .map((s) => s.payload);
  }

  /** Resolves once `condition` holds for what was seen; rejects after `timeoutMs`, saying what was seen. */
  until(condition: (recorder: Recorder) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        const topics = [...new Set(this.seen.map((s) => s.topic))].join(', ');
        reject(new Error(`condition not met within ${timeoutMs} ms; ${this.seen.length} messages seen on ${topics}`));
      }, timeoutMs);
      const check = () => {
        if (!condition(this)) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      this.checks.add(check);
      check();
    });
  }

  /** Publishes as Fleet would, under the prefix. */
  async send(topic: string, payload: object): Promise<void> {
    await this.client.publishAsync(prefixTopic(this.prefix, topic), JSON.stringify(payload), { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

describeWithServer('MQTT_URL', 'simulated TonyPi robots', (url) => {
  let prefix: string;
  let recorder: Recorder;
  const simulations: SimulationHandle[] = [];
  const simulate = async (options: Partial<SimulationOptions>) => {
    const simulation = await startSimulation({ url, robots: 3, topicPrefix: prefix, clockZone: 'UTC', ...options });
    simulations.push(simulation);
    return simulation;
  };

  beforeEach(async () => {
    prefix = uniqueName('sim');
    recorder = await Recorder.start(url, prefix);
  });
  afterEach(async () => {
    for (const s of simulations.splice(0)) await s.stop();
    await recorder.close();
  });

  it("publishes the client's topics, sensors most often and battery least, each robot under its own id", async () => {
    const simulation = await simulate({ rate: 20 });
    expect(simulation.robotIds).toEqual(['tonypi_01', 'tonypi_02', 'tonypi_03']);
    // Battery every 30 s: 1.5 s at 20x, after the one sent on connecting.
    await recorder.until((r) => simulation.robotIds.every((id) => r.of('tonypi/battery', id).length >= 2));

    for (const id of simulation.robotIds) {
      const count = (topic: string) => recorder.of(topic, id).length;
      const sensorBatches = count(`tonypi/sensors/${id}`) / 10;
      expect(Number.isInteger(sensorBatches)).toBe(true);
      // Sensors every 2 s, servos 3 s, location 5 s, status 10 s, battery 30 s.
      expect(sensorBatches).toBeGreaterThan(count(`tonypi/servos/${id}`));
      expect(count(`tonypi/servos/${id}`)).toBeGreaterThan(count('tonypi/location'));
      expect(count('tonypi/location')).toBeGreaterThan(count(`tonypi/status/${id}`));
      expect(count(`tonypi/status/${id}`)).toBeGreaterThan(count('tonypi/battery'));
      expect(count(`tonypi/logs/${id}`)).toBeGreaterThanOrEqual(1);
    }
    expect(recorder.seen.every((s) => s.qos === 0)).toBe(true);
    expect(recorder.of('tonypi/status/tonypi_02')[0]).toMatchObject({
      robot_id: 'tonypi_02',
      status: 'online',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/) as unknown,
    });
    expect(simulation.total).toBeGreaterThanOrEqual(recorder.seen.length);
  });

  it('reports each robot offline when stopped, as the client does', async () => {
    const simulation = await simulate({ robots: 2, rate: 10 });
    await recorder.until((r) => r.of('tonypi/status/tonypi_02').length >= 1);
    await simulation.stop();
    await recorder.until((r) =>
      simulation.robotIds.every((id) => r.of(`tonypi/status/${id}`).some((s) => s.status === 'offline')),
    );
    const before = recorder.seen.length;
    await simulation.stop();
    expect(recorder.seen.length).toBe(before);
  });

  it('runs jobs, drains a low battery and goes silent, each robot in its own mode', async () => {
    const simulation = await simulate({ rate: 100, modes: ['1:job', '2:silent', '3:low-battery'] });
    // A job takes a simulated minute at most; the silent robot stops after one.
    await recorder.until((r) => r.of('tonypi/job/tonypi_01').some((e) => e.status === 'completed'), 15_000);
    await recorder.until((r) => r.of('tonypi/status/tonypi_03').length >= 12, 15_000);

    const job = recorder.of('tonypi/job/tonypi_01');
    expect(job.slice(0, 4).map((e) => [e.status, e.phase])).toEqual([
      ['started', 'scanning'],
      ['in_progress', 'searching'],
      ['in_progress', 'executing'],
      ['completed', 'done'],
    ]);
    expect(recorder.of('tonypi/job/tonypi_02')).toEqual([]);
    const battery = recorder.of('tonypi/battery', 'tonypi_03').map((b) => b.percentage as number);
    expect(battery[0]).toBe(21);
    expect(Math.min(...battery)).toBeLessThan(20);
    // Silent after 60 simulated seconds: the status sent on connecting and one every 10 s until then.
    expect(recorder.of('tonypi/status/tonypi_02').length).toBeLessThanOrEqual(7);

    await simulation.stop();
    await recorder.until((r) => r.of('tonypi/status/tonypi_01').some((s) => s.status === 'offline'));
    expect(recorder.of('tonypi/status/tonypi_02').some((s) => s.status === 'offline')).toBe(false);
  });

  it('answers commands: an emergency stop holds the robot until it is resumed', async () => {
    await simulate({ robots: 1, rate: 50 });
    await recorder.until((r) => r.of('tonypi/status/tonypi_01').length >= 1);

    await recorder.send('tonypi/emergency_stop/tonypi_01', { type: 'emergency_stop', id: 'e1', reason: 'test' });
    await recorder.until((r) => r.of('tonypi/emergency_stop/response').length === 1);
    expect(recorder.of('tonypi/emergency_stop/response')[0]).toMatchObject({
      robot_id: 'tonypi_01',
      command_id: 'e1',
      success: true,
      state: { emergency_stopped: true, motors_stopped: true },
    });
    await recorder.until((r) => r.of('tonypi/status/tonypi_01').some((s) => s.status === 'emergency_stopped'));

    await recorder.send('tonypi/commands/tonypi_01', { type: 'move', id: 'm1' });
    await recorder.send('tonypi/commands/broadcast', { type: 'resume', id: 'r1' });
    await recorder.until((r) => r.of('tonypi/commands/response').some((c) => c.command_id === 'r1'));
    const answers = recorder.of('tonypi/commands/response');
    expect(answers.find((a) => a.command_id === 'm1')).toMatchObject({ success: false });
    expect(answers.find((a) => a.command_id === 'r1')).toMatchObject({ success: true, previous_reason: 'test' });
  });

  it('publishes at QoS 1 when asked', async () => {
    await simulate({ robots: 1, rate: 10, qos: 1 });
    await recorder.until((r) => r.seen.length >= 5);
    expect(recorder.seen.every((s) => s.qos === 1)).toBe(true);
  });

  it('fails to start, naming the robot and the broker, when the broker is not there', async () => {
    const port = await freePort();
    await expect(
      startSimulation({ url: `mqtt://127.0.0.1:${port}`, robots: 2, connectTimeoutMs: 1_000 }),
    ).rejects.toThrow(
      new RegExp(`simulated robot tonypi_0[12] cannot connect to mqtt://127.0.0.1:${port}: no connection`),
    );
  });

  it('runs from the command line until its duration is up', async () => {
    let out = '';
    let err = '';
    const code = await runCli(
      ['simulate', '--robots', '2', '--rate', '100x', '--duration', '1', '--prefix', 'cli_', '--mode', '2:job'],
      { env: { MQTT_URL: url, MQTT_TOPIC_PREFIX: prefix }, out: (t) => (out += t), err: (t) => (err += t) },
    );
    expect({ code, err }).toEqual({ code: 0, err: expect.any(String) as unknown });
    expect(out).toContain(`simulating 2 TonyPi robot(s) (cli_01 ... cli_02) on mqtt://127.0.0.1:${new URL(url).port}`);
    expect(out).toContain('1 s elapsed: stopping');
    expect(out).toMatch(/stopped: [\d,]+ messages published/);
    await recorder.until((r) => r.of('tonypi/status/cli_01').some((s) => s.status === 'offline'));
    expect(recorder.of('tonypi/job/cli_02').length).toBeGreaterThan(0);
  });

  it('stops cleanly on Ctrl-C: every robot reports itself offline first', async () => {
    const cli = runProcess(builtApp('cli'), { MQTT_URL: url, MQTT_TOPIC_PREFIX: prefix }, [
      'simulate',
      '--robots',
      '2',
    ]);
    await cli.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('simulating 2 TonyPi robot(s)'));
    await recorder.until((r) => r.of('tonypi/status/tonypi_02').length >= 1);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['stopping', expect.stringMatching(/^stopped: /)]),
    );
    await recorder.until((r) =>
      ['tonypi_01', 'tonypi_02'].every((id) => r.of(`tonypi/status/${id}`).some((s) => s.status === 'offline')),
    );
  }, 180_000);

  it('refuses bad options from the command line, naming them', async () => {
    const run = async (args: string[]) => {
      let err = '';
      const code = await runCli(['simulate', ...args], {
        env: { MQTT_URL: url },
        out: () => undefined,
        err: (t) => (err += t),
      });
      return { code, err };
    };
    expect(await run(['--rate', 'fast'])).toEqual({
      code: 64,
      err: expect.stringContaining('--rate: expected a speed-up') as unknown,
    });
    expect(await run(['--robots', '2', '--mode', '3:job'])).toEqual({
      code: 64,
      err: expect.stringContaining("mode '3:job': robot numbers run from 1 to 2") as unknown,
    });
    expect((await run(['--mode', 'dancing'])).err).toContain("unknown mode 'dancing'");
    expect((await run(['--qos', '2'])).code).toBe(64);
    expect((await run(['--duration', 'soon'])).err).toContain('--duration: expected a time like 90, 90s, 15m or 2h');
  });
});

describe('simulated robots on the embedded broker', () => {
  const SECRET = 'secret-for-the-simulator-test';
  let broker: EmbeddedBroker;
  let url: string;
  const simulations: SimulationHandle[] = [];

  const start = async (allowAnonymous: boolean) => {
    broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: SECRET,
      topicPrefix: '',
      allowAnonymous,
      logger: captureLogs().logger,
    });
    url = `mqtt://127.0.0.1:${(await broker.start()).port}`;
  };
  afterEach(async () => {
    for (const s of simulations.splice(0)) await s.stop();
    await broker.close();
  });

  it("log in as Fleet itself, so they need no robot credentials (what 'npm start -- --simulate' does)", async () => {
    await start(false);
    const fleet = await Recorder.start(url, '', { username: INTERNAL_USER, password: SECRET });
    try {
      simulations.push(await startSimulation({ url, robots: 2, rate: 20, username: INTERNAL_USER, password: SECRET }));
      await fleet.until((r) => r.of('tonypi/servos/tonypi_02').length >= 2);
      expect(broker.connectedClients).toBe(3);
    } finally {
      await fleet.close();
    }
  });

  it('are refused without credentials, and the error says which robot, which broker and why', async () => {
    await start(false);
    await expect(startSimulation({ url, robots: 1 })).rejects.toThrow(
      new RegExp(`^simulated robot tonypi_01 cannot connect to ${url}: Connection refused: Not authorized`),
    );
    expect(broker.connectedClients).toBe(0);
  });

  it('the command line explains how robots get in when the broker refuses them', async () => {
    await start(false);
    const dir = await tempDir('fleet-simulate-credentials');
    try {
      const run = async (args: string[]) => {
        let err = '';
        const code = await runCli(['simulate', '--url', url, '--duration', '1', ...args], {
          env: {},
          out: () => undefined,
          err: (t) => (err += t),
        });
        return { code, err };
      };
      const refused = await run([]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(
        /simulated robot tonypi_0\d cannot connect to mqtt:\/\/127\.0\.0\.1:\d+: .*Not authorized/,
      );
      expect(refused.err).toContain('--credentials <file>, or start Fleet with MQTT_ALLOW_ANONYMOUS=true');

      const file = join(dir.path, 'secrets.txt');
      await writeFile(file, '# robot secret\ntonypi_01 s3cret\n');
      expect(await run(['--robots', '2', '--credentials', file])).toEqual({
        code: 64,
        err: expect.stringContaining('--credentials: no secret for tonypi_02') as unknown,
      });
      expect((await run(['--credentials', join(dir.path, 'missing.json')])).err).toContain('cannot read');
    } finally {
      await dir.remove();
    }
  });

  it('connect like the stock client, without credentials, when anonymous robots are allowed', async () => {
    await start(true);
    const fleet = await Recorder.start(url, '', { username: INTERNAL_USER, password: SECRET });
    try {
      simulations.push(await startSimulation({ url, robots: 1, rate: 20 }));
      await fleet.until((r) => r.of('tonypi/servos/tonypi_01').length >= 2);
      expect(fleet.of('tonypi/battery', 'tonypi_01')).toHaveLength(1);
    } finally {
      await fleet.close();
    }
  });
});

/** `npm start -- --simulate 2`: the all-in-one process with robots of its own, on embedded servers only. */
describe('fleet --simulate', () => {
  let main: string;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fleet: FleetProcess | undefined;

  beforeAll(() => {
    main = builtApp('fleet');
  }, 180_000);
  beforeEach(async () => {
    dir = await tempDir('fleet-simulate');
  });
  afterEach(async () => {
    if (fleet && fleet.child.exitCode === null && fleet.child.signalCode === null) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    fleet = undefined;
    await dir.remove();
  });

  const env = () => ({ FLEET_DATA_DIR: dir.path, HOST: '127.0.0.1', PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0' });

  it('starts simulated robots whose data ingest takes at once, and stops them first on Ctrl-C', async () => {
    fleet = runProcess(main, env(), ['--simulate', '2']);
    const registered = (robotId: string) =>
      fleet?.waitForLog((l) => l.msg === 'robot registered on its first message' && l.robotId === robotId);
    await Promise.all([registered('tonypi_01'), registered('tonypi_02')]);
    expect(fleet.logs.find((l) => l.msg === 'simulated robots publishing')).toMatchObject({ robots: 2 });
    expect(fleet.logs.filter((l) => l.msg === 'messages rejected (kept as dead letters)')).toEqual([]);

    fleet.child.kill('SIGINT');
    expect(await fleet.exited).toEqual({ code: 0, signal: null });
    const messages = fleet.logs.map((l) => l.msg);
    expect(messages).toContain('stopped');
    expect(messages.filter((m) => m === 'simulated robot: MQTT error')).toEqual([]);
  }, 120_000);

  it('refuses a bad --simulate before starting anything', async () => {
    fleet = runProcess(main, env(), ['--simulate', 'many']);
    expect(await fleet.exited).toEqual({ code: 64, signal: null });
    expect(fleet.stderr()).toContain("--simulate: expected a number of robots from 1 to 1000, got 'many'");
  });
});
