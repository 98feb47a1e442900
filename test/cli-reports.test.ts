import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import { PostgresTelemetryStore } from '@fleet/telemetry';
import { describeEachDatabase } from './support/database';
import { HOUR, seedReportFleet } from './support/report-fleet';
import { tempDir } from './support/temp-dir';

async function fleet(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { env, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const T0 = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;

describeEachDatabase('fleet reports (command line)', (factory) => {
  let env: Record<string, string>;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    const database = await factory().create();
    const store = new PostgresTelemetryStore(database.db, { rawRetentionDays: 7 });
    await store.prepare();
    await seedReportFleet(database.db, store, T0);
    dir = await tempDir('fleet-cli-reports');
    env = { DATABASE_URL: database.url, FLEET_DATA_DIR: dir.path, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('generate makes the report here, stores it, writes its file and tells how it goes', async () => {
    const out = join(dir.path, 'r.pdf');
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 3 * HOUR).toISOString();
    const result = await fleet(
      [
        'reports',
        'generate',
        '--type',
        'maintenance',
        '--robot',
        'tonypi_02',
        '--from',
        from,
        '--to',
        to,
        '--out',
        out,
      ],
      env,
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.err).toMatch(/building the maintenance report/);
    expect(result.err).toMatch(/maintenance: servos/);
    expect(result.out).toMatch(
      /report \d+: Servo maintenance report: tonypi_02\n {2}1 finding\(s\), 1 of 1 robot\(s\) with data/,
    );
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('%PDF-');

    const csv = join(dir.path, 'r.csv');
    const again = await fleet(
      ['reports', 'generate', '--type', 'job', '--period', '7d', '--format', 'csv', '--out', csv],
      env,
    );
    expect(again.code).toBe(0);
    expect(await readFile(csv, 'utf8')).toContain('gripper jammed');
  });

  it('generate refuses an unknown robot and a half-given period, naming them', async () => {
    const unknown = await fleet(['reports', 'generate', '--type', 'battery', '--robot', 'ghost_robot'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/not registered \(or deactivated\): ghost_robot/);
    const half = await fleet(['reports', 'generate', '--type', 'battery', '--from', '2026-01-01T00:00:00Z'], env);
    expect(half.code).toBe(64);
    expect(half.err).toMatch(/give both --from and --to/);
    const type = await fleet(['reports', 'generate', '--type', 'weather'], env);
    expect(type.code).toBe(64);
    expect(type.err).toMatch(/Allowed choices are performance, job, maintenance, battery, system, mission/);
  });

  it('schedules are added, listed, changed, disabled and removed; errors name the option', async () => {
    const secret = join(dir.path, 'secret');
    await writeFile(secret, 'a-webhook-secret-long-enough\n');
    const add = await fleet(
      [
        'reports',
        'schedules',
        'add',
        '--name',
        'nightly',
        '--type',
        'system',
        '--period',
        'day',
        '--cron',
        '30 2 * * *',
        '--robots',
        'tonypi_01,tonypi_02',
        '--timezone',
        'Asia/Kolkata',
      ],
      env,
    );
    expect(add).toMatchObject({ code: 0 });
    expect(add.out).toMatch(/added report schedule nightly: next run 20\d\d-\d\d-\d\dT21:00:00.000Z/);
    const list = await fleet(['reports', 'schedules', 'list'], env);
    expect(list.out).toMatch(
      /nightly\s+system\s+tonypi_01,tonypi_02\s+day\s+30 2 \* \* \*\s+Asia\/Kolkata\s+pdf,json\s+enabled/,
    );
    const bad = await fleet(['reports', 'schedules', 'update', 'nightly', '--cron', '99 * * * *'], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/cron/);
    const badFormat = await fleet(['reports', 'schedules', 'update', 'nightly', '--formats', 'pdf,docx'], env);
    expect(badFormat.err).toMatch(/--formats/);
    const disabled = await fleet(['reports', 'schedules', 'disable', 'nightly'], env);
    expect(disabled.out).toContain('updated report schedule nightly: disabled\n');
    const fleetWide = await fleet(
      ['reports', 'schedules', 'update', 'nightly', '--fleet', '--webhook-secret-file', secret],
      env,
    );
    expect(fleetWide.code).toBe(0);
    expect((await fleet(['reports', 'schedules', 'list'], env)).out).toMatch(/nightly\s+system\s+fleet\s+day/);
    expect((await fleet(['reports', 'schedules', 'remove', 'nightly'], env)).out).toContain(
      'removed report schedule nightly',
    );
    expect((await fleet(['reports', 'schedules', 'remove', 'nightly'], env)).err).toContain(
      "no report schedule is named 'nightly'",
    );
  });
});
