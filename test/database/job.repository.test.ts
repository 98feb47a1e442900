import { NotFoundError } from '@fleet/contracts';
import { JobRepository, type JobFields } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

const T0 = Date.parse('2026-11-30T08:00:00Z');
const minutes = (n: number) => new Date(T0 + n * 60_000);

/** A job started `start` minutes after T0; completed `end` minutes after T0 when given, else active. */
function job(start: number, fields: Partial<JobFields> & { end?: number } = {}): JobFields {
  const { end, ...rest } = fields;
  return {
    status: end === undefined ? 'active' : 'completed',
    task_name: null,
    phase: null,
    start_time: minutes(start),
    end_time: end === undefined ? null : minutes(end),
    items_total: null,
    items_done: 0,
    percent_complete: 0,
    last_item: null,
    estimated_duration_s: null,
    duration_s: null,
    end_reason: null,
    last_message_at: null,
    last_message_key: null,
    ...rest,
  };
}

describeEachDatabase('JobRepository', (factory) => {
  let jobs: JobRepository;

  beforeEach(async () => {
    jobs = new JobRepository((await factory().create()).db);
  });

  async function seed(robotId: string, ...rows: JobFields[]): Promise<number[]> {
    return jobs.forRobot(robotId, async (robot) => {
      const ids: number[] = [];
      for (const fields of rows) ids.push((await robot.insert(fields, fields.start_time)).id);
      return ids;
    });
  }

  it('lists jobs newest first by start time and filters by robot, statuses, task and start range', async () => {
    const [sortA, sortB] = await seed(
      'alpha',
      job(0, { end: 10, task_name: 'Sort red blocks' }),
      job(30, { end: 40, status: 'failed', task_name: 'Sort 50% blue' }),
    );
    const [carry] = await seed('bravo', job(20, { end: 25, status: 'cancelled', task_name: 'Carry box' }));
    const [running] = await seed('bravo', job(50, { task_name: 'sort green' }));

    const all = await jobs.list();
    expect(all).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect(all.items.map((j) => j.id)).toEqual([running, sortB, carry, sortA]);
    expect(all.items[0]).toMatchObject({ robot_id: 'bravo', task_name: 'sort green', status: 'active' });

    const second = await jobs.list({ limit: 2, offset: 2 });
    expect(second).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect(second.items.map((j) => j.id)).toEqual([carry, sortA]);

    expect((await jobs.list({ robotId: 'bravo' })).items.map((j) => j.id)).toEqual([running, carry]);
    expect((await jobs.list({ statuses: ['failed', 'cancelled'] })).items.map((j) => j.id)).toEqual([sortB, carry]);
    expect((await jobs.list({ robotId: 'alpha', statuses: ['cancelled'] })).total).toBe(0);
    // The task search ignores case and takes % and _ literally.
    expect((await jobs.list({ task: 'SORT' })).items.map((j) => j.id)).toEqual([running, sortB, sortA]);
    expect((await jobs.list({ task: '50%' })).items.map((j) => j.id)).toEqual([sortB]);
    expect((await jobs.list({ task: 'sort_' })).total).toBe(0);
    // The range is on the start time: from included, to excluded.
    expect((await jobs.list({ from: minutes(20), to: minutes(50) })).items.map((j) => j.id)).toEqual([sortB, carry]);
  });

  it('caps the page size of a job list', async () => {
    await seed('alpha', job(0));
    expect(await jobs.list({ limit: 100_000 })).toMatchObject({ limit: 500, total: 1 });
  });

  it('reads one job with what the jobs service tracks, and says when there is none', async () => {
    const [id] = await seed(
      'alpha',
      job(0, { end: 2, status: 'failed', task_name: 'Sort', end_reason: 'servo fault', duration_s: 118 }),
    );
    expect(await jobs.get(id)).toMatchObject({
      id,
      robot_id: 'alpha',
      status: 'failed',
      task_name: 'Sort',
      end_reason: 'servo fault',
      duration_s: 118,
      start_time: minutes(0),
      end_time: minutes(2),
    });
    await expect(jobs.get(id + 1000)).rejects.toThrow(NotFoundError);
    await expect(jobs.get(id + 1000)).rejects.toThrow(`job '${id + 1000}' not found`);
  });

  it('totals count done, failed and cancelled jobs and average the duration of finished ones only', async () => {
    await seed(
      'alpha',
      job(0, { end: 10, items_total: 10, items_done: 10, duration_s: 600 }),
      // No duration reported: measured from start to end.
      job(20, { end: 25, status: 'failed', items_total: 10, items_done: 3 }),
      job(30, { status: 'superseded', items_done: 1 }),
    );
    await seed(
      'bravo',
      job(40, { end: 60, status: 'cancelled', items_done: 4, duration_s: 1200 }),
      job(70, { items_total: 5, items_done: 2 }),
    );

    const totals = await jobs.totals();
    expect(totals).toEqual({
      robots: 2,
      total: 5,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 1,
      superseded: 1,
      finished: 3,
      itemsDone: 20,
      itemsTotal: 25,
      durationSeconds: 600 + 300 + 1200,
      averageDurationSeconds: 700,
    });

    expect(await jobs.totals({ robotId: 'bravo' })).toMatchObject({ robots: 1, total: 2, cancelled: 1, active: 1 });
    expect(await jobs.totals({ from: minutes(20), to: minutes(40) })).toMatchObject({
      robots: 1,
      total: 2,
      failed: 1,
      superseded: 1,
      finished: 1,
      averageDurationSeconds: 300,
    });
    expect(await jobs.totals({ robotId: 'nobody' })).toMatchObject({
      robots: 0,
      total: 0,
      finished: 0,
      itemsDone: 0,
      durationSeconds: 0,
      averageDurationSeconds: null,
    });
  });

  it('totals per robot page through the robots with jobs, by robot id, with the count of robots', async () => {
    await seed('charlie', job(0, { end: 1 }));
    await seed('alpha', job(0, { end: 2 }), job(5, { end: 6, status: 'failed' }));
    await seed('bravo', job(10));

    const first = await jobs.totalsByRobot({ limit: 2 });
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.items).toEqual([
      expect.objectContaining({ robotId: 'alpha', total: 2, completed: 1, failed: 1, finished: 2 }),
      expect.objectContaining({ robotId: 'bravo', total: 1, active: 1, finished: 0, averageDurationSeconds: null }),
    ]);
    expect((await jobs.totalsByRobot({ limit: 2, offset: 2 })).items.map((r) => r.robotId)).toEqual(['charlie']);
    // Only robots with a job started in the range.
    const later = await jobs.totalsByRobot({ from: minutes(5) });
    expect(later.total).toBe(2);
    expect(later.items.map((r) => [r.robotId, r.total])).toEqual([
      ['alpha', 1],
      ['bravo', 1],
    ]);
  });

  it('keeps the TonyPi history and totals as they were: by creation, durations of every ended job', async () => {
    await seed('alpha', job(0, { end: 10, duration_s: 1 }), job(20, { end: 30, status: 'superseded' }));
    const history = await jobs.history({ robotId: 'alpha' });
    expect(history.items.map((j) => j.start_time)).toEqual([minutes(20), minutes(0)]);
    expect(await jobs.stats({ robotId: 'alpha' })).toMatchObject({ total: 2, durationSeconds: 1200 });
  });
});
