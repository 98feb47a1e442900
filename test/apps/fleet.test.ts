import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { FleetModule } from '@apps/fleet/src/fleet.module';
import { DATABASE, RobotCredentialRepository, RobotRepository } from '@fleet/database';
import { EMBEDDED_BROKER, hashRobotSecret, newRobotSecret, type EmbeddedBroker } from '@fleet/messaging';
import { PortInUseError } from '@fleet/platform';
import { getJson, startApp, type HealthBody, type RunningApp } from '../support/app';
import { robotClient } from '../support/mqtt';
import { tempDir } from '../support/temp-dir';

/** The all-in-one process with nothing configured: embedded PostgreSQL, embedded broker, one HTTP server. */
describe('all-in-one fleet', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: RunningApp | undefined;

  beforeEach(async () => {
    dir = await tempDir('fleet-all-in-one');
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await dir.remove();
  });

  const start = () => startApp(FleetModule, 'fleet', { FLEET_DATA_DIR: dir.path });

  it('starts every service on embedded servers, keeps its data on disk, and reuses it on the next start', async () => {
    running = await start();
    const health = await getJson<HealthBody>(`${running.url}/health/ready`);
    expect(health.status).toBe(200);
    expect(health.body.info).toMatchObject({
      database: { status: 'up', mode: 'embedded' },
      mqtt: { status: 'up', mode: 'embedded' },
      mqtt_broker: { status: 'up' },
    });
    expect(existsSync(join(dir.path, 'postgres', 'PG_VERSION'))).toBe(true);

    // Robots reach the broker over TCP and WebSocket with the credentials Fleet issued them, and only with those.
    const broker = running.app.get<EmbeddedBroker>(EMBEDDED_BROKER);
    await running.app.get(RobotRepository).create('tonypi_02');
    const password = newRobotSecret();
    await new RobotCredentialRepository(running.app.get(DATABASE)).issue('tonypi_02', hashRobotSecret(password), {
      actor: 'test',
    });
    const credentials = { username: 'tonypi_02', password };
    // A robot logs in under its own id, over TCP or WebSocket.
    const tcp = await robotClient(`mqtt://127.0.0.1:${broker.port}`, 'tonypi_02', credentials);
    expect(tcp.connected).toBe(true);
    await tcp.endAsync();
    const ws = await robotClient(`ws://127.0.0.1:${broker.wsPort}`, 'tonypi_02', credentials);
    expect(ws.connected).toBe(true);
    await ws.endAsync();
    await expect(robotClient(`mqtt://127.0.0.1:${broker.port}`, 'tonypi_01')).rejects.toThrow(/Not authorized/);

    await running.app.get(RobotRepository).create('tonypi_01', { name: 'kept across restarts' });
    await running.close();
    running = undefined;
    expect(existsSync(join(dir.path, 'postgres', 'postmaster.pid'))).toBe(false);

    running = await start();
    expect(running.logs.lines().some((l) => String(l.msg).startsWith('applied '))).toBe(false);
    expect(await running.app.get(RobotRepository).get('tonypi_01')).toMatchObject({ name: 'kept across restarts' });
    expect((await getJson(`${running.url}/health/ready`)).status).toBe(200);
  });

  it('names the variable to change when a port is taken, and leaves nothing running', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = String((blocker.address() as { port: number }).port);
    try {
      await expect(startApp(FleetModule, 'fleet', { FLEET_DATA_DIR: dir.path, MQTT_PORT: taken })).rejects.toThrow(
        `Port ${taken} is already in use: set MQTT_PORT`,
      );
      const http = startApp(FleetModule, 'fleet', { FLEET_DATA_DIR: dir.path, PORT: taken });
      await expect(http).rejects.toThrow(PortInUseError);
      await expect(startApp(FleetModule, 'fleet', { FLEET_DATA_DIR: dir.path, PORT: taken })).rejects.toThrow(
        `Port ${taken} is already in use: set PORT`,
      );
    } finally {
      blocker.close();
    }
    // The embedded PostgreSQL started for the failed attempts was stopped with them.
    expect(existsSync(join(dir.path, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
