import { RedisConnection } from '@fleet/messaging';
import { captureLogs } from '../support/logs';
import { describeWithServer, uniqueName } from '../support/servers';

describeWithServer('REDIS_URL', 'Redis connection', (url) => {
  const connections: RedisConnection[] = [];
  const connect = (target = url, prefix = `${uniqueName('fleet_test')}:`) => {
    const c = new RedisConnection(target, prefix, captureLogs().logger);
    connections.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of connections.splice(0)) {
      const keys = await c.client.keys(`${c.keyPrefix}*`).catch(() => []);
      if (keys.length > 0) await c.client.del(...keys);
      await c.close();
    }
  });

  it('answers PING and keeps every key under its prefix', async () => {
    const redis = connect();
    await expect(redis.ping()).resolves.toBeUndefined();
    await redis.client.set(redis.key('robot:tonypi_01'), 'online');
    expect(await redis.client.get(`${redis.keyPrefix}robot:tonypi_01`)).toBe('online');

    const neighbour = connect();
    expect(await neighbour.client.get(neighbour.key('robot:tonypi_01'))).toBeNull();
  });

  it('reports a server that does not answer', async () => {
    const lost = connect('redis://127.0.0.1:1');
    await expect(lost.ping()).rejects.toThrow(/ECONNREFUSED|Reached the max retries|Connection is closed/);
  });
});
