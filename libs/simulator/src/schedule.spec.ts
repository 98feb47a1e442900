import { startSchedule, type ScheduledStream } from './schedule';

describe('startSchedule', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const run = (rate: number, realMs: number) => {
    const counts: Partial<Record<ScheduledStream, number>> = {};
    const stop = startSchedule(
      rate,
      ['sensors', 'servos', 'location', 'status', 'battery', 'heartbeat', 'job'],
      (s) => {
        counts[s] = (counts[s] ?? 0) + 1;
      },
    );
    jest.advanceTimersByTime(realMs);
    stop();
    jest.advanceTimersByTime(realMs);
    return counts;
  };

  it("publishes at the client's intervals: sensors 2 s, servos 3 s, location 5 s, status 10 s, battery 30 s", () => {
    expect(run(1, 60_000)).toEqual({
      sensors: 30,
      servos: 20,
      location: 12,
      status: 6,
      battery: 2,
      heartbeat: 2,
      job: 60,
    });
  });

  it('runs the same minute ten or a hundred times faster', () => {
    const expected = { sensors: 30, servos: 20, location: 12, status: 6, battery: 2, heartbeat: 2, job: 60 };
    expect(run(10, 6_000)).toEqual(expected);
    expect(run(100, 600)).toEqual(expected);
  });
});
