import type { Insertable } from 'kysely';
import type { DB } from '@fleet/database';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'jobs API');
} else {
  describe('the jobs API', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let viewer: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      viewer = await api.tokenFor('viewer');
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    const robotId = () =>
      uniqueName('bot')
        .replace(/[^A-Za-z0-9_.:-]/g, '_')
        .slice(0, 50);

    /** Each test keeps to a day of its own, so totals over the fleet see only its jobs. */
    let day = 0;
    function window() {
      day += 1;
      const start = Date.UTC(2020, 0, day);
      return {
        at: (minutes: number) => new Date(start + minutes * 60_000),
        from: new Date(start).toISOString(),
        to: new Date(start + 86_400_000).toISOString(),
      };
    }

    async function seed(job: Insertable<DB['jobs']>): Promise<number> {
      const row = await api.db
        .insertInto('jobs')
        .values({ created_at: job.start_time, ...job })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }

    const get = (path: string) => api.call('GET', path, { token: viewer });
    const ids = (body: { items: { id: number }[] }) => body.items.map((j) => j.id);

    it('a viewer reads one job with its task, progress, times and how it ended', async () => {
      const { at } = window();
      const robot = robotId();
      const id = await seed({
        robot_id: robot,
        status: 'failed',
        task_name: 'Sort red blocks',
        phase: 'sorting',
        start_time: at(0),
        end_time: at(2),
        items_total: 10,
        items_done: 4,
        percent_complete: 40,
        last_item: JSON.stringify({ color: 'red' }),
        duration_s: 121.5,
        end_reason: 'servo overheated',
        last_message_at: at(2),
      });

      const one = await get(`/api/v1/jobs/${id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual({
        id,
        robot_id: robot,
        task_name: 'Sort red blocks',
        phase: 'sorting',
        status: 'failed',
        start_time: at(0).toISOString(),
        end_time: at(2).toISOString(),
        items_total: 10,
        items_done: 4,
        percent_complete: 40,
        last_item: { color: 'red' },
        estimated_duration_s: null,
        duration_s: 121.5,
        end_reason: 'servo overheated',
        last_message_at: at(2).toISOString(),
        created_at: at(0).toISOString(),
        updated_at: null,
      });
      expect((await api.call('GET', `/api/v1/jobs/${id}`)).status).toBe(401);
    });

    it('an unknown job is a 404 that names it, and a job id that is not a number a 422', async () => {
      const unknown = await get('/api/v1/jobs/999999');
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe("job '999999' not found");
      const malformed = await get('/api/v1/jobs/abc');
      expect(malformed.status).toBe(422);
      expect(malformed.body.message).toContain('a job id is a whole number');
      expect((await get('/api/v1/jobs/0')).status).toBe(422);
    });

    it('job history pages newest first and filters by robot, status, task and start time', async () => {
      const { at, from, to } = window();
      const [alpha, bravo] = [robotId(), robotId()];
      const sortRed = await seed({ robot_id: alpha, status: 'completed', task_name: 'Sort red', start_time: at(0) });
      const sortBlue = await seed({ robot_id: alpha, status: 'failed', task_name: 'Sort blue', start_time: at(30) });
      const carry = await seed({ robot_id: bravo, status: 'cancelled', task_name: 'Carry box', start_time: at(20) });
      const running = await seed({ robot_id: bravo, status: 'active', task_name: 'sort green', start_time: at(50) });
      const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

      const first = await get(`/api/v1/jobs?${range}&limit=3`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total: 4, limit: 3, offset: 0 });
      expect(ids(first.body)).toEqual([running, sortBlue, carry]);
      const rest = await get(`/api/v1/jobs?${range}&limit=3&offset=3`);
      expect(ids(rest.body)).toEqual([sortRed]);

      expect(ids((await get(`/api/v1/jobs?robot_id=${bravo}`)).body)).toEqual([running, carry]);
      expect(ids((await get(`/api/v1/jobs?${range}&status=failed,cancelled`)).body)).toEqual([sortBlue, carry]);
      expect(ids((await get(`/api/v1/jobs?${range}&status=completed&status=FAILED`)).body)).toEqual([
        sortBlue,
        sortRed,
      ]);
      expect(ids((await get(`/api/v1/jobs?robot_id=${alpha}&status=completed`)).body)).toEqual([sortRed]);
      expect(ids((await get(`/api/v1/jobs?${range}&task=SORT`)).body)).toEqual([running, sortBlue, sortRed]);
      const middle = `from=${encodeURIComponent(at(20).toISOString())}&to=${encodeURIComponent(at(50).toISOString())}`;
      expect(ids((await get(`/api/v1/jobs?${middle}`)).body)).toEqual([sortBlue, carry]);
    });

    it('a job list with a filter that makes no sense is a 422 naming the filter', async () => {
      const unknownStatus = await get('/api/v1/jobs?status=completed,lost');
      expect(unknownStatus.status).toBe(422);
      expect(unknownStatus.body.details.map((d: { path: string }) => d.path)).toEqual(['status.1']);
      const backwards = await get('/api/v1/jobs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
      expect(backwards.status).toBe(422);
      expect(backwards.body.details).toEqual([{ path: 'to', message: "'from' must be before 'to'" }]);
      expect((await get('/api/v1/jobs?limit=501')).status).toBe(422);
      expect((await get('/api/v1/jobs/stats?from=yesterday')).status).toBe(422);
    });

    it("active jobs are the fleet's jobs in progress, newest first, or one robot's", async () => {
      const { at } = window();
      const [alpha, bravo] = [robotId(), robotId()];
      await seed({ robot_id: alpha, status: 'completed', start_time: at(0), end_time: at(5) });
      const alphaNow = await seed({ robot_id: alpha, status: 'active', start_time: at(10) });
      const bravoNow = await seed({ robot_id: bravo, status: 'active', start_time: at(20) });

      const active = await get('/api/v1/jobs/active?limit=500');
      expect(active.status).toBe(200);
      const mine = ids(active.body).filter((id) => id === alphaNow || id === bravoNow);
      expect(mine).toEqual([bravoNow, alphaNow]);
      expect(active.body.items.every((j: { status: string }) => j.status === 'active')).toBe(true);

      const alphaOnly = await get(`/api/v1/jobs/active?robot_id=${alpha}`);
      expect(alphaOnly.body).toMatchObject({ total: 1, items: [{ id: alphaNow, robot_id: alpha }] });
    });

    it('stats count done, failed and cancelled jobs, the success rate and average duration of finished ones', async () => {
      const { at, from, to } = window();
      const [alpha, bravo] = [robotId(), robotId()];
      await seed({ robot_id: alpha, status: 'completed', start_time: at(0), end_time: at(10), items_done: 10 });
      await seed({ robot_id: alpha, status: 'completed', start_time: at(10), end_time: at(15), items_done: 6 });
      await seed({
        robot_id: alpha,
        status: 'failed',
        start_time: at(20),
        end_time: at(40),
        duration_s: 900,
        items_done: 2,
      });
      await seed({ robot_id: bravo, status: 'cancelled', start_time: at(30), end_time: at(35), items_done: 1 });
      await seed({ robot_id: bravo, status: 'active', start_time: at(60), items_total: 8, items_done: 3 });
      const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

      const fleet = await get(`/api/v1/jobs/stats?${range}`);
      expect(fleet.status).toBe(200);
      expect(fleet.body).toEqual({
        robots: 2,
        total: 5,
        active: 1,
        completed: 2,
        failed: 1,
        cancelled: 1,
        superseded: 0,
        finished: 4,
        success_rate_percent: 50,
        // 600 s, 300 s, 900 s as the robot reported it, 300 s: the active job has no duration yet.
        average_duration_s: 525,
        total_duration_s: 2100,
        items_done: 22,
        items_total: 8,
      });

      const alphaStats = await get(`/api/v1/jobs/stats?robot_id=${alpha}`);
      expect(alphaStats.body).toMatchObject({
        robots: 1,
        total: 3,
        completed: 2,
        finished: 3,
        success_rate_percent: 66.67,
        average_duration_s: 600,
      });

      const none = await get(`/api/v1/jobs/stats?robot_id=${robotId()}`);
      expect(none.body).toMatchObject({ total: 0, success_rate_percent: null, average_duration_s: null });
    });

    it('stats per robot page through the robots with jobs in the range, by robot id', async () => {
      const { at, from, to } = window();
      const base = robotId();
      const [first, second, third] = [`${base}_a`, `${base}_b`, `${base}_c`];
      await seed({ robot_id: third, status: 'completed', start_time: at(0), end_time: at(1) });
      await seed({ robot_id: first, status: 'completed', start_time: at(0), end_time: at(2) });
      await seed({ robot_id: first, status: 'failed', start_time: at(5), end_time: at(6) });
      await seed({ robot_id: second, status: 'active', start_time: at(10) });
      const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

      const page = await get(`/api/v1/jobs/stats/robots?${range}&limit=2`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(page.body.items).toEqual([
        expect.objectContaining({ robot_id: first, total: 2, completed: 1, failed: 1, success_rate_percent: 50 }),
        expect.objectContaining({ robot_id: second, total: 1, active: 1, finished: 0, success_rate_percent: null }),
      ]);
      const next = await get(`/api/v1/jobs/stats/robots?${range}&limit=2&offset=2`);
      expect(next.body.items).toEqual([
        expect.objectContaining({ robot_id: third, total: 1, success_rate_percent: 100, average_duration_s: 60 }),
      ]);
    });
  });
}
