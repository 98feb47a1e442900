import {
  classify,
  cleared,
  step,
  type ConditionState,
  type StepContext,
  type Threshold,
  type Transition,
} from './threshold-state';

const T0 = Date.parse('2026-01-24T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** A sample as `[seconds after T0, value]`. */
type Reading = readonly [number, number];

const BATTERY: Threshold = {
  metric: 'battery',
  warning: 20,
  critical: 10,
  direction: 'below',
  pendingMs: 30_000,
  clearMargin: 3,
  autoResolve: true,
};

const CPU: Threshold = {
  metric: 'cpu',
  warning: 80,
  critical: 95,
  direction: 'above',
  pendingMs: 60_000,
  clearMargin: 5,
  autoResolve: true,
};

/**
 * One (robot, metric, source) condition driven as the evaluator drives it: `next` is stored when there is one, an
 * `open` gets the id of the alert it created, and every transition is kept in order.
 */
class Condition {
  state: ConditionState | undefined;
  readonly transitions: Transition[] = [];
  /** How many samples changed the stored state. */
  writes = 0;
  private lastAlertId = 0;

  constructor(private readonly threshold: Threshold | null) {}

  /** Feeds the sample taken `seconds` after T0; returns what it did. */
  feed(
    seconds: number,
    value: number,
    context: StepContext = {},
    threshold: Threshold | null = this.threshold,
  ): Transition | null {
    const { next, transition } = step(this.state, { value, at: at(seconds) }, threshold, context);
    if (next) {
      this.writes++;
      this.state = transition?.type === 'open' ? { ...next, alertId: ++this.lastAlertId } : next;
    }
    if (transition) this.transitions.push(transition);
    return transition;
  }

  /** Feeds `[seconds, value]` samples in order; returns the transitions they made. */
  feedAll(...samples: readonly Reading[]): Transition[] {
    return this.feedAllWhile({}, ...samples);
  }

  /** Feeds samples in order, all under `context` (a snooze, charging). */
  feedAllWhile(context: StepContext, ...samples: readonly Reading[]): Transition[] {
    const before = this.transitions.length;
    for (const [seconds, value] of samples) this.feed(seconds, value, context);
    return this.transitions.slice(before);
  }

  get opened(): number {
    return this.transitions.filter((t) => t.type === 'open').length;
  }
}

describe('threshold state', () => {
  describe('battery (below: warning 20, critical 10, pending 30 s, margin 3)', () => {
    it('battery at 19% for less than the pending period raises nothing; held past it raises one warning; at 9% it escalates the same alert to critical; back to 25% it resolves', () => {
      const battery = new Condition(BATTERY);

      expect(battery.feedAll([0, 19], [10, 19], [29.999, 19])).toEqual([]);
      expect(battery.state).toMatchObject({ state: 'pending', severity: 'warning', since: at(0), alertId: null });

      expect(battery.feed(30, 19)).toEqual({ type: 'open', severity: 'warning', value: 19, since: at(0) });
      expect(battery.state).toMatchObject({ state: 'firing', severity: 'warning', since: at(0), alertId: 1 });
      expect(battery.feedAll([40, 18], [50, 19.5])).toEqual([]);

      expect(battery.feed(60, 9)).toEqual({ type: 'escalate', severity: 'critical', value: 9 });
      expect(battery.state).toMatchObject({ state: 'firing', severity: 'critical', since: at(0), alertId: 1 });

      expect(battery.feed(70, 22)).toBeNull();
      expect(battery.feed(80, 25)).toEqual({ type: 'resolve', value: 25, reason: 'recovered' });
      expect(battery.state).toEqual({
        state: 'normal',
        severity: null,
        since: null,
        value: 25,
        eventAt: at(80),
        alertId: null,
      });
      expect(battery.transitions.map((t) => t.type)).toEqual(['open', 'escalate', 'resolve']);
    });

    it('a battery that stays healthy never writes a state', () => {
      const battery = new Condition(BATTERY);
      expect(battery.feedAll([0, 87], [30, 86.5], [60, 20.01])).toEqual([]);
      expect(battery.state).toBeUndefined();
      expect(battery.writes).toBe(0);
    });

    it('a value oscillating around the threshold inside the margin opens exactly one alert', () => {
      const battery = new Condition(BATTERY);
      battery.feedAll([0, 19], [30, 19]);
      expect(battery.opened).toBe(1);
      const writes = battery.writes;

      const wobble: Reading[] = [];
      for (let i = 1; i <= 40; i++) wobble.push([30 + i * 10, i % 2 === 0 ? 19.5 : 22.9]);
      wobble.push([500, 23]);
      expect(battery.feedAll(...wobble)).toEqual([]);
      expect(battery.writes).toBe(writes);
      expect(battery.state).toMatchObject({ state: 'firing', alertId: 1 });

      expect(battery.feed(510, 23.01)).toEqual({ type: 'resolve', value: 23.01, reason: 'recovered' });
      expect(battery.opened).toBe(1);
    });

    it('a redelivered sample changes nothing', () => {
      const battery = new Condition(BATTERY);
      battery.feed(0, 19);
      const pending = battery.state;
      expect(battery.feed(0, 19)).toBeNull();
      expect(battery.state).toBe(pending);

      battery.feed(30, 19);
      const firing = battery.state;
      expect(battery.feed(30, 19)).toBeNull();
      expect(battery.state).toBe(firing);

      battery.feed(40, 9);
      expect(battery.feed(40, 9)).toBeNull();

      battery.feed(50, 30);
      const resolved = battery.state;
      expect(battery.feedAll([0, 19], [30, 19], [40, 9], [50, 30])).toEqual([]);
      expect(battery.state).toBe(resolved);
      expect(battery.transitions.map((t) => t.type)).toEqual(['open', 'escalate', 'resolve']);
    });

    it('an older sample arriving late is ignored', () => {
      const battery = new Condition(BATTERY);
      battery.feed(0, 19);
      battery.feed(10, 19);
      // A healthy reading from before the last change does not end the pending period...
      expect(battery.feed(5, 90)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'pending', since: at(0), eventAt: at(10) });

      battery.feed(30, 19);
      // ...nor resolve the alert, nor escalate it.
      expect(battery.feed(25, 90)).toBeNull();
      expect(battery.feed(20, 5)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'firing', severity: 'warning', alertId: 1 });

      battery.feed(40, 50);
      // And after it resolved, a late low reading does not open it again.
      expect(battery.feed(35, 5)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'normal' });
      expect(battery.transitions.map((t) => t.type)).toEqual(['open', 'resolve']);
    });

    it('a normal value during pending ends it without an alert, and the next bad value starts a new period', () => {
      const battery = new Condition(BATTERY);
      battery.feedAll([0, 19], [20, 19]);
      // Hysteresis is for firing alerts only: 21% is simply normal while pending.
      expect(battery.feed(25, 21)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'normal', since: null, severity: null, eventAt: at(25) });

      expect(battery.feedAll([35, 19], [64, 19])).toEqual([]);
      expect(battery.state).toMatchObject({ state: 'pending', since: at(35) });
      expect(battery.feed(65, 19)).toEqual({ type: 'open', severity: 'warning', value: 19, since: at(35) });
    });

    it('a condition that worsens while pending opens at the level of the sample that completes the period', () => {
      const critical = new Condition(BATTERY);
      critical.feedAll([0, 19], [10, 9]);
      expect(critical.state).toMatchObject({ state: 'pending', severity: 'critical', since: at(0) });
      expect(critical.feed(30, 8)).toEqual({ type: 'open', severity: 'critical', value: 8, since: at(0) });

      const eased = new Condition(BATTERY);
      eased.feedAll([0, 9], [10, 9]);
      expect(eased.feed(30, 15)).toEqual({ type: 'open', severity: 'warning', value: 15, since: at(0) });
    });

    it('severity does not go down while firing', () => {
      const battery = new Condition({ ...BATTERY, pendingMs: 0 });
      expect(battery.feed(0, 9)).toMatchObject({ type: 'open', severity: 'critical' });
      expect(battery.feedAll([10, 15], [20, 19], [30, 22], [40, 10], [50, 5])).toEqual([]);
      expect(battery.state).toMatchObject({ state: 'firing', severity: 'critical', value: 9, alertId: 1 });
    });

    it('an escalated alert does not escalate again', () => {
      const battery = new Condition({ ...BATTERY, pendingMs: 0 });
      battery.feedAll([0, 19], [10, 9]);
      expect(battery.feedAll([20, 5], [30, 15], [40, 2])).toEqual([]);
      expect(battery.transitions.map((t) => t.type)).toEqual(['open', 'escalate']);
    });

    it('auto_resolve false keeps firing when the value recovers', () => {
      const battery = new Condition({ ...BATTERY, autoResolve: false });
      battery.feedAll([0, 19], [30, 19]);
      expect(battery.feedAll([40, 50], [50, 100], [60, 23.5])).toEqual([]);
      expect(battery.state).toMatchObject({ state: 'firing', severity: 'warning', alertId: 1 });
      // It still escalates.
      expect(battery.feed(70, 9)).toEqual({ type: 'escalate', severity: 'critical', value: 9 });
    });

    it('a snoozed condition stays pending and opens once the snooze is over with the next bad sample', () => {
      const battery = new Condition(BATTERY);
      const snoozed = { snoozed: true };
      expect(battery.feedAllWhile(snoozed, [0, 19], [30, 19], [600, 9])).toEqual([]);
      expect(battery.state).toMatchObject({ state: 'pending', severity: 'critical', since: at(0) });

      expect(battery.feed(610, 19)).toEqual({ type: 'open', severity: 'warning', value: 19, since: at(0) });
    });

    it('a normal value while snoozed ends the pending condition', () => {
      const battery = new Condition(BATTERY);
      battery.feedAllWhile({ snoozed: true }, [0, 19], [30, 19], [40, 60]);
      expect(battery.state).toMatchObject({ state: 'normal' });
      expect(battery.feed(50, 19)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'pending', since: at(50) });
    });

    it('a snooze does not hold back an alert that is already open: it escalates and resolves as usual', () => {
      const battery = new Condition(BATTERY);
      battery.feedAll([0, 19], [30, 19]);
      const snoozed = { snoozed: true };
      expect(battery.feed(40, 9, snoozed)).toMatchObject({ type: 'escalate' });
      expect(battery.feed(50, 40, snoozed)).toMatchObject({ type: 'resolve', reason: 'recovered' });
    });

    it('charging resolves an open battery alert and a disabled threshold resolves too', () => {
      const charging = new Condition(BATTERY);
      charging.feedAll([0, 15], [30, 15]);
      expect(charging.feed(40, 16, { excused: 'charging' })).toEqual({
        type: 'resolve',
        value: 16,
        reason: 'charging',
      });
      expect(charging.state).toMatchObject({ state: 'normal', alertId: null, eventAt: at(40) });

      const disabled = new Condition(BATTERY);
      disabled.feedAll([0, 15], [30, 15]);
      expect(disabled.feed(40, 15, {}, null)).toEqual({ type: 'resolve', value: 15, reason: 'threshold_disabled' });
      expect(disabled.state).toMatchObject({ state: 'normal', alertId: null });
    });

    it('charging resolves even an alert that does not auto-resolve', () => {
      const battery = new Condition({ ...BATTERY, autoResolve: false });
      battery.feedAll([0, 5], [30, 5]);
      expect(battery.feed(40, 5, { excused: 'charging' })).toMatchObject({ type: 'resolve', reason: 'charging' });
    });

    it('while charging a low battery is not pending, and once off the charger it waits a full period again', () => {
      const battery = new Condition(BATTERY);
      battery.feed(0, 15);
      expect(battery.feed(10, 15, { excused: 'charging' })).toBeNull();
      expect(battery.state).toMatchObject({ state: 'normal' });

      const fresh = new Condition(BATTERY);
      expect(fresh.feedAllWhile({ excused: 'charging' }, [0, 5], [60, 5])).toEqual([]);
      expect(fresh.state).toBeUndefined();

      expect(battery.feedAll([20, 15], [49, 15])).toEqual([]);
      expect(battery.feed(50, 15)).toEqual({ type: 'open', severity: 'warning', value: 15, since: at(20) });
    });

    it('a threshold removed while pending ends the condition quietly, and without a threshold nothing starts', () => {
      const battery = new Condition(BATTERY);
      battery.feed(0, 15);
      expect(battery.feed(10, 15, {}, null)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'normal' });
      expect(battery.feed(20, 1, {}, null)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'normal', eventAt: at(10) });

      const none = new Condition(null);
      expect(none.feedAll([0, 1], [60, 1])).toEqual([]);
      expect(none.state).toBeUndefined();
    });

    it('a firing state whose alert is gone starts over instead of escalating or resolving nothing', () => {
      const battery = new Condition(BATTERY);
      battery.state = {
        state: 'firing',
        severity: 'warning',
        since: at(0),
        value: 19,
        eventAt: at(0),
        alertId: null,
      };
      expect(battery.feed(10, 9)).toBeNull();
      expect(battery.state).toMatchObject({ state: 'pending', severity: 'critical', since: at(10) });
      expect(battery.feed(40, 9)).toEqual({ type: 'open', severity: 'critical', value: 9, since: at(10) });
    });
  });

  describe('pending period 0', () => {
    const instant = { ...BATTERY, pendingMs: 0 };

    it('pending period 0 fires on the first bad sample', () => {
      const battery = new Condition(instant);
      expect(battery.feed(0, 20)).toEqual({ type: 'open', severity: 'warning', value: 20, since: at(0) });
      expect(battery.state).toMatchObject({ state: 'firing', since: at(0), eventAt: at(0), alertId: 1 });
    });

    it('a critical first sample opens a critical alert', () => {
      const battery = new Condition(instant);
      expect(battery.feed(0, 3)).toEqual({ type: 'open', severity: 'critical', value: 3, since: at(0) });
    });

    it('a snooze still holds it back', () => {
      const battery = new Condition(instant);
      expect(battery.feed(0, 3, { snoozed: true })).toBeNull();
      expect(battery.state).toMatchObject({ state: 'pending' });
      expect(battery.feed(1, 3)).toEqual({ type: 'open', severity: 'critical', value: 3, since: at(0) });
    });
  });

  describe('cpu (above: warning 80, critical 95, pending 60 s, margin 5)', () => {
    it('cpu at 85% for a minute raises a warning, at 96% it turns critical, at 76% it still fires and at 74% it resolves', () => {
      const cpu = new Condition(CPU);
      expect(cpu.feedAll([0, 85], [30, 90], [59, 82])).toEqual([]);
      expect(cpu.feed(60, 85)).toEqual({ type: 'open', severity: 'warning', value: 85, since: at(0) });
      expect(cpu.feed(70, 96)).toEqual({ type: 'escalate', severity: 'critical', value: 96 });
      expect(cpu.feedAll([80, 85], [90, 76], [100, 75])).toEqual([]);
      expect(cpu.feed(110, 74)).toEqual({ type: 'resolve', value: 74, reason: 'recovered' });
      expect(cpu.transitions.map((t) => t.type)).toEqual(['open', 'escalate', 'resolve']);
    });

    it('a spike shorter than the pending period raises nothing', () => {
      const cpu = new Condition(CPU);
      expect(cpu.feedAll([0, 99], [30, 100], [45, 60], [120, 40])).toEqual([]);
      expect(cpu.state).toMatchObject({ state: 'normal' });
    });

    it('cpu hovering between 76% and 84% after firing keeps one alert open', () => {
      const cpu = new Condition(CPU);
      cpu.feedAll([0, 90], [60, 90]);
      const wobble: Reading[] = [];
      for (let i = 1; i <= 30; i++) wobble.push([60 + i * 5, i % 2 === 0 ? 84 : 76]);
      expect(cpu.feedAll(...wobble)).toEqual([]);
      expect(cpu.opened).toBe(1);
    });
  });

  describe('classify', () => {
    it('below: reaching a threshold counts', () => {
      expect(classify(20.01, BATTERY)).toBe('normal');
      expect(classify(20, BATTERY)).toBe('warning');
      expect(classify(10.01, BATTERY)).toBe('warning');
      expect(classify(10, BATTERY)).toBe('critical');
      expect(classify(-1, BATTERY)).toBe('critical');
    });

    it('above: reaching a threshold counts', () => {
      expect(classify(79.99, CPU)).toBe('normal');
      expect(classify(80, CPU)).toBe('warning');
      expect(classify(94.99, CPU)).toBe('warning');
      expect(classify(95, CPU)).toBe('critical');
      expect(classify(1_000, CPU)).toBe('critical');
    });

    it('warning and critical at the same value: reaching it is critical', () => {
      const signal: Threshold = { ...CPU, warning: 1, critical: 1, clearMargin: 0 };
      expect(classify(0, signal)).toBe('normal');
      expect(classify(1, signal)).toBe('critical');
    });
  });

  describe('cleared', () => {
    it('below: strictly past warning + margin', () => {
      expect(cleared(23, BATTERY)).toBe(false);
      expect(cleared(23.01, BATTERY)).toBe(true);
      expect(cleared(21, BATTERY)).toBe(false);
    });

    it('above: strictly past warning - margin', () => {
      expect(cleared(75, CPU)).toBe(false);
      expect(cleared(74.99, CPU)).toBe(true);
      expect(cleared(79, CPU)).toBe(false);
    });

    it('with no margin: strictly past the warning threshold itself', () => {
      expect(cleared(20, { ...BATTERY, clearMargin: 0 })).toBe(false);
      expect(cleared(20.001, { ...BATTERY, clearMargin: 0 })).toBe(true);
      expect(cleared(80, { ...CPU, clearMargin: 0 })).toBe(false);
      expect(cleared(79.999, { ...CPU, clearMargin: 0 })).toBe(true);
    });
  });
});
