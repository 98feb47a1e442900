import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { AlertEvaluator } from '@apps/alerting/src/alert.evaluator';
import { AlertingMetrics } from '@apps/alerting/src/alerting.metrics';
import { AlertingModule } from '@apps/alerting/src/alerting.module';
import { AlertingRepository } from '@apps/alerting/src/alerting.repository';
import { AlertingSettings } from '@apps/alerting/src/alerting.settings';
import { OfflineDetector } from '@apps/alerting/src/offline.detector';
import { ALERT_STREAM, TELEMETRY_STREAM, type AlertEvent, type TelemetryEvent } from '@fleet/contracts';
import {
  AlertRepository,
  AlertSnoozeRepository,
  AlertThresholdRepository,
  AlertWebhookRepository,
  DATABASE,
  RobotRepository,
  ServiceHeartbeatRepository,
  type DB,
} from '@fleet/database';
import { EVENT_BUS, LIVE_STATE, verifyWebhookSignature, type EventBus, type LiveState } from '@fleet/messaging';
import { ManualClock } from '@fleet/platform';
import { startApp, type RunningApp } from '../support/app';
import { DatabaseFactory, embeddedTarget, type DatabaseTarget } from '../support/database';
import { eventually } from '../support/eventually';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

interface Setup {
  name: string;
  target(): DatabaseTarget;
  env(): Record<string, string>;
  /** Whether two processes share the event bus (Redis), so two alerting replicas can be tested. */
  shared: boolean;
}

const allInOne: Setup = {
  name: 'embedded PostgreSQL and in-memory events',
  target: () => embeddedTarget(),
  env: () => ({}),
  shared: false,
};

function realServers(): Setup {
  return {
    name: 'PostgreSQL, Redis and Mosquitto',
    target: () => ({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string }),
    env: () => ({
      MQTT_URL: serverUrl('MQTT_URL') as string,
      REDIS_URL: serverUrl('REDIS_URL') as string,
    }),
    shared: true,
  };
}

const needed = ['DATABASE_URL', 'REDIS_URL', 'MQTT_URL'] as const;
const missing = needed.filter((v) => !serverUrl(v));
const setups: Setup[] = [allInOne, ...(missing.length === 0 ? [realServers()] : [])];
if (missing.length > 0) reportMissingServer(missing[0], 'alerting against real servers');

const SECOND = 1_000;

describe.each(setups)('alerting on $name', (setup) => {
  let factory: DatabaseFactory;
  const running: RunningApp[] = [];

  beforeAll(() => {
    factory = new DatabaseFactory(setup.target());
  });
  afterAll(async () => {
    await factory.dispose();
  });
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
  });

  /** One alerting process; `shared` gives it the database and Redis prefix of an earlier one. */
  class Alerting {
    readonly evaluator: AlertEvaluator;
    readonly detector: OfflineDetector;
    readonly settings: AlertingSettings;
    readonly bus: EventBus;
    readonly live: LiveState;
    readonly db: Kysely<DB>;
    readonly alertEvents: AlertEvent[] = [];

    constructor(
      readonly app: RunningApp,
      readonly clock: ManualClock,
      readonly databaseUrl: string,
      readonly prefix: string,
    ) {
      this.evaluator = app.app.get(AlertEvaluator);
      this.detector = app.app.get(OfflineDetector);
      this.settings = app.app.get(AlertingSettings);
      this.bus = app.app.get(EVENT_BUS);
      this.live = app.app.get(LIVE_STATE);
      this.db = app.app.get(DATABASE);
    }

    static async start(
      options: { clock?: ManualClock; databaseUrl?: string; prefix?: string; env?: Record<string, string> } = {},
    ): Promise<Alerting> {
      const clock = options.clock ?? new ManualClock(new Date());
      const databaseUrl = options.databaseUrl ?? (await factory.create()).url;
      const prefix = options.prefix ?? `${uniqueName('alerting')}:`;
      const app = await startApp(
        AlertingModule,
        'alerting',
        {
          ...setup.env(),
          DATABASE_URL: databaseUrl,
          REDIS_KEY_PREFIX: prefix,
          // Sweeps are driven by the tests; settings reread quickly so a change shows within the test.
          ALERT_CHECK_INTERVAL_MS: '300000',
          ALERT_REFRESH_MS: '200',
          ...options.env,
        },
        { clock },
      );
      running.push(app);
      const alerting = new Alerting(app, clock, databaseUrl, prefix);
      const subscription = alerting.bus.subscribe<AlertEvent>(ALERT_STREAM, uniqueName('watch'), 'test', (batch) => {
        alerting.alertEvents.push(...batch.map((e) => e.data));
        return Promise.resolve();
      });
      await subscription.ready;
      return alerting;
    }

    /** Publishes events as ingest does and waits until alerting has evaluated them. */
    async publish(...events: TelemetryEvent[]): Promise<void> {
      const before = await this.evaluated();
      await this.bus.publish(TELEMETRY_STREAM, events);
      await eventually(async () => {
        const evaluated = await this.evaluated();
        if (evaluated < before + events.length) throw new Error(`${evaluated - before} of ${events.length} evaluated`);
      });
    }

    async evaluated(): Promise<number> {
      const metric = await this.app.app.get(AlertingMetrics).events.get();
      return metric.values.find((v) => v.labels.result === 'evaluated')?.value ?? 0;
    }

    alerts(robotId: string) {
      return this.db.selectFrom('alerts').selectAll().where('robot_id', '=', robotId).orderBy('id').execute();
    }

    connectionEvents(robotId: string) {
      return this.db
        .selectFrom('robot_connection_logs')
        .select(['event', 'details'])
        .where('robot_id', '=', robotId)
        .orderBy('id')
        .execute();
    }

    async close(): Promise<void> {
      running.splice(running.indexOf(this.app), 1);
      await this.app.close();
    }

    async robotStatus(robotId: string) {
      const robot = await this.db
        .selectFrom('robots')
        .select('status')
        .where('robot_id', '=', robotId)
        .executeTakeFirstOrThrow();
      return robot.status;
    }
  }

  let sequence = 0;
  /** A telemetry event as ingest publishes it for one robot message. */
  function telemetry(
    robotId: string,
    kind: string,
    at: Date,
    data: Record<string, unknown>,
    receivedAt: Date = at,
  ): TelemetryEvent {
    sequence += 1;
    return {
      messageKey: `test:${sequence}`,
      robotId,
      kind,
      time: at.toISOString(),
      receivedAt: receivedAt.toISOString(),
      clock: 'ok',
      data: { robot_id: robotId, ...data },
    };
  }
  const battery = (robotId: string, at: Date, percentage: number, charging = false) =>
    telemetry(robotId, 'battery', at, { percentage, charging, voltage: 11.1 });
  const cpu = (robotId: string, at: Date, cpuPercent: number) =>
    telemetry(robotId, 'status', at, { status: 'online', system_info: { cpu_percent: cpuPercent } });
  const after = (start: Date, seconds: number) => new Date(start.getTime() + seconds * SECOND);

  it('battery at 19% for less than the pending period raises nothing; held past it raises one warning; at 9% it escalates the same alert to critical; back to 25% it resolves', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();

    await alerting.publish(battery(robot, t0, 19), battery(robot, after(t0, 20), 19));
    expect(await alerting.alerts(robot)).toEqual([]);

    await alerting.publish(battery(robot, after(t0, 31), 19));
    const [warning] = await alerting.alerts(robot);
    expect(await alerting.alerts(robot)).toHaveLength(1);
    expect(warning).toMatchObject({
      alert_type: 'battery',
      source: 'battery',
      severity: 'warning',
      value: 19,
      threshold: 20,
      resolved: false,
      acknowledged: false,
    });
    expect(warning.title).toBe('Low battery');
    expect(warning.message).toContain('19%');

    await alerting.publish(battery(robot, after(t0, 40), 9));
    const escalated = await alerting.alerts(robot);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ id: warning.id, severity: 'critical', value: 9, threshold: 10 });

    await alerting.publish(battery(robot, after(t0, 50), 25));
    const resolved = await alerting.alerts(robot);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({
      id: warning.id,
      resolved: true,
      resolution: 'auto',
      resolved_by: null,
      resolution_note: 'battery back to 25%',
    });
    await eventually(() =>
      expect(alerting.alertEvents.filter((e) => e.alert.robot_id === robot).map((e) => e.event)).toEqual([
        'opened',
        'escalated',
        'resolved',
      ]),
    );
  });

  it('a warning someone acknowledged needs attention again when it escalates to critical; who acknowledged it is kept', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await alerting.publish(battery(robot, t0, 19), battery(robot, after(t0, 31), 19));
    const [warning] = await alerting.alerts(robot);
    const acknowledgedAt = after(t0, 35);
    await alerting.app.app.get(AlertRepository).acknowledge(warning.id, 'alice', acknowledgedAt);
    expect(await alerting.alerts(robot)).toMatchObject([{ acknowledged: true, acknowledged_by: 'alice' }]);

    await alerting.publish(battery(robot, after(t0, 40), 9));
    const [critical] = await alerting.alerts(robot);
    expect(critical).toMatchObject({
      id: warning.id,
      severity: 'critical',
      acknowledged: false,
      acknowledged_by: null,
      acknowledged_at: null,
    });
    const kept = (critical.details as { warning_acknowledged?: { by: string; at: string } }).warning_acknowledged;
    expect(kept?.by).toBe('alice');
    expect(new Date(kept?.at ?? 0)).toEqual(acknowledgedAt);
    await eventually(() =>
      expect(
        alerting.alertEvents
          .filter((e) => e.alert.robot_id === robot && e.event === 'escalated')
          .map((e) => e.alert.acknowledged),
      ).toEqual([false]),
    );
  });

  it('a value oscillating around the threshold inside the margin opens exactly one alert', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    await alerting.app.app
      .get(AlertThresholdRepository)
      .upsert({ robot_id: robot, metric_type: 'cpu', warning_threshold: 70, critical_threshold: 90, pending_s: 0 });
    await alerting.settings.refresh();
    const t0 = alerting.clock.now();
    // cpu's clear margin is 5: the alert resolves only below 65.
    const values = [71, 68, 72, 66, 71, 69, 73];
    await alerting.publish(...values.map((v, i) => cpu(robot, after(t0, i * 10), v)));
    const open = await alerting.alerts(robot);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ alert_type: 'performance', source: 'cpu', severity: 'warning', resolved: false });

    await alerting.publish(cpu(robot, after(t0, 100), 60));
    expect(await alerting.alerts(robot)).toMatchObject([{ id: open[0].id, resolved: true }]);
  });

  it('redelivered events create no duplicates, also after the alert resolved', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    const low = [battery(robot, t0, 15), battery(robot, after(t0, 30), 15)];
    await alerting.publish(...low);
    await alerting.publish(...low);
    expect(await alerting.alerts(robot)).toHaveLength(1);

    const recovered = battery(robot, after(t0, 60), 80);
    await alerting.publish(recovered);
    // The whole run again, in order, as a consumer that crashed before acknowledging would get it.
    await alerting.publish(...low, recovered);
    const alerts = await alerting.alerts(robot);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].resolved).toBe(true);
  });

  it('battery alerts are suppressed while the robot reports charging, and an open one resolves when it starts charging', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await alerting.publish(battery(robot, t0, 8, true), battery(robot, after(t0, 60), 8, true));
    expect(await alerting.alerts(robot)).toEqual([]);

    await alerting.publish(battery(robot, after(t0, 90), 8), battery(robot, after(t0, 130), 8));
    expect(await alerting.alerts(robot)).toMatchObject([{ severity: 'critical', resolved: false }]);
    await alerting.publish(battery(robot, after(t0, 140), 9, true));
    expect(await alerting.alerts(robot)).toMatchObject([{ resolved: true, resolution_note: 'robot is charging' }]);
  });

  it('a robot silent for 61 s with a 60 s timeout goes offline once and comes back with the next message', async () => {
    const alerting = await Alerting.start();
    const robots = alerting.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await robots.recordSighting(robot, { at: t0, status: 'online' });

    alerting.clock.advance(59 * SECOND);
    expect(await alerting.detector.sweep()).toBe(0);
    alerting.clock.advance(2 * SECOND);
    expect(await alerting.detector.sweep()).toBe(1);
    expect(await alerting.detector.sweep()).toBe(0);
    alerting.clock.advance(60 * SECOND);
    expect(await alerting.detector.sweep()).toBe(0);

    const [offline] = await alerting.alerts(robot);
    expect(await alerting.alerts(robot)).toHaveLength(1);
    expect(offline).toMatchObject({ alert_type: 'network', severity: 'critical', resolved: false, threshold: 60 });
    expect(await alerting.robotStatus(robot)).toBe('offline');
    expect((await alerting.live.get(robot))?.status).toBe('offline');
    expect((await alerting.connectionEvents(robot)).map((e) => e.event)).toEqual(['timeout']);

    // A message the robot sent before it went silent, delivered late, does not bring it back.
    await alerting.publish(battery(robot, after(t0, -5), 80));
    expect(await alerting.robotStatus(robot)).toBe('offline');

    const back = alerting.clock.advance(SECOND);
    await recordAndPublish(alerting, robots, battery(robot, back, 80));
    expect(await alerting.alerts(robot)).toMatchObject([{ id: offline.id, resolved: true, resolution: 'auto' }]);
    expect(await alerting.robotStatus(robot)).toBe('online');
    expect((await alerting.live.get(robot))?.status).toBe('online');
    expect((await alerting.connectionEvents(robot)).map((e) => e.event)).toEqual(['timeout', 'connected']);
    await eventually(() =>
      expect(alerting.alertEvents.filter((e) => e.alert.robot_id === robot).map((e) => e.event)).toEqual([
        'opened',
        'resolved',
      ]),
    );
  });

  it('robots registered but never heard from go offline a timeout after alerting started; a per-robot timeout wins; a clean offline raises nothing', async () => {
    const alerting = await Alerting.start();
    const robots = alerting.app.app.get(RobotRepository);
    const quiet = uniqueName('never');
    const patient = uniqueName('patient');
    const gone = uniqueName('gone');
    await robots.create(quiet);
    await robots.create(patient, { offline_timeout_s: 300 });
    await robots.recordSighting(gone, { at: alerting.clock.now(), status: 'offline' });

    alerting.clock.advance(61 * SECOND);
    expect(await alerting.detector.sweep()).toBe(1);
    expect(await alerting.alerts(quiet)).toMatchObject([{ alert_type: 'network', resolved: false }]);
    expect(await alerting.alerts(patient)).toEqual([]);

    alerting.clock.advance(240 * SECOND);
    expect(await alerting.detector.sweep()).toBe(1);
    expect(await alerting.alerts(patient)).toMatchObject([{ alert_type: 'network', threshold: 300 }]);
    expect(await alerting.alerts(gone)).toEqual([]);
  });

  it('an operator resolving an alert while the condition holds gets a new one after the pending period; a silent robot stays offline until it speaks', async () => {
    const alerting = await Alerting.start();
    const alertRepository = alerting.app.app.get(AlertRepository);
    const robots = alerting.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await robots.recordSighting(robot, { at: t0, status: 'online' });
    await alerting.publish(battery(robot, t0, 15), battery(robot, after(t0, 30), 15));
    const [first] = await alerting.alerts(robot);
    await alertRepository.resolve(first.id, 'alice', alerting.clock.now(), 'swapped the battery');

    await alerting.publish(battery(robot, after(t0, 40), 15));
    expect(await alerting.alerts(robot)).toHaveLength(1);
    await alerting.publish(battery(robot, after(t0, 75), 15));
    const alerts = await alerting.alerts(robot);
    expect(alerts.map((a) => [a.alert_type, a.resolved, a.resolved_by])).toEqual([
      ['battery', true, 'alice'],
      ['battery', false, null],
    ]);

    alerting.clock.advance(61 * SECOND);
    expect(await alerting.detector.sweep()).toBe(1);
    const network = (await alerting.alerts(robot)).find((a) => a.alert_type === 'network');
    await alertRepository.resolve(network?.id ?? -1, 'alice', alerting.clock.now());
    alerting.clock.advance(120 * SECOND);
    expect(await alerting.detector.sweep()).toBe(0);
    expect(await alerting.robotStatus(robot)).toBe('offline');

    await recordAndPublish(alerting, robots, battery(robot, alerting.clock.now(), 90));
    expect(await alerting.robotStatus(robot)).toBe('online');
    expect((await alerting.connectionEvents(robot)).map((e) => e.event)).toEqual(['timeout', 'connected']);
    expect((await alerting.alerts(robot)).filter((a) => a.alert_type === 'network')).toHaveLength(1);
  });

  it('when ingest stalls, silent robots are not taken for offline: one system alert says telemetry is not coming in, resolved once ingest catches up', async () => {
    const alerting = await Alerting.start();
    const heartbeats = alerting.app.app.get(ServiceHeartbeatRepository);
    const robots = alerting.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await robots.recordSighting(robot, { at: t0, status: 'online' });
    // Ingest is alive but stuck on a batch received at t0 + 1 s (its store is down).
    await heartbeats.beat('ingest', 'ingest-0', t0, after(t0, 1));
    const stuck = after(t0, 1);
    for (const seconds of [30, 60, 90]) {
      alerting.clock.set(after(t0, seconds));
      await heartbeats.beat('ingest', 'ingest-0', alerting.clock.now(), stuck);
      expect(await alerting.detector.sweep()).toBe(0);
    }
    const system = await alerting.db.selectFrom('alerts').selectAll().where('robot_id', 'is', null).execute();
    expect(system).toMatchObject([
      { alert_type: 'system', source: 'ingest', severity: 'critical', title: 'Telemetry is not coming in' },
    ]);
    expect(system[0].message).toContain('89 s behind');
    expect(await alerting.robotStatus(robot)).toBe('online');

    // Ingest stops reporting altogether: still nobody is marked offline, still one alert.
    alerting.clock.set(after(t0, 200));
    expect(await alerting.detector.sweep()).toBe(0);
    expect(await alerting.db.selectFrom('alerts').select('id').where('robot_id', 'is', null).execute()).toHaveLength(1);

    // Ingest catches up: nothing came from the robot after t0, so now it is offline, and the system alert resolves.
    await heartbeats.beat('ingest', 'ingest-0', alerting.clock.now(), alerting.clock.now());
    expect(await alerting.detector.sweep()).toBe(1);
    expect(await alerting.db.selectFrom('alerts').selectAll().where('robot_id', 'is', null).execute()).toMatchObject([
      { resolved: true, resolution: 'auto', resolution_note: 'ingest is keeping up again' },
    ]);
    expect(await alerting.alerts(robot)).toMatchObject([{ alert_type: 'network' }]);
  });

  it('a restart of alerting does not forget who was silent', async () => {
    const first = await Alerting.start();
    const robots = first.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    await robots.recordSighting(robot, { at: first.clock.now(), status: 'online' });
    first.clock.advance(61 * SECOND);
    expect(await first.detector.sweep()).toBe(1);
    await first.close();

    const clock = new ManualClock(first.clock.advance(600 * SECOND));
    const second = await Alerting.start({ clock, databaseUrl: first.databaseUrl, prefix: first.prefix });
    clock.advance(120 * SECOND);
    expect(await second.detector.sweep()).toBe(0);
    expect(await second.alerts(robot)).toHaveLength(1);

    const secondRobots = second.app.app.get(RobotRepository);
    await recordAndPublish(second, secondRobots, battery(robot, clock.advance(SECOND), 70));
    expect(await second.alerts(robot)).toMatchObject([{ resolved: true }]);
    expect(await second.robotStatus(robot)).toBe('online');
  });

  it('an e-stop acknowledged by a robot raises a critical emergency_stop alert, resolved when it resumes', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    const ack = {
      command_id: 'emg_1',
      type: 'emergency_stop',
      success: true,
      reason: 'Operator pressed stop',
      state: { emergency_stopped: true },
    };
    // The robot copies its acknowledgement to both response topics: still one alert.
    await alerting.publish(
      telemetry(robot, 'emergency_stop_response', t0, ack),
      telemetry(robot, 'command_response', t0, ack),
    );
    const alerts = await alerting.alerts(robot);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ alert_type: 'emergency_stop', severity: 'critical', resolved: false });
    expect(alerts[0].message).toContain('Operator pressed stop');

    await alerting.publish(
      telemetry(robot, 'command_response', after(t0, 30), { command_id: 'res_1', type: 'resume', success: true }),
    );
    expect(await alerting.alerts(robot)).toMatchObject([{ resolved: true, resolution_note: 'robot resumed' }]);
  });

  it('a robot reporting status error raises a system alert, resolved when it reports online', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await alerting.publish(
      telemetry(robot, 'status', t0, { status: 'error', system_info: { error: 'camera not found' } }),
    );
    expect(await alerting.alerts(robot)).toMatchObject([
      { alert_type: 'system', source: 'status', severity: 'critical', message: `${robot}: camera not found` },
    ]);
    await alerting.publish(cpu(robot, after(t0, 10), 20));
    expect(await alerting.alerts(robot)).toMatchObject([{ resolved: true }]);
  });

  it('servo readings raise one alert per servo and kind of trouble', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    const servos = (at: Date, temperature: number, voltage: number) =>
      telemetry(robot, 'servos', at, {
        servo_count: 2,
        servos: {
          servo_1: { id: 1, name: 'Left Hip', temperature: 40, voltage: 7.4 },
          servo_3: { id: 3, name: 'Left Knee', temperature, voltage },
        },
      });
    await alerting.publish(servos(t0, 80, 4.9), servos(after(t0, 20), 80, 4.9));
    const alerts = await alerting.alerts(robot);
    expect(alerts.map((a) => [a.alert_type, a.source, a.severity]).sort()).toEqual([
      ['servo', 'servo_3', 'critical'],
      ['temperature', 'servo_3', 'critical'],
    ]);
    expect(alerts.find((a) => a.alert_type === 'temperature')?.title).toBe(
      'Servo 3 (Left Knee) overheating (critical)',
    );
  });

  it('threshold changes apply without a restart, and a disabled threshold silences the metric for that robot', async () => {
    const alerting = await Alerting.start();
    const thresholds = alerting.app.app.get(AlertThresholdRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await thresholds.upsert({
      robot_id: robot,
      metric_type: 'cpu',
      warning_threshold: 40,
      critical_threshold: 50,
      pending_s: 0,
    });
    // The settings timer (every 200 ms here) picks the change up: no refresh called.
    await eventually(() => expect(alerting.settings.threshold(robot, 'cpu')?.warning).toBe(40));
    await alerting.publish(cpu(robot, t0, 45));
    expect(await alerting.alerts(robot)).toMatchObject([{ severity: 'warning', threshold: 40 }]);

    await thresholds.upsert({
      robot_id: robot,
      metric_type: 'cpu',
      warning_threshold: 40,
      critical_threshold: 50,
      enabled: false,
    });
    await eventually(() => expect(alerting.settings.threshold(robot, 'cpu')).toBeNull());
    await alerting.publish(cpu(robot, after(t0, 10), 99));
    expect(await alerting.alerts(robot)).toMatchObject([
      { resolved: true, resolution_note: 'threshold for cpu removed or disabled' },
    ]);
  });

  it("a snoozed robot's alerts do not open until the snooze is over", async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await alerting.app.app
      .get(AlertSnoozeRepository)
      .create({ robot_id: robot, alert_type: 'battery', until: after(t0, 120), reason: 'on the bench' }, 'alice', t0);
    await alerting.settings.refresh();
    await alerting.publish(battery(robot, t0, 5), battery(robot, after(t0, 60), 5));
    expect(await alerting.alerts(robot)).toEqual([]);

    alerting.clock.set(after(t0, 121));
    await alerting.settings.refresh();
    await alerting.publish(battery(robot, after(t0, 125), 5));
    expect(await alerting.alerts(robot)).toMatchObject([{ alert_type: 'battery', severity: 'critical' }]);
  });

  it('a robot that goes silent during a snooze is marked offline without an alert, and gets its network alert once the snooze is over', async () => {
    const alerting = await Alerting.start();
    const robots = alerting.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await robots.recordSighting(robot, { at: t0, status: 'online' });
    await alerting.app.app
      .get(AlertSnoozeRepository)
      .create({ robot_id: robot, alert_type: 'network', until: after(t0, 120), reason: 'moving it' }, 'alice', t0);
    await alerting.settings.refresh();

    alerting.clock.set(after(t0, 61));
    expect(await alerting.detector.sweep()).toBe(1);
    expect(await alerting.robotStatus(robot)).toBe('offline');
    alerting.clock.set(after(t0, 119));
    await alerting.detector.sweep();
    expect(await alerting.alerts(robot)).toEqual([]);

    alerting.clock.set(after(t0, 121));
    await alerting.settings.refresh();
    await alerting.detector.sweep();
    await alerting.detector.sweep();
    const [offline] = await alerting.alerts(robot);
    expect(await alerting.alerts(robot)).toHaveLength(1);
    expect(offline).toMatchObject({ alert_type: 'network', severity: 'critical', resolved: false, value: 121 });
    expect(await alerting.robotStatus(robot)).toBe('offline');
    expect((await alerting.connectionEvents(robot)).map((e) => e.event)).toEqual(['timeout']);

    const back = alerting.clock.advance(SECOND);
    await recordAndPublish(alerting, robots, battery(robot, back, 80));
    expect(await alerting.alerts(robot)).toMatchObject([{ id: offline.id, resolved: true, resolution: 'auto' }]);
    expect(await alerting.robotStatus(robot)).toBe('online');
    await eventually(() =>
      expect(alerting.alertEvents.filter((e) => e.alert.robot_id === robot).map((e) => e.event)).toEqual([
        'opened',
        'resolved',
      ]),
    );
  });

  it("a silent robot's network alert deleted by an admin is not raised again while the robot stays silent", async () => {
    const alerting = await Alerting.start();
    const robots = alerting.app.app.get(RobotRepository);
    const robot = uniqueName('tonypi');
    const t0 = alerting.clock.now();
    await robots.recordSighting(robot, { at: t0, status: 'online' });

    alerting.clock.set(after(t0, 61));
    expect(await alerting.detector.sweep()).toBe(1);
    const [offline] = await alerting.alerts(robot);
    expect(offline).toMatchObject({ alert_type: 'network', resolved: false });
    await alerting.app.app.get(AlertRepository).remove(offline.id, 'admin', alerting.clock.now());

    for (const s of [70, 130, 600]) {
      alerting.clock.set(after(t0, s));
      await alerting.detector.sweep();
    }
    expect(await alerting.alerts(robot)).toEqual([]);
    expect(await alerting.robotStatus(robot)).toBe('offline');
  });

  it("a robot whose events cannot be evaluated is skipped and counted; the other robots' alerts still open", async () => {
    const alerting = await Alerting.start();
    const broken = uniqueName('broken');
    const fine = uniqueName('fine');
    // A row as an older system may have left it: open, and without a creation time.
    await alerting.db
      .insertInto('alerts')
      .values({
        robot_id: broken,
        alert_type: 'battery',
        source: 'battery',
        severity: 'warning',
        title: 'Low battery',
        message: 'left behind',
        created_at: null as unknown as Date,
      })
      .execute();
    const t0 = alerting.clock.now();
    await alerting.publish(
      battery(broken, t0, 15),
      battery(fine, t0, 15),
      battery(broken, after(t0, 30), 15),
      battery(fine, after(t0, 30), 15),
      battery(broken, after(t0, 40), 5),
    );
    expect(await alerting.alerts(fine)).toMatchObject([{ alert_type: 'battery', severity: 'warning' }]);
    const metric = await alerting.app.app.get(AlertingMetrics).events.get();
    expect(metric.values.find((v) => v.labels.result === 'failed')?.value).toBe(3);
  });

  it('alert changes reach a webhook, signed, in the order they happened', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // The receiver is on this machine: allowed deliberately, as a receiver on a private network would be.
      const alerting = await Alerting.start({ env: { ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
      const { port } = server.address() as AddressInfo;
      const secret = 'a-secret-of-enough-length';
      await alerting.app.app
        .get(AlertWebhookRepository)
        .create({ name: 'ops', url: `http://127.0.0.1:${port}/hook`, secret, min_severity: 'warning' }, 'admin');
      const robot = uniqueName('tonypi');
      const t0 = alerting.clock.now();
      await alerting.publish(battery(robot, t0, 15), battery(robot, after(t0, 30), 15));
      await alerting.publish(battery(robot, after(t0, 40), 5), battery(robot, after(t0, 50), 60));

      await eventually(() => expect(received).toHaveLength(3));
      const events = received.map((r) => JSON.parse(r.body) as AlertEvent);
      expect(events.map((e) => [e.event, e.alert.severity])).toEqual([
        ['opened', 'warning'],
        ['escalated', 'critical'],
        ['resolved', 'critical'],
      ]);
      for (const r of received) {
        expect(
          verifyWebhookSignature(
            secret,
            r.headers['x-fleet-timestamp'] as string,
            r.body,
            r.headers['x-fleet-signature'] as string,
            { now: alerting.clock.now() },
          ),
        ).toBe(true);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('events that do not parse are counted and skipped; the next ones are evaluated', async () => {
    const alerting = await Alerting.start();
    const robot = uniqueName('tonypi');
    await alerting.bus.publish(TELEMETRY_STREAM, [{ robotId: robot, kind: 'battery' }, 'not an event']);
    await alerting.publish(battery(robot, alerting.clock.now(), 1), battery(robot, after(alerting.clock.now(), 30), 1));
    expect(await alerting.alerts(robot)).toHaveLength(1);
    const metric = await alerting.app.app.get(AlertingMetrics).events.get();
    expect(metric.values.find((v) => v.labels.result === 'invalid')?.value).toBe(2);
  });

  if (setup.shared) {
    it('two alerting instances raise one alert', async () => {
      const a = await Alerting.start();
      const b = await Alerting.start({ clock: a.clock, databaseUrl: a.databaseUrl, prefix: a.prefix });
      const robots = a.app.app.get(RobotRepository);
      const robot = uniqueName('tonypi');
      const t0 = a.clock.now();
      await robots.recordSighting(robot, { at: t0, status: 'online' });

      // Both replicas get the same run (as when a batch is redelivered to another replica) and evaluate it at the
      // same moment: the robot's lock is held until both are waiting for it, then let go.
      const run = [0, 10, 20, 30, 40].map((s) => battery(robot, after(t0, s), 12));
      let racing: Promise<unknown> | undefined;
      await a.db.transaction().execute(async (trx) => {
        await a.app.app.get(AlertingRepository).lockRobots(trx, [robot]);
        racing = Promise.all([a.evaluator.evaluate(run), b.evaluator.evaluate(run)]);
        await eventually(async () => expect(await waitingForAdvisoryLocks(trx)).toBe(2));
      });
      await racing;

      expect([await a.evaluated(), await b.evaluated()]).toEqual([5, 5]);
      expect(await a.alerts(robot)).toMatchObject([{ alert_type: 'battery', severity: 'warning', resolved: false }]);
      await eventually(() =>
        expect(a.alertEvents.filter((e) => e.alert.robot_id === robot).map((e) => e.event)).toEqual(['opened']),
      );

      a.clock.advance(120 * SECOND);
      const swept = await Promise.all([a.detector.sweep(), b.detector.sweep()]);
      expect(swept.reduce((x, y) => x + y, 0)).toBe(1);
      expect((await a.alerts(robot)).map((x) => x.alert_type).sort()).toEqual(['battery', 'network']);
      expect((await a.connectionEvents(robot)).map((e) => e.event)).toEqual(['timeout']);
    });
  }
});

/** Connections to this database waiting for an advisory lock. */
async function waitingForAdvisoryLocks(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ waiting: number }>`
    SELECT count(*)::int AS waiting FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'
  `.execute(db);
  return rows[0]?.waiting ?? 0;
}

/** What ingest does with a robot's message: record the sighting, then publish the event. */
async function recordAndPublish(
  alerting: { publish(e: TelemetryEvent): Promise<void> },
  robots: RobotRepository,
  event: TelemetryEvent,
) {
  await robots.recordSighting(event.robotId, { at: new Date(event.receivedAt) });
  await alerting.publish(event);
}
