import { freePort } from '@fleet/platform';
import { InfluxHttp } from '@fleet/telemetry';
import { describeWithServer } from '../support/servers';

describeWithServer('INFLUX_URL', 'InfluxDB over its v1 HTTP API', (url) => {
  it('answers ping with its version', async () => {
    const influx = new InfluxHttp({ url });
    const { version } = await influx.ping();
    expect(version).toMatch(/^v?\d+\.\d+/);
  });

  it('names the server it cannot reach', async () => {
    const closed = await freePort();
    const influx = new InfluxHttp({ url: `http://127.0.0.1:${closed}`, timeoutMs: 1_000 });
    await expect(influx.ping()).rejects.toThrow(`cannot reach InfluxDB at http://127.0.0.1:${closed}: ECONNREFUSED`);
  });
});
