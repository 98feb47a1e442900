// What the benchmark run left in the stores: its points counted, its scratch database and Redis keys removed.
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { FleetConfig } from '@fleet/config';
import { InfluxHttp } from '@fleet/telemetry';
import type { Expected } from './tonypi-mix';

/** Points per measurement in the run's InfluxDB database, each counted by a field all of them have. */
export async function countInflux(
  config: FleetConfig,
  database: string,
  expected: Expected,
): Promise<Map<string, number>> {
  const influx = new InfluxHttp({ ...config.telemetry.influx, url: config.telemetry.influx.url ?? '' });
  const measurements = [...expected.byMeasurement];
  const q = measurements.map(([m, { field }]) => `SELECT count("${field}") FROM "${m}"`).join('; ');
  const response = await influx.request(`/query?db=${encodeURIComponent(database)}&q=${encodeURIComponent(q)}`, {
    method: 'GET',
  });
  if (!response.ok) throw new Error(`InfluxDB answered HTTP ${response.status} to the count query`);
  const body = (await response.json()) as { results: { series?: { values: [unknown, number][] }[]; error?: string }[] };
  return new Map(
    measurements.map(([m], i) => {
      const result = body.results[i];
      if (result?.error) throw new Error(`InfluxDB count of ${m}: ${result.error}`);
      return [m, Number(result?.series?.[0]?.values[0]?.[1] ?? 0)];
    }),
  );
}

/** Points per measurement of the run's robots in the Postgres store. */
export async function countPostgres(url: string, ids: readonly string[]): Promise<Map<string, number>> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ measurement: string; n: number }>(
      'SELECT measurement, count(*)::int AS n FROM telemetry_points WHERE robot_id = ANY($1) GROUP BY measurement',
      [ids],
    );
    return new Map(rows.map((r) => [r.measurement, r.n]));
  } finally {
    await db.end();
  }
}

/** Runs `sql` on the server of `url` (its `postgres` database), for CREATE and DROP DATABASE. */
export async function onServer(url: string, sql: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const db = new Client({ connectionString: admin.toString() });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

/** Deletes what ingest kept in Redis (live state, event streams) under the run's key prefix. */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
