/** How bad a value is against a threshold. */
export type Level = 'normal' | 'warning' | 'critical';
export type FiringSeverity = 'warning' | 'critical';

/** A threshold as evaluation needs it (from an `alert_thresholds` row, or built in). */
export interface Threshold {
  metric: string;
  warning: number;
  critical: number;
  /** `above`: higher is worse (cpu); `below`: lower is worse (battery). */
  direction: 'above' | 'below';
  /** The condition must hold this long (by the samples' own times) before an alert opens. */
  pendingMs: number;
  /** Hysteresis: a firing alert resolves only once the value is past the warning threshold by this much. */
  clearMargin: number;
  autoResolve: boolean;
}

/** Where one (robot, metric, source) stands; kept in `alert_states`. */
export interface ConditionState {
  state: 'normal' | 'pending' | 'firing';
  severity: FiringSeverity | null;
  /** When the condition began. */
  since: Date | null;
  value: number | null;
  /** Time of the newest sample that changed this state; older or repeated samples are ignored. */
  eventAt: Date;
  alertId: number | null;
}

export interface Sample {
  value: number;
  at: Date;
}

export type Transition =
  | { type: 'open'; severity: FiringSeverity; value: number; since: Date }
  | { type: 'escalate'; severity: FiringSeverity; value: number }
  | { type: 'resolve'; value: number | null; reason: ResolveReason };

export type ResolveReason = 'recovered' | 'charging' | 'threshold_disabled';

export interface StepContext {
  /** A snooze covers this alert: nothing opens meanwhile (the condition stays pending). */
  snoozed?: boolean;
  /** The condition is expected and not alerted on (a battery while charging): open alerts resolve. */
  excused?: ResolveReason;
}

export interface StepResult {
  /** The state to store, or null when nothing changed (no write needed). */
  next: ConditionState | null;
  transition: Transition | null;
}

const UNCHANGED: StepResult = { next: null, transition: null };

/** Whether `value` is normal, warning or critical against `t` (reaching a threshold counts). */
export function classify(value: number, t: Threshold): Level {
  if (t.direction === 'above') {
    if (value >= t.critical) return 'critical';
    return value >= t.warning ? 'warning' : 'normal';
  }
  if (value <= t.critical) return 'critical';
  return value <= t.warning ? 'warning' : 'normal';
}

/** Whether `value` is far enough back from the warning threshold for a firing alert to resolve. */
export function cleared(value: number, t: Threshold): boolean {
  return t.direction === 'above' ? value < t.warning - t.clearMargin : value > t.warning + t.clearMargin;
}

/**
 * One sample through the state machine normal → pending → firing(warning|critical) → normal. Pure: the caller
 * stores `next` and acts on `transition`. A sample not newer than the last state change is ignored, so
 * redelivered and late samples never open, escalate or resolve anything twice.
 *
 * - normal: a bad value starts pending (or fires at once when the pending period is 0).
 * - pending: a normal value ends it; a bad value held for the pending period fires, at the current level.
 * - firing: a critical value escalates a warning (same alert); a value past the warning threshold by the clear
 *   margin resolves it when the threshold auto-resolves; anything in between changes nothing, so a value
 *   oscillating around the threshold opens one alert, not many. Severity never goes down while firing.
 * - threshold null (none, or disabled): a firing alert resolves, pending ends.
 */
export function step(
  prev: ConditionState | undefined,
  sample: Sample,
  threshold: Threshold | null,
  context: StepContext = {},
): StepResult {
  if (prev && sample.at.getTime() <= prev.eventAt.getTime()) return UNCHANGED;
  const current = prev?.state === 'firing' && prev.alertId === null ? undefined : prev;

  const excuse = threshold === null ? 'threshold_disabled' : context.excused;
  if (excuse !== undefined || threshold === null) {
    if (!current || current.state === 'normal') return UNCHANGED;
    return {
      next: normal(sample),
      transition:
        current.state === 'firing' ? { type: 'resolve', value: sample.value, reason: excuse ?? 'recovered' } : null,
    };
  }

  const level = classify(sample.value, threshold);
  if (!current || current.state === 'normal') {
    if (level === 'normal') return UNCHANGED;
    return startOrFire(sample, level, sample.at, threshold, context);
  }

  if (current.state === 'pending') {
    if (level === 'normal') return { next: normal(sample), transition: null };
    return startOrFire(sample, level, current.since ?? sample.at, threshold, context);
  }

  // firing
  if (threshold.autoResolve && cleared(sample.value, threshold)) {
    return { next: normal(sample), transition: { type: 'resolve', value: sample.value, reason: 'recovered' } };
  }
  if (level === 'critical' && current.severity === 'warning') {
    return {
      next: { ...current, severity: 'critical', value: sample.value, eventAt: sample.at },
      transition: { type: 'escalate', severity: 'critical', value: sample.value },
    };
  }
  return UNCHANGED;
}

function startOrFire(
  sample: Sample,
  level: FiringSeverity,
  since: Date,
  threshold: Threshold,
  context: StepContext,
): StepResult {
  const held = sample.at.getTime() - since.getTime() >= threshold.pendingMs;
  if (held && !context.snoozed) {
    return {
      next: { state: 'firing', severity: level, since, value: sample.value, eventAt: sample.at, alertId: null },
      transition: { type: 'open', severity: level, value: sample.value, since },
    };
  }
  return {
    next: { state: 'pending', severity: level, since, value: sample.value, eventAt: sample.at, alertId: null },
    transition: null,
  };
}

function normal(sample: Sample): ConditionState {
  return { state: 'normal', severity: null, since: null, value: sample.value, eventAt: sample.at, alertId: null };
}
