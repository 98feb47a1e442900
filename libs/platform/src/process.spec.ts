import { spawnSync } from 'node:child_process';
import { freePort, isProcessAlive, PortInUseError } from './process';

describe('process helpers', () => {
  it('tells a live process from a finished one', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.pid, 'node')).toBe(true);
    expect(isProcessAlive(spawnSync(process.execPath, ['-e', '0']).pid)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(Number.NaN)).toBe(false);
  });

  it('guards against a pid reused by another program', () => {
    if (process.platform !== 'linux') return;
    expect(isProcessAlive(process.pid, 'no-such-program-name')).toBe(false);
  });

  it('finds a free port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });

  it('names the variable to change', () => {
    expect(new PortInUseError('MQTT_PORT', 1883, ', or set MQTT_URL').message).toBe(
      'Port 1883 is already in use: set MQTT_PORT to a free port, or set MQTT_URL.',
    );
  });
});
