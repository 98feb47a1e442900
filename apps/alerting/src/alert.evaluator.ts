import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { TELEMETRY_STREAM, telemetryEventSchema, type AlertEvent } from '@fleet/contracts';
import type { DB } from '@fleet/database';
import { EVENT_BUS, LIVE_STATE, type EventBus, type LiveState, type Subscription } from '@fleet/messaging';
import { CLOCK, HealthRegistry, LOGGER, type Clock, type FailureHealth } from '@fleet/platform';
import { AlertPublisher } from './alert.publisher';
import { AlertingMetrics } from './alerting.metrics';
import { AlertingRepository, OFFLINE_METRIC, OFFLINE_SOURCE, stateKey, type StoredState } from './alerting.repository';
import { AlertingSettings } from './alerting.settings';
import { alertTypeOf, describeBreach, describeResolution } from './evaluation/alert-text';
import { observe, type MetricSample, type Observation } from './evaluation/observation';
import { step, type FiringSeverity, type Threshold, type Transition } from './evaluation/threshold-state';

/** The consumer group alerting replicas share: each telemetry event is evaluated by one of them. */
export const ALERTING_GROUP = 'alerting';

const BATCH_SIZE = 500;

interface Outcome {
  events: AlertEvent[];
  /** Robots heard from again after being marked offline for silence, with the status to show live. */
  backOnline: { robotId: string; status: string; at: Date }[];
}

/**
 * Evaluates telemetry events against thresholds and raises, escalates and resolves alerts. Events come from the
 * bus at least once, to whichever replica; each batch runs in one transaction holding its robots' locks and reads
 * and writes the shared evaluation state, so replicas and redeliveries never open a second alert.
 */
@Injectable()
export class AlertEvaluator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(AlertingRepository) private readonly repository: AlertingRepository,
    @Inject(AlertingSettings) private readonly settings: AlertingSettings,
    @Inject(AlertPublisher) private readonly publisher: AlertPublisher,
    @Inject(AlertingMetrics) private readonly metrics: AlertingMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'alerting' });
    this.health = health.track('alerting', 'evaluation', { group: ALERTING_GROUP });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.bus.subscribe<unknown>(
      TELEMETRY_STREAM,
      ALERTING_GROUP,
      `${ALERTING_GROUP}-${this.config.instanceId}`,
      async (events) => {
        try {
          await this.evaluate(events.map((e) => e.data));
          this.health.succeeded();
        } catch (error) {
          this.health.failed(error);
          this.log.warn({ err: error, events: events.length }, 'cannot evaluate telemetry events; retrying');
          throw error;
        }
      },
      // In memory (the all-in-one process) the stream starts empty with the process: read it from the beginning so
      // nothing ingest publishes before this subscription exists is missed. A Redis group keeps its position.
      { batchSize: BATCH_SIZE, from: this.config.redis.url ? 'end' : 'beginning' },
    );
    await this.subscription.ready;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /**
   * Evaluates a batch of telemetry events (as published by ingest) and commits what they change. Throws when the
   * database fails, so the bus delivers the batch again; events that do not parse are counted and skipped.
   */
  async evaluate(batch: readonly unknown[]): Promise<void> {
    const started = process.hrtime.bigint();
    const observations: Observation[] = [];
    for (const item of batch) {
      const parsed = telemetryEventSchema.safeParse(item);
      if (parsed.success) {
        observations.push(observe(parsed.data));
      } else {
        this.metrics.events.inc({ result: 'invalid' });
        this.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'skipping a telemetry event that does not parse');
      }
    }
    if (observations.length === 0) return;
    let outcome: Outcome;
    try {
      outcome = await this.evaluateTogether(observations);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      // Something in this batch cannot be evaluated however often it is tried: judge each robot's events on their
      // own, so one robot's bad data does not stop alerting for the fleet.
      outcome = await this.evaluateRobotByRobot(observations, error);
    }
    this.metrics.events.inc({ result: 'evaluated' }, observations.length);
    this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await this.publisher.publish(outcome.events);
    for (const { robotId, status, at } of outcome.backOnline) {
      await this.live.setStatus(robotId, status, at).catch((error: unknown) => {
        this.log.warn({ err: error, robotId }, 'cannot set live status');
      });
    }
  }

  private evaluateTogether(observations: readonly Observation[]): Promise<Outcome> {
    const robots = [...new Set(observations.map((o) => o.robotId))];
    const now = this.clock.now();
    return this.repository.transaction(async (trx) => {
      await this.repository.lockRobots(trx, robots);
      const states = await this.repository.loadStates(trx, robots);
      const run = new BatchRun(trx, this.repository, this.settings, states, now);
      for (const observation of observations) await run.apply(observation);
      await this.repository.saveStates(trx, [...run.changed.values()], now);
      return run.outcome;
    });
  }

  private async evaluateRobotByRobot(observations: readonly Observation[], cause: unknown): Promise<Outcome> {
    const outcome: Outcome = { events: [], backOnline: [] };
    const byRobot = new Map<string, Observation[]>();
    for (const o of observations) byRobot.set(o.robotId, [...(byRobot.get(o.robotId) ?? []), o]);
    for (const [robotId, own] of byRobot) {
      try {
        const result = await this.evaluateTogether(own);
        outcome.events.push(...result.events);
        outcome.backOnline.push(...result.backOnline);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        this.metrics.events.inc({ result: 'failed' }, own.length);
        this.log.error(
          { err: error, robotId, events: own.length, batchError: (cause as Error).message },
          'cannot evaluate these telemetry events of the robot; skipped (they stay stored as telemetry)',
        );
      }
    }
    return outcome;
  }
}

/**
 * Whether retrying cannot help: a programming or data error (a TypeError, SQLSTATE classes 22 data exception,
 * 23 integrity violation, 42 syntax or undefined object). Lost connections, timeouts, deadlocks and a database
 * that is starting or shutting down are worth retrying.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

/** One batch's evaluation inside its transaction: states as they change, and what to announce afterwards. */
class BatchRun {
  readonly changed = new Map<string, StoredState>();
  readonly outcome: Outcome = { events: [], backOnline: [] };

  constructor(
    private readonly trx: Kysely<DB>,
    private readonly repository: AlertingRepository,
    private readonly settings: AlertingSettings,
    private readonly states: Map<string, StoredState>,
    private readonly now: Date,
  ) {}

  async apply(o: Observation): Promise<void> {
    await this.heardFrom(o);
    for (const sample of o.samples) await this.judge(o, sample);
  }

  private current(key: string): StoredState | undefined {
    return this.changed.get(key) ?? this.states.get(key);
  }

  /** A robot marked offline for silence that speaks again is back: alert resolved, status online, `connected`. */
  private async heardFrom(o: Observation): Promise<void> {
    const key = stateKey(o.robotId, OFFLINE_METRIC, OFFLINE_SOURCE);
    const offline = this.current(key);
    if (offline?.state !== 'firing') return;
    // `since` is where the silence that was judged begins (the sweep's time less the timeout): a message received
    // before it (redelivered, or late through a backlog) proves nothing.
    if (offline.since && o.receivedAt.getTime() <= offline.since.getTime()) return;
    this.changed.set(key, {
      ...offline,
      state: 'normal',
      severity: null,
      since: null,
      value: null,
      eventAt: o.receivedAt,
      alertId: null,
    });
    // `value` is how long it had been silent when marked offline (at `eventAt`).
    const silentS =
      offline.value === null
        ? null
        : Math.round(offline.value + (o.receivedAt.getTime() - offline.eventAt.getTime()) / 1000);
    if (offline.alertId !== null) {
      const event = await this.repository.autoResolveAlert(this.trx, offline.alertId, {
        note: `heard from again after ${silentS ?? '?'} s of silence`,
        at: this.now,
        details: { back_at: o.receivedAt.toISOString() },
      });
      if (event) this.outcome.events.push(event);
    }
    // A clean goodbye is ingest's to record (as `disconnected`); any other message means the robot is back.
    if (o.kind === 'status' && o.status === 'offline') return;
    // A status message has set the robot's status already (ingest writes it before publishing the event).
    if (o.kind !== 'status') await this.repository.markOnline(this.trx, o.robotId, o.receivedAt);
    await this.repository.logConnection(this.trx, {
      robotId: o.robotId,
      event: 'connected',
      at: o.receivedAt,
      // Ingest's key for this message: when ingest logged the reconnection itself, it is not logged twice.
      key: o.messageKey,
      details: { source: 'alerting', after_silence_s: silentS, message: o.kind },
    });
    // Stamped with the time of receipt: the robot's own clock may be behind the moment it was marked offline.
    this.outcome.backOnline.push({ robotId: o.robotId, status: o.status ?? 'online', at: o.receivedAt });
  }

  private async judge(o: Observation, sample: MetricSample): Promise<void> {
    const key = stateKey(o.robotId, sample.metric, sample.source);
    const prev = this.current(key);
    const threshold = this.settings.threshold(o.robotId, sample.metric);
    if (!prev && threshold === null) return;
    const alertType = alertTypeOf(sample.metric);
    const { next, transition } = step(prev, { value: sample.value, at: o.time }, threshold, {
      snoozed: this.settings.snoozed(o.robotId, alertType),
      excused: sample.metric === 'battery' && o.charging === true ? 'charging' : undefined,
    });
    if (!next) return;
    const stored: StoredState = { ...next, robotId: o.robotId, metric: sample.metric, source: sample.source };
    if (transition) stored.alertId = await this.act(o, sample, transition, threshold, prev?.alertId ?? null, stored);
    this.changed.set(key, stored);
  }

  /** Carries out a transition on the alerts table; returns the alert the state now points at. */
  private async act(
    o: Observation,
    sample: MetricSample,
    transition: Transition,
    threshold: Threshold | null,
    alertId: number | null,
    state: StoredState,
  ): Promise<number | null> {
    switch (transition.type) {
      case 'open': {
        const t = threshold as Threshold;
        const wording = breach(o, sample, transition.severity, transition.value, t);
        const { row, event } = await this.repository.openAlert(this.trx, {
          robotId: o.robotId,
          alertType: wording.alertType,
          source: sample.source,
          severity: transition.severity,
          title: wording.title,
          message: wording.message,
          value: transition.value,
          threshold: transition.severity === 'critical' ? t.critical : t.warning,
          details: {
            metric: sample.metric,
            direction: t.direction,
            warning_threshold: t.warning,
            critical_threshold: t.critical,
            pending_s: t.pendingMs / 1000,
            clear_margin: t.clearMargin,
            since: transition.since.toISOString(),
            sample_time: o.time.toISOString(),
            message_key: o.messageKey,
            ...(sample.note && { note: sample.note }),
          },
          at: this.now,
        });
        if (event) this.outcome.events.push(event);
        return row.id;
      }
      case 'escalate': {
        if (alertId === null) return null;
        const t = threshold as Threshold;
        const wording = breach(o, sample, transition.severity, transition.value, t);
        const event = await this.repository.escalateAlert(this.trx, alertId, {
          severity: transition.severity,
          title: wording.title,
          message: wording.message,
          value: transition.value,
          threshold: t.critical,
          at: this.now,
        });
        if (event) this.outcome.events.push(event);
        return alertId;
      }
      case 'resolve': {
        if (alertId !== null) {
          const event = await this.repository.autoResolveAlert(this.trx, alertId, {
            note: describeResolution(transition.reason, sample.metric, transition.value, threshold),
            at: this.now,
            details: { resolved_value: transition.value, resolved_sample_time: o.time.toISOString() },
          });
          if (event) this.outcome.events.push(event);
        }
        return state.alertId;
      }
    }
  }
}

function breach(o: Observation, sample: MetricSample, severity: FiringSeverity, value: number, t: Threshold) {
  return describeBreach(o.robotId, sample.metric, sample.source, severity, value, t, sample.note);
}
