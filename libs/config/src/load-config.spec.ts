import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the all-in-one mode when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(config.database.url).toBeUndefined();
    expect(config.mqtt.url).toBeUndefined();
    expect(config.mqtt.broker).toEqual({ host: '0.0.0.0', port: 1883, wsPort: 9001, allowAnonymous: false });
    expect(config.ingest).toMatchObject({
      bufferDir: resolve('./data/ingest'),
      maxMessageBytes: 262_144,
      autoRegister: true,
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.telemetry.store).toBe('postgres');
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.database.migrateOnStart).toBe(true);
  });

  it('switches each part to a real server when its URL is set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://fleet@db:5432/fleet',
      MQTT_URL: 'mqtt://broker:1883',
      REDIS_URL: 'redis://cache:6379',
      TELEMETRY_STORE: 'influxdb',
      INFLUX_URL: 'http://influx:8086',
    });
    expect(config.database.url).toBe('postgres://fleet@db:5432/fleet');
    expect(config.mqtt.url).toBe('mqtt://broker:1883');
    expect(config.redis.url).toBe('redis://cache:6379');
    expect(config.telemetry).toMatchObject({ store: 'influxdb', influx: { url: 'http://influx:8086' } });
  });

  it('reads the API settings: proxies to trust, CORS origins, webhook hosts allowed inside the network', () => {
    expect(loadConfig({}).api).toMatchObject({ trustProxy: false, corsOrigins: [], docs: true });
    expect(loadConfig({ TRUST_PROXY: 'true' }).api.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).api.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ CORS_ORIGINS: 'http://a:3001, http://b' }).api.corsOrigins).toEqual([
      'http://a:3001',
      'http://b',
    ]);
    expect(loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: 'Hooks.Internal' }).alerting.webhookAllowedHosts).toEqual([
      'hooks.internal',
    ]);
    expect(problemsOf({ JWT_SECRET: 'short' })).toEqual(['JWT_SECRET']);
    expect(problemsOf({ FLEET_ADMIN_PASSWORD: 'short' })).toEqual(['FLEET_ADMIN_PASSWORD']);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' })).toMatchObject({
      http: { port: 3000 },
      database: { url: undefined },
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MQTT_PORT: '-1' }, 'MQTT_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_MIGRATE_ON_START: 'maybe' }, 'DATABASE_MIGRATE_ON_START'],
    [{ TELEMETRY_STORE: 'mongodb' }, 'TELEMETRY_STORE'],
    [{ TELEMETRY_STORE: 'influxdb' }, 'INFLUX_URL'],
    [{ INFLUX_RETENTION: 'a week' }, 'INFLUX_RETENTION'],
    [{ MQTT_TOPIC_PREFIX: 'bad/+/prefix' }, 'MQTT_TOPIC_PREFIX'],
    [{ MQTT_PORT: '1883', MQTT_WS_PORT: '1883' }, 'MQTT_WS_PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('names the variable to fix: %j', (env, variable) => {
    expect(problemsOf(env)).toEqual([variable]);
  });

  it('reports every bad variable at once, in a message an operator can act on', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'x', REDIS_URL: 'http://cache' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('PORT: expected a whole number from 0 to 65535');
    expect(message).toContain('REDIS_URL: expected a redis, rediss URL, got a http URL');
  });

  it('never echoes a credential from a malformed URL', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'postgres://u:s3cret@[bad' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('s3cret');
  });

  it('accepts the usual spellings of booleans', () => {
    expect(loadConfig({ DATABASE_MIGRATE_ON_START: 'no' }).database.migrateOnStart).toBe(false);
    expect(loadConfig({ DATABASE_MIGRATE_ON_START: 'TRUE' }).database.migrateOnStart).toBe(true);
  });
});

describe('ROBOT_TIMEZONE', () => {
  it('takes UTC, an offset or an IANA zone, and names the variable when it is none of them', () => {
    expect(loadConfig({ ROBOT_TIMEZONE: '+08:00' }).robots.timezone).toBe('+08:00');
    expect(loadConfig({ ROBOT_TIMEZONE: 'Asia/Kuala_Lumpur' }).robots.timezone).toBe('Asia/Kuala_Lumpur');
    expect(() => loadConfig({ ROBOT_TIMEZONE: 'Mars/Olympus' })).toThrow(/ROBOT_TIMEZONE/);
  });
});
