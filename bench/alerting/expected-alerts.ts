// What alerting should make of the published events, worked out apart from it: the benchmark's correctness check.
import { observe } from '@apps/alerting/src/evaluation/observation';
import { ThresholdBook, type ThresholdRow } from '@apps/alerting/src/evaluation/threshold-book';
import { step, type ConditionState } from '@apps/alerting/src/evaluation/threshold-state';
import type { TelemetryEvent } from '@fleet/contracts';

/**
 * Runs events through the same pure state machine alerting uses, in publishing order (one consumer evaluates
 * them in that order), and counts the alerts that should open, escalate and resolve. Nothing in the benchmark is
 * charging, snoozed or silent, so thresholds alone decide. Feed it every event in order; `thresholds` changes
 * the rows applied from the next event on.
 */
export class ExpectedAlerts {
  opened = 0;
  escalated = 0;
  resolved = 0;
  private book: ThresholdBook;
  private readonly states = new Map<string, ConditionState>();

  constructor(rows: readonly ThresholdRow[]) {
    this.book = new ThresholdBook(rows);
  }

  thresholds(rows: readonly ThresholdRow[]): void {
    this.book = new ThresholdBook(rows);
  }

  add(event: TelemetryEvent): void {
    const o = observe(event);
    for (const sample of o.samples) {
      const key = `${o.robotId}|${sample.metric}|${sample.source}`;
      const prev = this.states.get(key);
      const threshold = this.book.resolve(o.robotId, sample.metric);
      if (!prev && threshold === null) continue;
      const { next, transition } = step(prev, { value: sample.value, at: o.time }, threshold);
      if (!next) continue;
      // An opened alert's row id; only whether there is one matters here.
      this.states.set(key, transition?.type === 'open' ? { ...next, alertId: 1 } : next);
      if (transition?.type === 'open') this.opened++;
      else if (transition?.type === 'escalate') this.escalated++;
      else if (transition?.type === 'resolve') this.resolved++;
    }
  }
}
