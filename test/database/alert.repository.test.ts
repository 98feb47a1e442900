import { sql, type Insertable, type Kysely } from 'kysely';
import { NotFoundError, type AlertEvent } from '@fleet/contracts';
import { ALERT_COLUMNS, AlertRepository, lockAlertRobots, type DB } from '@fleet/database';
import { describeEachDatabase } from '../support/database';
import { eventually } from '../support/eventually';

describeEachDatabase('AlertRepository', (factory) => {
  let db: Kysely<DB>;
  let alerts: AlertRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));

  beforeEach(async () => {
    db = (await factory().create()).db;
    alerts = new AlertRepository(db);
  });

  /** An alert as alerting would have opened it. */
  const raise = (fields: Partial<Insertable<DB['alerts']>> = {}) =>
    db
      .insertInto('alerts')
      .values({
        robot_id: 'r1',
        alert_type: 'battery',
        severity: 'warning',
        title: 'Battery low',
        message: 'battery at 18%',
        source: 'battery',
        value: 18,
        threshold: 20,
        created_at: at(0),
        ...fields,
      })
      .returning(ALERT_COLUMNS)
      .executeTakeFirstOrThrow();

  const webhook = async (name: string, fields: Partial<Insertable<DB['alert_webhooks']>> = {}) =>
    (
      await db
        .insertInto('alert_webhooks')
        .values({ name, url: `http://127.0.0.1:9/${name}`, ...fields })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  /** The delivery queue, by webhook name. */
  const outbox = async () => {
    const rows = await db
      .selectFrom('alert_notifications as n')
      .innerJoin('alert_webhooks as w', 'w.id', 'n.webhook_id')
      .select(['w.name', 'n.alert_id', 'n.event', 'n.payload', 'n.status'])
      .orderBy('n.id')
      .execute();
    return rows.map((r) => ({ ...r, payload: r.payload as unknown as AlertEvent }));
  };

  describe('listing', () => {
    beforeEach(async () => {
      await raise({ created_at: at(0) });
      await raise({ alert_type: 'temperature', severity: 'critical', source: 'cpu', created_at: at(1) });
      await raise({ robot_id: 'r2', alert_type: 'system', severity: 'info', source: null, created_at: at(2) });
      await raise({
        robot_id: 'r2',
        alert_type: 'battery',
        severity: 'critical',
        created_at: at(3),
        acknowledged: true,
        resolved: true,
      });
      await raise({ robot_id: 'r2', alert_type: 'battery', severity: 'warning', created_at: at(3) });
    });

    it('lists newest first (by id within the same time) with the total', async () => {
      const page = await alerts.list({ limit: 2 });
      expect(page).toMatchObject({ total: 5, limit: 2, offset: 0 });
      expect(page.items.map((a) => [a.robot_id, a.alert_type, a.severity])).toEqual([
        ['r2', 'battery', 'warning'],
        ['r2', 'battery', 'critical'],
      ]);
      expect((await alerts.list({ limit: 2, offset: 4 })).items.map((a) => a.created_at)).toEqual([at(0)]);
      expect(page.items[0]).toMatchObject({ acknowledged: false, resolved: false, resolution: null, value: 18 });
    });

    it('filters by robot, type, severity, source, state and creation time (the end excluded)', async () => {
      const types = async (query: Parameters<AlertRepository['list']>[0]) =>
        (await alerts.list(query)).items.map((a) => `${a.robot_id}/${a.alert_type}/${a.severity}`);
      expect(await types({ robotId: 'r1' })).toEqual(['r1/temperature/critical', 'r1/battery/warning']);
      expect(await types({ alertType: 'battery', severity: 'warning' })).toEqual([
        'r2/battery/warning',
        'r1/battery/warning',
      ]);
      expect(await types({ source: 'cpu' })).toEqual(['r1/temperature/critical']);
      expect(await types({ resolved: true })).toEqual(['r2/battery/critical']);
      expect(await types({ resolved: false, robotId: 'r2' })).toEqual(['r2/battery/warning', 'r2/system/info']);
      expect(await types({ acknowledged: true })).toEqual(['r2/battery/critical']);
      expect((await alerts.list({ acknowledged: false })).total).toBe(4);
      expect(await types({ from: at(1), to: at(3) })).toEqual(['r2/system/info', 'r1/temperature/critical']);
    });

    it("reads TonyPi's unset acknowledged and resolved as false", async () => {
      await sql`UPDATE alerts SET acknowledged = NULL, resolved = NULL WHERE alert_type = 'system'`.execute(db);
      expect((await alerts.list({ acknowledged: false, resolved: false, robotId: 'r2' })).total).toBe(2);
      expect((await alerts.list({ acknowledged: true })).total).toBe(1);
      expect((await alerts.stats({ robotId: 'r2' })).unacknowledged).toBe(2);
    });
  });

  it('gets one alert, or says which was not found', async () => {
    const alert = await raise();
    expect(await alerts.get(alert.id)).toEqual(alert);
    await expect(alerts.get(alert.id + 1)).rejects.toThrow(NotFoundError);
    await expect(alerts.get(alert.id + 1)).rejects.toThrow(`alert '${alert.id + 1}' not found`);
  });

  it('counts alerts, open ones by severity and type, as numbers', async () => {
    expect(await alerts.stats()).toEqual({
      total: 0,
      open: 0,
      unacknowledged: 0,
      critical: 0,
      warning: 0,
      info: 0,
      by_type: {},
      resolved: 0,
    });
    await raise({ created_at: at(0) });
    await raise({ alert_type: 'temperature', severity: 'critical', acknowledged: true, created_at: at(1) });
    await raise({ severity: 'critical', source: 'old', resolved: true, created_at: at(2) });
    await raise({ robot_id: 'r2', alert_type: 'system', severity: 'info', created_at: at(3) });
    await raise({ robot_id: 'r2', alert_type: 'network', severity: 'critical', created_at: at(4) });
    await raise({ robot_id: 'r2', alert_type: 'servo', resolved: true, acknowledged: true, created_at: at(5) });

    expect(await alerts.stats()).toEqual({
      total: 6,
      open: 4,
      unacknowledged: 3,
      critical: 2,
      warning: 1,
      info: 1,
      by_type: { battery: 1, temperature: 1, system: 1, network: 1 },
      resolved: 2,
    });
    expect(await alerts.stats({ robotId: 'r1' })).toEqual({
      total: 3,
      open: 2,
      unacknowledged: 1,
      critical: 1,
      warning: 1,
      info: 0,
      by_type: { battery: 1, temperature: 1 },
      resolved: 1,
    });
    expect(await alerts.stats({ from: at(3), to: at(5) })).toMatchObject({
      total: 2,
      open: 2,
      critical: 1,
      info: 1,
      by_type: { system: 1, network: 1 },
      resolved: 0,
    });
  });

  describe('acknowledging and resolving', () => {
    beforeEach(async () => {
      await webhook('everything', { min_severity: 'info' });
      await webhook('critical-only', { min_severity: 'critical' });
      await webhook('resolutions', { min_severity: 'info', events: ['resolved'] });
      await webhook('switched-off', { min_severity: 'info', enabled: false });
    });

    it('acknowledges an alert once, queueing the announcement for each webhook that wants it', async () => {
      const alert = await raise();
      const { alert: acked, event } = await alerts.acknowledge(alert.id, 'alice', at(7));
      expect(acked).toMatchObject({
        id: alert.id,
        acknowledged: true,
        acknowledged_by: 'alice',
        acknowledged_at: at(7),
        updated_at: at(7),
        resolved: false,
      });
      expect(event).toMatchObject({
        event: 'acknowledged',
        at: at(7).toISOString(),
        actor: 'alice',
        alert: { id: alert.id, acknowledged: true, acknowledged_by: 'alice', severity: 'warning' },
      });
      // A warning: not for the critical-only webhook, nor for the one that only wants resolutions or is off.
      const queued = await outbox();
      expect(queued).toEqual([
        { name: 'everything', alert_id: alert.id, event: 'acknowledged', payload: event, status: 'pending' },
      ]);

      // Again: nothing changes, nothing is announced.
      const again = await alerts.acknowledge(alert.id, 'bob', at(8));
      expect(again).toEqual({ alert: acked, event: null });
      expect(await outbox()).toHaveLength(1);
    });

    it('announces an acknowledged critical alert to the critical-only webhook too', async () => {
      const alert = await raise({ severity: 'critical' });
      await alerts.acknowledge(alert.id, 'alice', at(7));
      const queued = await outbox();
      expect(queued.map((q) => q.name)).toEqual(['everything', 'critical-only']);
      expect(queued.every((q) => q.payload.alert.id === alert.id && q.payload.actor === 'alice')).toBe(true);
    });

    it('acknowledges once when two people acknowledge at the same moment', async () => {
      const alert = await raise();
      const results = await Promise.all([
        alerts.acknowledge(alert.id, 'alice', at(7)),
        alerts.acknowledge(alert.id, 'bob', at(7)),
      ]);
      expect(results.filter((r) => r.event !== null)).toHaveLength(1);
      const by = results.find((r) => r.event !== null)?.event?.actor;
      expect(results.map((r) => r.alert.acknowledged_by)).toEqual([by, by]);
      expect(await outbox()).toHaveLength(1);
    });

    it('says which alert was not found, changing nothing', async () => {
      await expect(alerts.acknowledge(999, 'alice', at(7))).rejects.toThrow(NotFoundError);
      await expect(alerts.resolve(999, 'alice', at(7))).rejects.toThrow("alert '999' not found");
      await expect(alerts.remove(999, 'alice', at(7))).rejects.toThrow(NotFoundError);
      expect(await outbox()).toEqual([]);
    });

    it('acknowledges every alert of a robot, announcing only the open ones', async () => {
      const open = await raise({ severity: 'critical' });
      const other = await raise({ alert_type: 'temperature', source: 'cpu' });
      const resolved = await raise({ source: 'old', resolved: true });
      const earlier = await raise({ alert_type: 'system', acknowledged: true, acknowledged_by: 'carol' });
      const elsewhere = await raise({ robot_id: 'r2' });

      const { count, events } = await alerts.acknowledgeAll({ robotId: 'r1' }, 'alice', at(7));
      expect(count).toBe(3);
      expect(events.map((e) => [e.event, e.alert.id, e.actor])).toEqual([
        ['acknowledged', open.id, 'alice'],
        ['acknowledged', other.id, 'alice'],
      ]);
      expect(await alerts.get(resolved.id)).toMatchObject({ acknowledged: true, acknowledged_by: 'alice' });
      expect(await alerts.get(earlier.id)).toEqual(earlier);
      expect(await alerts.get(elsewhere.id)).toMatchObject({ acknowledged: false });
      expect((await outbox()).map((q) => [q.name, q.alert_id])).toEqual([
        ['everything', open.id],
        ['critical-only', open.id],
        ['everything', other.id],
      ]);

      // Then every robot's: only r2's is left.
      const rest = await alerts.acknowledgeAll({}, 'bob', at(8));
      expect(rest.count).toBe(1);
      expect(rest.events.map((e) => e.alert.id)).toEqual([elsewhere.id]);
      expect(await alerts.acknowledgeAll({}, 'bob', at(9))).toEqual({ count: 0, events: [] });
    });

    it('resolves by hand, saying who and why, and lets the condition be judged afresh', async () => {
      const alert = await raise();
      const other = await raise({ alert_type: 'temperature', source: 'cpu' });
      await db
        .insertInto('alert_states')
        .values([
          {
            robot_id: 'r1',
            metric: 'battery',
            source: 'battery',
            state: 'firing',
            severity: 'warning',
            since: at(0),
            value: 18,
            event_at: at(5),
            alert_id: alert.id,
          },
          {
            robot_id: 'r1',
            metric: 'temperature',
            source: 'cpu',
            state: 'firing',
            severity: 'warning',
            since: at(0),
            value: 75,
            event_at: at(5),
            alert_id: other.id,
          },
        ])
        .execute();

      const { alert: resolved, event } = await alerts.resolve(alert.id, 'alice', at(7));
      expect(resolved).toMatchObject({
        resolved: true,
        resolved_at: at(7),
        resolved_by: 'alice',
        resolution: 'manual',
        resolution_note: 'resolved by alice',
        updated_at: at(7),
        acknowledged: false,
      });
      expect(event).toMatchObject({ event: 'resolved', actor: 'alice', alert: { id: alert.id, resolved: true } });

      const states = await db
        .selectFrom('alert_states')
        .select(['metric', 'state', 'severity', 'since', 'value', 'event_at', 'alert_id', 'updated_at'])
        .orderBy('metric')
        .execute();
      expect(states).toEqual([
        // Back to normal; the newest sample seen is kept, so older ones are still ignored.
        {
          metric: 'battery',
          state: 'normal',
          severity: null,
          since: null,
          value: 18,
          event_at: at(5),
          alert_id: null,
          updated_at: at(7),
        },
        expect.objectContaining({ metric: 'temperature', state: 'firing', alert_id: other.id }),
      ]);

      // A warning: the resolutions webhook and the catch-all get it.
      expect((await outbox()).map((q) => [q.name, q.event, q.payload.alert.id, q.payload.actor])).toEqual([
        ['everything', 'resolved', alert.id, 'alice'],
        ['resolutions', 'resolved', alert.id, 'alice'],
      ]);

      // Resolving again changes nothing.
      expect(await alerts.resolve(alert.id, 'bob', at(8), 'again')).toEqual({ alert: resolved, event: null });
      expect(await outbox()).toHaveLength(2);

      // The same condition may open a new alert now.
      await expect(raise({ created_at: at(9) })).resolves.toMatchObject({ resolved: false });
    });

    it('waits for an evaluation of the robot in progress, so the evaluation cannot bring the alert back', async () => {
      const alert = await raise();
      const firing = {
        robot_id: 'r1',
        metric: 'battery',
        source: 'battery',
        state: 'firing' as const,
        severity: 'warning' as const,
        since: at(0),
        value: 18,
        event_at: at(5),
        alert_id: alert.id,
      };
      await db.insertInto('alert_states').values(firing).execute();

      // An evaluation holds the robot, has read its state and is about to write it back.
      let readState!: () => void;
      const stateRead = new Promise<void>((resolve) => (readState = resolve));
      let finish!: () => void;
      const finishing = new Promise<void>((resolve) => (finish = resolve));
      const evaluation = db.transaction().execute(async (trx) => {
        await lockAlertRobots(trx, ['r1']);
        const state = await trx.selectFrom('alert_states').selectAll().executeTakeFirstOrThrow();
        readState();
        await finishing;
        await trx
          .updateTable('alert_states')
          .set({ ...state, value: 17, event_at: at(6), updated_at: at(6) })
          .where('robot_id', '=', 'r1')
          .execute();
      });
      await stateRead;
      const resolving = alerts.resolve(alert.id, 'alice', at(7));
      try {
        // The resolution waits for the robot's lock.
        await eventually(async () => {
          const { rows } = await sql<{ waiting: number }>`
            SELECT count(*)::int AS waiting FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db);
          expect(rows[0]?.waiting).toBe(1);
        });
      } finally {
        finish();
        await evaluation;
      }
      await resolving;

      expect(await db.selectFrom('alert_states').select(['state', 'alert_id', 'value', 'event_at']).execute()).toEqual([
        { state: 'normal', alert_id: null, value: 17, event_at: at(6) },
      ]);
    });

    it('keeps the note given with a manual resolution', async () => {
      const alert = await raise({ severity: 'critical' });
      const { alert: resolved } = await alerts.resolve(alert.id, 'alice', at(7), 'battery replaced');
      expect(resolved.resolution_note).toBe('battery replaced');
      expect((await outbox()).map((q) => q.name)).toEqual(['everything', 'critical-only', 'resolutions']);
    });

    it('changes nothing when the announcement cannot be queued', async () => {
      const alert = await raise();
      await sql`
        CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'queue full'; END $$;
        CREATE TRIGGER refuse BEFORE INSERT ON alert_notifications FOR EACH ROW EXECUTE FUNCTION refuse();
      `.execute(db);
      await expect(alerts.acknowledge(alert.id, 'alice', at(7))).rejects.toThrow(/queue full/);
      await expect(alerts.resolve(alert.id, 'alice', at(7))).rejects.toThrow(/queue full/);
      await expect(alerts.acknowledgeAll({}, 'alice', at(7))).rejects.toThrow(/queue full/);
      expect(await alerts.get(alert.id)).toEqual(alert);
    });
  });

  it('deletes an alert, leaving its queued deliveries and unlinking its evaluation state', async () => {
    const alert = await raise();
    const hook = await webhook('everything');
    await alerts.acknowledge(alert.id, 'alice', at(7));
    await db
      .insertInto('alert_states')
      .values({
        robot_id: 'r1',
        metric: 'battery',
        source: 'battery',
        state: 'firing',
        severity: 'warning',
        event_at: at(5),
        alert_id: alert.id,
      })
      .execute();

    await alerts.remove(alert.id, 'alice', at(8));
    await expect(alerts.get(alert.id)).rejects.toThrow(NotFoundError);
    await expect(alerts.remove(alert.id, 'alice', at(8))).rejects.toThrow(NotFoundError);
    expect(await db.selectFrom('alert_states').select(['state', 'alert_id']).execute()).toEqual([
      { state: 'firing', alert_id: null },
    ]);
    expect(await db.selectFrom('alert_notifications').select(['webhook_id', 'alert_id']).execute()).toEqual([
      { webhook_id: hook, alert_id: null },
    ]);
  });
});
