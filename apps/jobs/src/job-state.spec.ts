import {
  CLOSED_ECHO_WINDOW_MS,
  crossed,
  decide,
  type JobChange,
  type JobDecision,
  type JobMessage,
  type JobState,
} from './job-state';

const T0 = Date.parse('2026-01-24T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

let seq = 0;
function message(seconds: number, fields: Partial<JobMessage> = {}): JobMessage {
  seq += 1;
  return {
    key: `log:${seq}`,
    time: at(seconds),
    status: undefined,
    taskName: undefined,
    phase: undefined,
    percent: undefined,
    itemsDone: undefined,
    itemsTotal: undefined,
    lastItem: undefined,
    elapsedS: undefined,
    estimatedS: undefined,
    reason: undefined,
    ...fields,
  };
}

function changed(decision: JobDecision): JobChange {
  if (decision.kind !== 'changed') throw new Error(`expected a change, got ${decision.reason}`);
  return decision;
}

/** Applies messages in turn, as the tracker does with stored rows (ids given on insert). */
function run(...messages: JobMessage[]): { job: JobState | undefined; changes: JobDecision[]; stored: JobState[] } {
  const stored: JobState[] = [];
  let current: JobState | undefined;
  const changes: JobDecision[] = [];
  for (const m of messages) {
    const decision = decide(current, m);
    changes.push(decision);
    if (decision.kind === 'ignored') continue;
    if (decision.superseded) stored[(decision.superseded.id as number) - 1] = decision.superseded;
    const job = decision.job.id === null ? { ...decision.job, id: stored.length + 1 } : decision.job;
    stored[(job.id as number) - 1] = job;
    current = job;
  }
  return { job: current, changes, stored };
}

describe('a job from its messages', () => {
  it('started opens an active job with task, phase, estimate and items total', () => {
    const change = changed(
      decide(
        undefined,
        message(0, { status: 'started', taskName: 'Peeling', phase: 'scanning', estimatedS: 120, itemsTotal: 10 }),
      ),
    );
    expect(change.event).toBe('started');
    expect(change.job).toMatchObject({
      id: null,
      status: 'active',
      taskName: 'Peeling',
      phase: 'scanning',
      estimatedDurationS: 120,
      itemsTotal: 10,
      itemsDone: 0,
      percent: 0,
      startTime: at(0),
      endTime: null,
    });
    expect(change.milestones).toEqual([]);
  });

  it('in_progress updates phase, percent, items done and the last item', () => {
    const { job, changes } = run(
      message(0, { status: 'started', taskName: 'Peeling', itemsTotal: 10 }),
      message(5, { status: 'in_progress', phase: 'executing', percent: 30, itemsDone: 3, lastItem: { id: 'I3' } }),
    );
    expect(changed(changes[1]).event).toBe('progress');
    expect(changed(changes[1]).milestones).toEqual([25]);
    expect(job).toMatchObject({
      status: 'active',
      phase: 'executing',
      percent: 30,
      itemsDone: 3,
      lastItem: { id: 'I3' },
    });
  });

  it.each(['done', 'completed', 'COMPLETED'])('%s completes it with end time, duration and 100%%', (status) => {
    const { job, changes } = run(
      message(0, { status: 'started', taskName: 'Peeling' }),
      message(40, { status, elapsedS: 39.5 }),
    );
    expect(changed(changes[1]).event).toBe('completed');
    expect(job).toMatchObject({ status: 'completed', endTime: at(40), durationS: 39.5, percent: 100 });
  });

  it('measures the duration when the robot does not give one', () => {
    const { job } = run(message(0, { status: 'started' }), message(42, { status: 'completed' }));
    expect(job?.durationS).toBe(42);
  });

  it('cancelled closes it with the reason, keeping its progress', () => {
    const { job, changes } = run(
      message(0, { status: 'started' }),
      message(10, { status: 'in_progress', percent: 60 }),
      message(12, { status: 'cancelled', reason: 'Emergency stop' }),
    );
    expect(changed(changes[2]).event).toBe('cancelled');
    expect(changed(changes[2]).milestones).toEqual([]);
    expect(job).toMatchObject({ status: 'cancelled', endReason: 'Emergency stop', percent: 60, endTime: at(12) });
  });

  it('failed closes it with the reason', () => {
    const { job } = run(message(0, { status: 'started' }), message(9, { status: 'failed', reason: 'servo fault' }));
    expect(job).toMatchObject({ status: 'failed', endReason: 'servo fault', durationS: 9 });
  });

  it('accepts the legacy {percent, status: "working"} form, and a bare percentage', () => {
    const { job, changes } = run(
      message(0, { status: 'working', percent: 26.67, itemsDone: 4, itemsTotal: 15 }),
      message(5, { percent: 53.3, itemsDone: 8, itemsTotal: 15 }),
    );
    expect(changed(changes[0]).event).toBe('started');
    expect(changed(changes[0]).milestones).toEqual([25]);
    expect(changed(changes[1]).event).toBe('progress');
    expect(changed(changes[1]).milestones).toEqual([50]);
    expect(job).toMatchObject({ status: 'active', percent: 53.3, itemsDone: 8, itemsTotal: 15 });
  });

  it('derives the percent from items when none is given', () => {
    const { job } = run(
      message(0, { status: 'started', itemsTotal: 4 }),
      message(1, { status: 'in_progress', itemsDone: 3 }),
    );
    expect(job?.percent).toBe(75);
  });

  it('a progress message with no job open opens one that started elapsed_time earlier', () => {
    const change = changed(decide(undefined, message(30, { status: 'in_progress', elapsedS: 10, taskName: 'Sort' })));
    expect(change.event).toBe('started');
    expect(change.job).toMatchObject({ status: 'active', startTime: at(20), taskName: 'Sort' });
  });

  it('ignores statuses without a meaning', () => {
    expect(decide(undefined, message(0, { status: 'idle' }))).toEqual({ kind: 'ignored', reason: 'unknown_status' });
  });

  it('a new start while one is active supersedes it at the new start', () => {
    const { job, changes, stored } = run(
      message(0, { status: 'started', taskName: 'A' }),
      message(5, { status: 'in_progress', percent: 30 }),
      message(20, { status: 'started', taskName: 'B' }),
    );
    const change = changed(changes[2]);
    expect(change.event).toBe('started');
    expect(change.superseded).toMatchObject({
      id: 1,
      status: 'superseded',
      endTime: at(20),
      durationS: 20,
      percent: 30,
    });
    expect(stored.map((j) => j.status)).toEqual(['superseded', 'active']);
    expect(job).toMatchObject({ id: 2, taskName: 'B', percent: 0 });
  });
});

describe('late and repeated messages', () => {
  it('the same message again changes nothing', () => {
    const start = message(0, { status: 'started' });
    const progress = message(5, { status: 'in_progress', percent: 50 });
    const { changes } = run(start, progress, progress);
    expect(changes[2]).toEqual({ kind: 'ignored', reason: 'redelivered' });
  });

  it('a message older than the last applied is ignored: nothing moves backwards', () => {
    const { job, changes } = run(
      message(0, { status: 'started' }),
      message(10, { status: 'in_progress', percent: 80, phase: 'executing' }),
      message(5, { status: 'in_progress', percent: 40, phase: 'searching' }),
    );
    expect(changes[2]).toEqual({ kind: 'ignored', reason: 'out_of_order' });
    expect(job).toMatchObject({ percent: 80, phase: 'executing' });
  });

  it('a closed job is never reopened by a late progress or a start seen again', () => {
    const start = message(0, { status: 'started' });
    const { job, changes, stored } = run(
      start,
      message(5, { status: 'in_progress', percent: 50 }),
      message(10, { status: 'completed' }),
      message(5, { status: 'in_progress', percent: 50 }),
      { ...start, key: 'other-log:1' },
      message(10, { status: 'completed' }),
    );
    expect(changes.slice(3).map((c) => c.kind)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(stored).toHaveLength(1);
    expect(job?.status).toBe('completed');
  });

  it('a close that arrives before its start records one closed job; the late start changes nothing', () => {
    const { stored, changes } = run(
      message(30, { status: 'completed', elapsedS: 30, taskName: 'Peeling' }),
      message(0, { status: 'started', taskName: 'Peeling' }),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'completed', startTime: at(0), endTime: at(30), durationS: 30 });
    expect(changes[1].kind).toBe('ignored');
  });

  it('percent and items done never decrease within a job', () => {
    const { job } = run(
      message(0, { status: 'started' }),
      message(1, { status: 'in_progress', percent: 60, itemsDone: 6 }),
      message(2, { status: 'in_progress', percent: 20, itemsDone: 2 }),
    );
    expect(job).toMatchObject({ percent: 60, itemsDone: 6 });
  });
});

describe('echoes of a job that has closed', () => {
  /** The legacy progress the TonyPi client sends for each found item, its count going on past the job. */
  const legacy = (seconds: number, itemsDone: number) => {
    const percent = Math.round(itemsDone * 10 * 100) / 100;
    return message(seconds, {
      status: percent < 100 ? 'working' : 'completed',
      percent,
      itemsDone,
      itemsTotal: 10,
    });
  };

  it('a legacy counter that goes on after the job completed opens no more jobs', () => {
    const { stored, changes } = run(
      legacy(0, 1),
      legacy(30, 5),
      legacy(90, 10),
      legacy(95, 10),
      legacy(400, 11),
      legacy(900, 12),
      message(2000, { percent: 130, itemsDone: 13 }),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'completed', itemsDone: 10, percent: 100, endTime: at(90) });
    expect(changes.slice(3)).toEqual(Array(4).fill({ kind: 'ignored', reason: 'after_close' }));
  });

  it('a legacy working or completed right after a done opens no job', () => {
    const { stored, changes } = run(
      message(0, { status: 'started', taskName: 'Peeling', itemsTotal: 4 }),
      message(20, { status: 'in_progress', elapsedS: 20, itemsDone: 2, itemsTotal: 4, percent: 50 }),
      message(45, { status: 'done', elapsedS: 45, itemsDone: 4, itemsTotal: 4, percent: 100 }),
      legacy(46, 4),
      legacy(50, 10),
      message(58, { status: 'done', elapsedS: 58 }),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'completed', itemsDone: 4, endTime: at(45), durationS: 45 });
    expect(changes.slice(3).map((c) => c.kind === 'ignored' && c.reason)).toEqual([
      'after_close',
      'after_close',
      'after_close',
    ]);
  });

  it('the same counts long after the close are a job of its own: a task of the same size whose start was missed', () => {
    const { stored, changes } = run(legacy(0, 9), legacy(10, 10), legacy(3600, 10));
    expect(changes[2]).toMatchObject({ kind: 'changed' });
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ status: 'completed', itemsDone: 10, endTime: at(3600) });
  });

  it('a close whose elapsed time puts its start after the last close is a job of its own', () => {
    const { stored } = run(
      message(0, { status: 'started', taskName: 'A' }),
      message(30, { status: 'completed', elapsedS: 30 }),
      message(50, { status: 'completed', taskName: 'B', elapsedS: 15 }),
    );
    expect(stored.map((j) => [j.taskName, j.status, j.startTime])).toEqual([
      ['A', 'completed', at(0)],
      ['B', 'completed', at(35)],
    ]);
  });

  it('a progress whose elapsed time puts its start after the last close opens a job', () => {
    const { stored } = run(
      message(0, { status: 'started' }),
      message(30, { status: 'completed' }),
      message(40, { status: 'in_progress', elapsedS: 8, taskName: 'B' }),
    );
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ status: 'active', taskName: 'B', startTime: at(32) });
  });

  it('a close with other counts after the window is a job of its own', () => {
    const { stored } = run(
      message(0, { status: 'started' }),
      message(30, { status: 'completed', itemsDone: 4, itemsTotal: 4 }),
      legacy(30 + CLOSED_ECHO_WINDOW_MS / 1000 + 1, 10),
    );
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ status: 'completed', itemsDone: 10, percent: 100 });
  });

  it('a legacy job that starts inside the window is opened by its first message after it', () => {
    const { stored, changes } = run(
      legacy(0, 10),
      legacy(20, 1),
      legacy(CLOSED_ECHO_WINDOW_MS / 1000, 2),
      legacy(100, 3),
    );
    expect(changes.map((c) => c.kind)).toEqual(['changed', 'ignored', 'ignored', 'changed']);
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ status: 'active', itemsDone: 3, percent: 30, startTime: at(100) });
  });
});

describe('milestones', () => {
  it('crosses 25, 50, 75 and 100 once each', () => {
    const { changes } = run(
      message(0, { status: 'started' }),
      message(1, { status: 'in_progress', percent: 24.9 }),
      message(2, { status: 'in_progress', percent: 25 }),
      message(3, { status: 'in_progress', percent: 30 }),
      message(4, { status: 'in_progress', percent: 20 }),
      message(5, { status: 'in_progress', percent: 80 }),
      message(6, { status: 'in_progress', percent: 100 }),
      message(7, { status: 'completed' }),
    );
    expect(changes.map((c) => (c.kind === 'changed' ? c.milestones : c.reason))).toEqual([
      [],
      [],
      [25],
      [],
      [],
      [50, 75],
      [100],
      [],
    ]);
  });

  it('are counted from where the job was, not from zero', () => {
    expect(crossed(0, 100)).toEqual([25, 50, 75, 100]);
    expect(crossed(50, 50)).toEqual([]);
    expect(crossed(49.99, 50)).toEqual([50]);
  });

  it('clamps percentages beyond 0-100', () => {
    const { job } = run(message(0, { status: 'started', percent: -5 }), message(1, { percent: 250 }));
    expect(job?.percent).toBe(100);
  });
});
