import type { Type } from '@nestjs/common';
import { AlertingModule } from '@apps/alerting/src/alerting.module';
import { ApiModule } from '@apps/api/src/api.module';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { JobsModule } from '@apps/jobs/src/jobs.module';
import { ReportsModule } from '@apps/reports/src/reports.module';
import { freePort } from '@fleet/platform';
import { eventually } from '../support/eventually';
import { getJson, startApp, type HealthBody, type RunningApp } from '../support/app';
import { DatabaseFactory, embeddedTarget } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName, type ServerVariable } from '../support/servers';
import { MIGRATION_COUNT } from '../support/migrations';

type Dependency =
  | 'database'
  | 'mqtt'
  | 'mqtt_broker'
  | 'redis'
  | 'influxdb'
  | 'telemetry_store'
  | 'ingest'
  | 'alerting'
  | 'jobs'
  | 'commands'
  | 'report_worker'
  | 'report_scheduler'
  | 'rollups';

/** Each service with the dependencies its /health must report, as it boots alone in production. */
const SERVICES: { name: string; root: Type; uses: Dependency[] }[] = [
  {
    name: 'ingest',
    root: IngestModule,
    uses: ['database', 'mqtt', 'mqtt_broker', 'redis', 'influxdb', 'telemetry_store', 'ingest'],
  },
  { name: 'alerting', root: AlertingModule, uses: ['database', 'mqtt', 'mqtt_broker', 'redis', 'alerting'] },
  { name: 'jobs', root: JobsModule, uses: ['database', 'mqtt', 'mqtt_broker', 'redis', 'jobs', 'commands'] },
  {
    name: 'reports',
    root: ReportsModule,
    uses: [
      'database',
      'mqtt',
      'mqtt_broker',
      'redis',
      'influxdb',
      'telemetry_store',
      'report_worker',
      'report_scheduler',
      'rollups',
    ],
  },
  { name: 'api', root: ApiModule, uses: ['database', 'mqtt', 'mqtt_broker', 'redis', 'influxdb', 'telemetry_store'] },
];

interface Mode {
  name: string;
  databaseUrl: string | undefined;
  env: () => Record<string, string>;
  /** Dependencies this mode has: embedded servers, or the real ones. */
  has: Dependency[];
}

const SERVER_VARIABLES: ServerVariable[] = ['DATABASE_URL', 'MQTT_URL', 'REDIS_URL', 'INFLUX_URL'];
const modes: Mode[] = [
  {
    name: 'embedded defaults',
    databaseUrl: undefined,
    env: () => ({}),
    has: [
      'database',
      'mqtt',
      'mqtt_broker',
      'telemetry_store',
      'ingest',
      'alerting',
      'jobs',
      'commands',
      'report_worker',
      'report_scheduler',
      'rollups',
    ],
  },
];
const missing = SERVER_VARIABLES.filter((v) => !serverUrl(v));
if (missing.length === 0) {
  modes.push({
    name: 'real servers',
    databaseUrl: serverUrl('DATABASE_URL'),
    env: () => ({
      MQTT_URL: serverUrl('MQTT_URL') ?? '',
      MQTT_TOPIC_PREFIX: uniqueName('test'),
      REDIS_URL: serverUrl('REDIS_URL') ?? '',
      REDIS_KEY_PREFIX: `${uniqueName('test')}:`,
      TELEMETRY_STORE: 'influxdb',
      INFLUX_URL: serverUrl('INFLUX_URL') ?? '',
    }),
    has: [
      'database',
      'mqtt',
      'redis',
      'influxdb',
      'ingest',
      'alerting',
      'jobs',
      'commands',
      'report_worker',
      'report_scheduler',
      'rollups',
    ],
  });
} else {
  for (const variable of missing) reportMissingServer(variable, 'services on real servers');
}

describe.each(modes)('each service boots alone on $name', (mode) => {
  let databases: DatabaseFactory;
  let running: RunningApp | undefined;

  beforeAll(() => {
    databases = new DatabaseFactory(
      mode.databaseUrl ? { name: 'postgres', adminUrl: mode.databaseUrl } : embeddedTarget(),
    );
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  afterAll(async () => {
    await databases.dispose();
  });

  it.each(SERVICES)('$name answers /health/ready with each of its dependencies up', async ({ name, root, uses }) => {
    const { url } = await databases.create({ migrated: false });
    running = await startApp(root, name, { DATABASE_URL: url, ...mode.env() });

    // External servers (broker, InfluxDB) are connected and prepared in the background: wait until ready.
    const health = await eventually(async () => {
      const answer = await getJson<HealthBody>(`${running?.url}/health/ready`);
      expect(answer.body.error).toEqual({});
      return answer;
    });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const expected = uses.filter((d) => mode.has.includes(d)).sort();
    expect(Object.keys(health.body.info).sort()).toEqual(expected);
    expect(Object.values(health.body.info).every((d) => d.status === 'up')).toBe(true);
    // It migrated its database on start.
    expect(running.logs.lines().some((l) => l.msg === `applied ${MIGRATION_COUNT} migration(s)`)).toBe(true);

    const live = await getJson(`${running.url}/health/live`);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});

describe('operations endpoints', () => {
  const databases = new DatabaseFactory(embeddedTarget());
  let running: RunningApp | undefined;

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  afterAll(async () => {
    await databases.dispose();
  });

  it('serves Prometheus metrics with process figures, labelled with the service', async () => {
    running = await startApp(ReportsModule, 'reports', { DATABASE_URL: (await databases.create()).url });
    await fetch(`${running.url}/health/ready`);
    const response = await fetch(`${running.url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/^process_cpu_seconds_total\{service="reports"\} \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="reports"\} \d/m);
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{service="reports",method="GET",route="\/health\/ready",status_code="200"\} 1$/m,
    );
  });

  it('serves only the metrics asked for by name, and says which name it does not know', async () => {
    running = await startApp(ReportsModule, 'reports', { DATABASE_URL: (await databases.create()).url });
    const response = await fetch(
      `${running.url}/metrics?name=process_cpu_seconds_total&name=process_resident_memory_bytes`,
    );
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.match(/^\w+(?=\{)/gm)).toEqual(['process_cpu_seconds_total', 'process_resident_memory_bytes']);
    const unknown = await fetch(`${running.url}/metrics?name=process_cpu_seconds_total&name=no_such_metric`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("no metric named 'no_such_metric'");
  });

  it('tags each request with an id, keeps a sane caller id, and logs it', async () => {
    running = await startApp(ReportsModule, 'reports', { DATABASE_URL: (await databases.create()).url });
    const given = await fetch(`${running.url}/health/live`, { headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    const hostile = await fetch(`${running.url}/health/live`, { headers: { 'x-request-id': 'bad id "&& rm"' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(running.logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'request', requestId: 'trace-42', url: '/health/live', status: 200 }),
    );
  });

  it('answers 503 naming the dependency that is down, and keeps serving', async () => {
    const closed = await freePort();
    running = await startApp(JobsModule, 'jobs', {
      DATABASE_URL: (await databases.create()).url,
      REDIS_URL: `redis://127.0.0.1:${closed}`,
    });
    const health = await getJson<HealthBody>(`${running.url}/health/ready`);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('error');
    expect(Object.keys(health.body.error)).toEqual(['redis']);
    expect(health.body.error.redis?.message).toMatch(/ECONNREFUSED|max retries|closed/i);
    expect(health.body.info.database?.status).toBe('up');
    expect((await getJson(`${running.url}/health/live`)).status).toBe(200);
  });

  it('reports MQTT down while the broker at MQTT_URL cannot be reached', async () => {
    const closed = await freePort();
    running = await startApp(AlertingModule, 'alerting', {
      DATABASE_URL: (await databases.create()).url,
      MQTT_URL: `mqtt://127.0.0.1:${closed}`,
    });
    const health = await getJson<HealthBody>(`${running.url}/health/ready`);
    expect(health.status).toBe(503);
    expect(health.body.error.mqtt?.message).toMatch(new RegExp(`not connected to mqtt://127\\.0\\.0\\.1:${closed}`));
  });
});
