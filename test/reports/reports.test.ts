import { execFileSync } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { reportDocumentSchema } from '@fleet/contracts';
import { ManualClock } from '@fleet/platform';
import { ADMIN_PASSWORD } from '../support/api';
import { eventually } from '../support/eventually';
import { HOT, HOUR, MINUTE, REPORT_FLEET, seedReportFleet, SILENT } from '../support/report-fleet';
import { REPORTS_TARGETS, startReportsStack, type ReportsStack } from '../support/reports-stack';
import { reportMissingServer, serverUrl } from '../support/servers';

/** Whole hour three hours back: the fleet's three hours of data end an hour before now. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
const PERIOD = { from: new Date(T0).toISOString(), to: new Date(T0 + 3 * HOUR).toISOString() };

function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], {
    input: pdf,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

for (const target of REPORTS_TARGETS) {
  const missing = target.needs.filter((v) => !serverUrl(v));
  if (missing.length > 0) {
    reportMissingServer(missing[0], `reports on ${target.name}`);
    continue;
  }

  describe(`reports of a fleet with known values, on ${target.name}`, () => {
    let stack: ReportsStack;
    let operator: string;
    let viewer: string;

    beforeAll(async () => {
      stack = await startReportsStack(target, {
        clock: new ManualClock(new Date(Math.floor(Date.now() / MINUTE) * MINUTE)),
      });
      [operator, viewer] = await Promise.all([stack.tokenFor('operator'), stack.tokenFor('viewer')]);
      await seedReportFleet(stack.db, stack.store, T0);
      // Late points (all of these are) are rolled again: wait until the tiers have caught up with them.
      await eventually(async () => {
        await stack.rollups.run();
        const marks = await stack.db.selectFrom('telemetry_rollup_marks').select('tier').execute();
        if (marks.length > 0) throw new Error(`${marks.length} rollup marks left`);
      }, 60_000);
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
    });

    async function generate(body: Record<string, unknown>) {
      const queued = await stack.call('POST', '/api/v1/reports', { token: operator, body: { ...PERIOD, ...body } });
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ status: 'queued', report_type: body.type });
      return eventually(async () => {
        const report = await stack.call('GET', `/api/v1/reports/${queued.body.id}`, { token: viewer });
        expect(report.body.status).toBe('done');
        return report.body;
      }, 60_000);
    }

    it('a maintenance report finds the hot servo, with the time past its warning exactly', async () => {
      const report = await generate({ type: 'maintenance', formats: ['pdf', 'json', 'csv'] });
      const doc = reportDocumentSchema.parse(report.data);
      if (doc.type !== 'maintenance') throw new Error('not a maintenance report');
      expect(doc.coverage).toMatchObject({
        scope: 'fleet',
        robots: [...REPORT_FLEET],
        with_data: [...REPORT_FLEET],
        without_data: [],
        resolution: '1m',
      });
      const hot = doc.sections.servos.find((s) => s.robot_id === HOT.robot && s.servo === `servo_${HOT.servo}`);
      expect(hot?.temperature).toMatchObject({
        max: HOT.celsius,
        past_warning_s: HOT.minutes * 60,
        past_critical_s: 0,
        minutes: 180,
        samples: 180,
        threshold: { warning: 60, critical: 75, direction: 'above' },
      });
      expect(hot?.temperature?.mean).toBeCloseTo((HOT.celsius * 130 + 45 * 50) / 180, 3);
      const others = doc.sections.servos.filter((s) => s !== hot);
      expect(others).toHaveLength(5);
      for (const s of others) expect(s.temperature).toMatchObject({ mean: 45, max: 45, past_warning_s: 0 });
      expect(doc.sections.servos.find((s) => s.robot_id === SILENT.robot)?.temperature?.minutes).toBe(
        180 - SILENT.missing,
      );
      expect(doc.sections.attention).toEqual([
        expect.objectContaining({ rank: 1, robot_id: HOT.robot, servo: 'servo_3', urgency: 'warning' }),
      ]);
      expect(doc.findings.map((f) => f.text)).toEqual([
        'servo_3 on tonypi_02 spent 2 h 10 min above 60 °C (warning), while most servos never did',
      ]);

      const pdf = await stack.fetch(`/api/v1/reports/${report.id}.pdf`, viewer);
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await pdf.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdfText(bytes).replace(/\s+/g, ' ')).toContain('servo_3 on tonypi_02 spent 2 h 10 min above 60 °C');
      // A file missing here (another host's volume, retention) is made again from the document: the same bytes.
      await rm(join(stack.app.config.reports.dir, `report-${report.id}.pdf`));
      const again = await stack.fetch(`/api/v1/reports/${report.id}.pdf`, viewer);
      expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);

      const csv = await stack.fetch(`/api/v1/reports/${report.id}.csv`, viewer);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(await csv.text()).toContain('tonypi_02');
      const json = await stack.fetch(`/api/v1/reports/${report.id}.json`, viewer);
      expect(await json.json()).toEqual(report.data);
    });

    it('a system report counts the silent robot’s incident and availability exactly', async () => {
      const report = await generate({ type: 'system' });
      const doc = reportDocumentSchema.parse(report.data);
      if (doc.type !== 'system') throw new Error('not a system report');
      expect(doc.sections.incidents).toEqual([
        {
          robot_id: SILENT.robot,
          start: new Date(T0 + (SILENT.from - 0.75) * MINUTE).toISOString(),
          end: new Date(T0 + (SILENT.from - 0.75) * MINUTE + SILENT.seconds * 1000).toISOString(),
          duration_s: SILENT.seconds,
          cause: 'timeout',
        },
      ]);
      const silent = doc.sections.availability.find((a) => a.robot_id === SILENT.robot);
      expect(silent).toEqual({
        robot_id: SILENT.robot,
        online_s: 3 * 3_600 - SILENT.seconds,
        offline_s: SILENT.seconds,
        unknown_s: 0,
        availability_percent: 94.44,
        incidents: 1,
      });
      expect(
        doc.sections.availability.filter((a) => a.robot_id !== SILENT.robot).map((a) => a.availability_percent),
      ).toEqual([100, 100]);
      expect(doc.findings.map((f) => f.text)).toContain(
        'tonypi_03 was offline 1 time for 10 min in all (availability 94.44%); the longest lasted 10 min',
      );
    });

    it('a job report finds the failed job with its reason, and a performance report the steady fleet', async () => {
      const jobs = reportDocumentSchema.parse((await generate({ type: 'job' })).data);
      if (jobs.type !== 'job') throw new Error('not a job report');
      expect(jobs.sections.totals).toMatchObject({
        started: 3,
        completed: 2,
        failed: 1,
        items_processed: 24,
        success_rate_percent: 66.7,
        duration_median_s: 1_200,
      });
      expect(jobs.sections.failures).toEqual([
        expect.objectContaining({ robot_id: 'tonypi_01', task: 'inventory_scan', reason: 'gripper jammed' }),
      ]);
      expect(jobs.findings.map((f) => f.text)).toEqual([
        '66.7% of finished jobs completed: 1 failed job and 0 cancelled jobs among 3 finished',
        'tonypi_01 failed 1 of 2 finished jobs (success rate 50%); last reason: gripper jammed',
      ]);
      expect(jobs.coverage.without_data).toEqual(['tonypi_03']);

      const perf = reportDocumentSchema.parse(
        (await generate({ type: 'performance', robot_ids: ['tonypi_01', 'tonypi_03'] })).data,
      );
      if (perf.type !== 'performance') throw new Error('not a performance report');
      expect(perf.coverage).toMatchObject({ scope: 'robots', robots: ['tonypi_01', 'tonypi_03'] });
      expect(perf.sections.robots.map((r) => [r.robot_id, r.metrics.cpu?.mean, r.metrics.cpu?.samples])).toEqual([
        ['tonypi_01', 30, 180],
        ['tonypi_03', 30, 180 - SILENT.missing],
      ]);
      expect(perf.sections.robots[0].metrics.temperature).toMatchObject({ mean: 50, p95: 50, past_warning_s: 0 });
      expect(perf.findings).toEqual([]);
    });

    it('the TonyPi routes list, generate, answer and export reports in TonyPi’s shapes', async () => {
      const generated = await stack.call(
        'POST',
        '/tonypi/api/v1/reports/generate?report_type=performance&time_range=24h&robot_id=tonypi_01',
        {
          token: operator,
        },
      );
      expect(generated.status).toBe(200);
      expect(generated.body).toMatchObject({
        report_type: 'performance',
        robot_id: 'tonypi_01',
        data: { avg_cpu_percent: 30, avg_memory_percent: 40, avg_temperature: 50, data_points: 180, period: '24h' },
      });
      const listed = await stack.call('GET', '/tonypi/api/v1/reports?robot_id=tonypi_01', { token: viewer });
      expect(listed.body.map((r: { id: number }) => r.id)).toContain(generated.body.id);
      const pdf = await stack.fetch(`/tonypi/api/v1/reports/${generated.body.id}/pdf?include_ai=true`, viewer);
      expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; filename=report_\d+_\d{8}_\d{6}\.pdf$/);
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
      const missing = await stack.call('GET', '/tonypi/api/v1/reports/999999', { token: viewer });
      expect([missing.status, missing.body.detail]).toEqual([404, 'Report 999999 not found']);
      const exported = await stack.call('GET', '/tonypi/api/v1/reports/export/json?robot_id=tonypi_02&time_range=24h', {
        token: viewer,
      });
      expect(exported.headers.get('content-type')).toBe('application/json');
      expect(exported.body).toHaveLength(180);
      expect(exported.body[0]).toMatchObject({ robot_id: 'tonypi_02', system_cpu_percent: 30 });
    });

    it('pushes each report change on the reports live channel', async () => {
      const socket = new WebSocket(`${stack.app.url.replace('http', 'ws')}/api/v1/ws`);
      const updates: { channel: string; kind: string; data: { id: number } }[] = [];
      socket.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString());
        if (message.type === 'update') updates.push(message);
      });
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'auth', token: viewer }));
      socket.send(JSON.stringify({ type: 'subscribe', robots: '*', channels: ['reports'] }));
      await eventually(() => expect(socket.readyState).toBe(WebSocket.OPEN));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const report = await generate({ type: 'mission' });
      const kinds = await eventually(() => {
        const mine = updates.filter((u) => u.channel === 'reports' && u.data.id === report.id).map((u) => u.kind);
        expect(mine).toContain('done');
        return mine;
      }, 20_000);
      expect(kinds[0]).toBe('queued');
      socket.close();
    });

    it('removes files past retention and makes them again on download', async () => {
      const report = await generate({ type: 'system', formats: ['pdf'] });
      const file = join(stack.app.config.reports.dir, `report-${report.id}.pdf`);
      await expect(stat(file)).resolves.toBeTruthy();
      stack.clock?.advance(stack.app.config.reports.fileRetentionMs + 60 * MINUTE);
      await eventually(async () => {
        await stack.rollups.run();
        await expect(stat(file)).rejects.toThrow(/ENOENT/);
      }, 30_000);
      const row = await stack.db
        .selectFrom('reports')
        .select('files')
        .where('id', '=', report.id)
        .executeTakeFirstOrThrow();
      expect(row.files).toEqual({});
      // Tokens are dated by the same clock: sign in again, months later.
      const login = await stack.call('POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const again = await stack.fetch(`/api/v1/reports/${report.id}.pdf`, login.body.access_token);
      expect([
        again.status,
        Buffer.from(await again.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ]).toEqual([200, '%PDF-']);
    });
  });
}
