import { SIGNAL_METRICS } from './observation';
import { ThresholdBook, type ThresholdRow } from './threshold-book';
import { step, type Threshold } from './threshold-state';

function row(metric: string, overrides: Partial<ThresholdRow> = {}): ThresholdRow {
  return {
    robot_id: null,
    metric_type: metric,
    warning_threshold: 80,
    critical_threshold: 95,
    direction: 'above',
    enabled: true,
    pending_s: 60,
    clear_margin: 5,
    auto_resolve: true,
    ...overrides,
  };
}

const GLOBAL_BATTERY = row('battery', {
  warning_threshold: 20,
  critical_threshold: 10,
  direction: 'below',
  pending_s: 30,
  clear_margin: 3,
});

const SIGNAL: Omit<Threshold, 'metric'> = {
  warning: 1,
  critical: 1,
  direction: 'above',
  pendingMs: 0,
  clearMargin: 0,
  autoResolve: true,
};

describe('threshold book', () => {
  it('turns a global row into the threshold every robot gets, the pending period in milliseconds', () => {
    const book = new ThresholdBook([GLOBAL_BATTERY]);
    const expected: Threshold = {
      metric: 'battery',
      warning: 20,
      critical: 10,
      direction: 'below',
      pendingMs: 30_000,
      clearMargin: 3,
      autoResolve: true,
    };
    expect(book.resolve('tonypi_01', 'battery')).toEqual(expected);
    expect(book.resolve('tonypi_02', 'battery')).toEqual(expected);
  });

  it("a robot's own row overrides the global one, for that robot only", () => {
    const book = new ThresholdBook([
      GLOBAL_BATTERY,
      row('battery', {
        robot_id: 'tonypi_01',
        warning_threshold: 35,
        critical_threshold: 25,
        direction: 'below',
        pending_s: 0,
        clear_margin: 0,
        auto_resolve: false,
      }),
    ]);
    expect(book.resolve('tonypi_01', 'battery')).toEqual({
      metric: 'battery',
      warning: 35,
      critical: 25,
      direction: 'below',
      pendingMs: 0,
      clearMargin: 0,
      autoResolve: false,
    });
    expect(book.resolve('tonypi_02', 'battery')).toMatchObject({ warning: 20, critical: 10, pendingMs: 30_000 });
  });

  it('row order does not matter', () => {
    const own = row('cpu', { robot_id: 'tonypi_01', warning_threshold: 60 });
    const global = row('cpu');
    for (const rows of [
      [own, global],
      [global, own],
    ]) {
      const book = new ThresholdBook(rows);
      expect(book.resolve('tonypi_01', 'cpu')?.warning).toBe(60);
      expect(book.resolve('tonypi_02', 'cpu')?.warning).toBe(80);
    }
  });

  it('a robot with a row of its own for another metric still gets the global one', () => {
    const book = new ThresholdBook([GLOBAL_BATTERY, row('cpu', { robot_id: 'tonypi_01' })]);
    expect(book.resolve('tonypi_01', 'battery')).toMatchObject({ warning: 20 });
  });

  it('a disabled row silences: a disabled own row even where the global row is enabled', () => {
    const book = new ThresholdBook([
      GLOBAL_BATTERY,
      row('battery', { robot_id: 'tonypi_01', enabled: false }),
      row('cpu', { enabled: false }),
    ]);
    expect(book.resolve('tonypi_01', 'battery')).toBeNull();
    expect(book.resolve('tonypi_02', 'battery')).not.toBeNull();
    expect(book.resolve('tonypi_02', 'cpu')).toBeNull();
  });

  it('an enabled own row brings back a metric the global row disables, for that robot', () => {
    const book = new ThresholdBook([row('cpu', { enabled: false }), row('cpu', { robot_id: 'tonypi_01' })]);
    expect(book.resolve('tonypi_01', 'cpu')).toMatchObject({ warning: 80, critical: 95 });
    expect(book.resolve('tonypi_02', 'cpu')).toBeNull();
  });

  it('a row whose enabled is unset counts as enabled', () => {
    const book = new ThresholdBook([row('memory', { enabled: null })]);
    expect(book.resolve('tonypi_01', 'memory')).toMatchObject({ metric: 'memory', warning: 80 });
  });

  it('a metric without any row has no threshold', () => {
    const book = new ThresholdBook([GLOBAL_BATTERY]);
    expect(book.resolve('tonypi_01', 'ultrasonic_distance')).toBeNull();
    expect(new ThresholdBook([]).resolve('tonypi_01', 'battery')).toBeNull();
  });

  it('a threshold on any sensor type applies to that reading', () => {
    const book = new ThresholdBook([
      row('ultrasonic_distance', { warning_threshold: 15, critical_threshold: 5, direction: 'below' }),
    ]);
    expect(book.resolve('tonypi_01', 'ultrasonic_distance')).toMatchObject({ warning: 15, direction: 'below' });
  });

  describe('built-in signals', () => {
    it.each([SIGNAL_METRICS.emergencyStop, SIGNAL_METRICS.statusError])(
      '%s applies without any row: fires at once on 1 and clears on 0',
      (metric) => {
        expect(new ThresholdBook([]).resolve('tonypi_01', metric)).toEqual({ metric, ...SIGNAL });
      },
    );

    it('a row can only disable a signal, never change how it is judged', () => {
      const book = new ThresholdBook([
        row(SIGNAL_METRICS.emergencyStop, { warning_threshold: 5, pending_s: 600, auto_resolve: false }),
        row(SIGNAL_METRICS.statusError, { robot_id: 'tonypi_01', enabled: false }),
      ]);
      expect(book.resolve('tonypi_01', SIGNAL_METRICS.emergencyStop)).toEqual({
        metric: SIGNAL_METRICS.emergencyStop,
        ...SIGNAL,
      });
      expect(book.resolve('tonypi_01', SIGNAL_METRICS.statusError)).toBeNull();
      expect(book.resolve('tonypi_02', SIGNAL_METRICS.statusError)).toEqual({
        metric: SIGNAL_METRICS.statusError,
        ...SIGNAL,
      });
    });

    it('a globally disabled signal stays on for a robot whose own row enables it', () => {
      const book = new ThresholdBook([
        row(SIGNAL_METRICS.emergencyStop, { enabled: false }),
        row(SIGNAL_METRICS.emergencyStop, { robot_id: 'tonypi_01', enabled: true }),
      ]);
      expect(book.resolve('tonypi_01', SIGNAL_METRICS.emergencyStop)).not.toBeNull();
      expect(book.resolve('tonypi_02', SIGNAL_METRICS.emergencyStop)).toBeNull();
    });

    it('an acknowledged e-stop opens a critical alert at once and a resume resolves it', () => {
      const threshold = new ThresholdBook([]).resolve('tonypi_01', SIGNAL_METRICS.emergencyStop);
      const stoppedAt = new Date('2026-01-24T10:30:45.123Z');
      const stop = step(undefined, { value: 1, at: stoppedAt }, threshold);
      expect(stop.transition).toEqual({ type: 'open', severity: 'critical', value: 1, since: stoppedAt });
      if (!stop.next) throw new Error('an opened alert has a state to store');
      const firing = { ...stop.next, alertId: 7 };

      // The same acknowledgement copied to the other topic carries the same time.
      expect(step(firing, { value: 1, at: stoppedAt }, threshold)).toEqual({ next: null, transition: null });

      const resume = step(firing, { value: 0, at: new Date('2026-01-24T10:31:45.123Z') }, threshold);
      expect(resume.transition).toEqual({ type: 'resolve', value: 0, reason: 'recovered' });
    });
  });
});
