import { naiveIsoTimestamp } from '@fleet/contracts';
import { API_SERVERS } from '../support/api';
import { answer, startCommandStack, tonypiClient, type CommandStack, type FakeRobot } from '../support/command-stack';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'commands');
} else {
  let factory: DatabaseFactory;
  beforeAll(() => {
    factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
  });
  afterAll(async () => {
    await factory.dispose();
  });

  describe('commands to robots over MQTT, through the API and the jobs service', () => {
    let stack: CommandStack;
    beforeAll(async () => {
      stack = await startCommandStack(factory);
    });
    afterAll(async () => {
      await stack?.close();
    });

    const send = (body: Record<string, unknown>, token = stack.operator) =>
      stack.api.call('POST', '/api/v1/commands', { token, body });
    const read = (id: string) => stack.api.call('GET', `/api/v1/commands/${id}`, { token: stack.operator });

    /** A command for one robot written to the tables as the API writes it (in one transaction), not through it. */
    const storeDirectly = (
      robotId: string,
      fields: { type: string; parameters: string; timeout_s?: number; created_at?: Date },
    ) =>
      stack.api.db.transaction().execute(async (trx) => {
        const command = await trx
          .insertInto('commands')
          .values({ ...fields, target_count: 1 })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('command_results')
          .values({
            command_id: command.id,
            robot_id: robotId,
            status: 'pending',
            deadline_at: fields.created_at ?? new Date(),
          })
          .execute();
        return command;
      });

    it('a command to two robots where one answers and one does not ends partial after the timeout, with one retry sent', async () => {
      const answering = await stack.robot({
        answer: (r, _t, m) => answer(r, m, { success: true, message: 'Status retrieved', data: { cpu: 12 } }),
      });
      const silent = await stack.robot();

      const accepted = await send({
        robot_ids: [answering.id, silent.id],
        type: 'status_request',
        timeout_s: 1,
        retries: 1,
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'created', target_count: 2, timeout_s: 1, retries: 1 });
      const id = accepted.body.id as string;

      const done = await eventually(async () => {
        const command = await read(id);
        expect(command.body.status).toBe('partial');
        return command.body;
      }, 8_000);
      expect(done).toMatchObject({ target_count: 2, success_count: 1, failure_count: 0, attempts: 2 });
      expect(done.sent_at).not.toBeNull();
      expect(done.completed_at).not.toBeNull();
      const results = Object.fromEntries(done.results.map((r: any) => [r.robot_id, r]));
      expect(results[answering.id]).toMatchObject({
        status: 'ack_success',
        message: 'Status retrieved',
        data: { data: { cpu: 12 } },
        attempts: 1,
      });
      expect(results[silent.id]).toMatchObject({ status: 'timed_out', attempts: 2 });
      expect(results[silent.id].message).toMatch(/no answer within 1 s after 2 attempt/);

      // The robot that answered got it once; the silent one got it, then one retry, with the same id.
      const got = (r: FakeRobot) => r.received.filter((m) => m.message.id === id);
      expect(got(answering)).toHaveLength(1);
      expect(got(silent)).toHaveLength(2);
      expect(got(silent)[0]).toMatchObject({
        topic: `tonypi/commands/${silent.id}`,
        message: { type: 'status_request', id },
      });

      const audit = await stack.api.db
        .selectFrom('audit_entries')
        .select(['action', 'after'])
        .where('entity_id', '=', id)
        .execute();
      expect(audit).toEqual([
        {
          action: 'command.create',
          after: expect.objectContaining({ type: 'status_request', robot_ids: [answering.id, silent.id].sort() }),
        },
      ]);
    });

    it("the jobs service's metrics count what was published, resent and how commands ended", async () => {
      const metrics = await (await fetch(`${stack.services[0].url}/metrics`)).text();
      const value = (name: string, labels: string) =>
        Number(new RegExp(`^${name}\\{${labels},service="jobs"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
      expect(value('fleet_commands_published_total', 'type="status_request",attempt="retry"')).toBeGreaterThanOrEqual(
        1,
      );
      expect(value('fleet_commands_settled_total', 'status="partial"')).toBeGreaterThanOrEqual(1);
      expect(value('fleet_command_results_total', 'status="timed_out"')).toBeGreaterThanOrEqual(1);
    });

    it("a robot's own emergency stop (its button, no command of Fleet's) still marks it stopped", async () => {
      const robot = await stack.robot();
      await robot.publish('tonypi/emergency_stop/response', {
        robot_id: robot.id,
        command_id: 'emg_1769250645',
        type: 'emergency_stop',
        success: true,
        message: 'Emergency stop activated: button',
        state: { emergency_stopped: true, motors_stopped: true },
        timestamp: naiveIsoTimestamp(new Date()),
      });
      await eventually(async () => {
        const state = await stack.api.call('GET', `/api/v1/robots/${robot.id}`, { token: stack.operator });
        expect(state.body.status).toBe('emergency_stopped');
      });
    });

    it('an emergency stop round trip: the acknowledgement stops the robot, commands it would refuse are refused, resume brings it back', async () => {
      const robot = await stack.robot({ answer: tonypiClient });
      const stop = await stack.api.call('POST', `/api/v1/robots/${robot.id}/emergency-stop`, {
        token: stack.operator,
        body: { reason: 'person in the cell' },
      });
      expect(stop.status).toBe(202);
      expect(stop.body).toMatchObject({ type: 'emergency_stop', parameters: { reason: 'person in the cell' } });
      await eventually(async () => expect((await read(stop.body.id)).body.status).toBe('completed'));
      expect(robot.received[0]).toMatchObject({
        topic: `tonypi/emergency_stop/${robot.id}`,
        message: { type: 'emergency_stop', reason: 'person in the cell', id: stop.body.id },
      });
      await eventually(async () => {
        const state = await stack.api.call('GET', `/api/v1/robots/${robot.id}`, { token: stack.operator });
        expect(state.body.status).toBe('emergency_stopped');
      });

      const move = await send({ robot_ids: [robot.id], type: 'move', parameters: { direction: 'forward' } });
      expect(move.status).toBe(409);
      expect(move.body.message).toMatch(/emergency-stopped and would refuse 'move'/);
      expect((await send({ robot_ids: [robot.id], type: 'battery_request' })).status).toBe(202);
      // The robot-side way out of the stop is accepted exactly when the robot is stopped.
      expect((await send({ robot_ids: [robot.id], type: 'clear_emergency' })).status).toBe(202);

      const resume = await stack.api.call('POST', `/api/v1/robots/${robot.id}/resume`, { token: stack.operator });
      expect(resume.status).toBe(202);
      await eventually(async () => {
        const state = await stack.api.call('GET', `/api/v1/robots/${robot.id}`, { token: stack.operator });
        expect(state.body.status).toBe('online');
      });
      expect((await send({ robot_ids: [robot.id], type: 'move', parameters: { direction: 'forward' } })).status).toBe(
        202,
      );
    });

    it('an emergency stop acknowledged again after the resume leaves the robot online', async () => {
      const robot = await stack.robot({ answer: tonypiClient });
      const stop = await stack.api.call('POST', `/api/v1/robots/${robot.id}/emergency-stop`, {
        token: stack.operator,
        body: { reason: 'person in the cell' },
      });
      const status = async () =>
        (await stack.api.call('GET', `/api/v1/robots/${robot.id}`, { token: stack.operator })).body.status;
      await eventually(async () => expect(await status()).toBe('emergency_stopped'));
      const resume = await stack.api.call('POST', `/api/v1/robots/${robot.id}/resume`, { token: stack.operator });
      expect(resume.status).toBe(202);
      await eventually(async () => expect(await status()).toBe('online'));

      // The stop's acknowledgement arrives once more (the robot resends it after a reconnect), stamped now.
      await robot.publish('tonypi/commands/response', {
        robot_id: robot.id,
        command_id: stop.body.id,
        type: 'emergency_stop',
        success: true,
        message: 'Emergency stop activated: person in the cell',
        state: { emergency_stopped: true, motors_stopped: true },
        timestamp: naiveIsoTimestamp(new Date()),
      });
      // An answer the robot sends after it: once it is recorded, the one before was read too.
      const after = await send({ robot_ids: [robot.id], type: 'status_request' });
      await eventually(async () => expect((await read(after.body.id)).body.status).toBe('completed'));
      expect(await status()).toBe('online');
    });

    it('a broadcast goes out once on the broadcast topic to the robots online, and counts them', async () => {
      const a = await stack.robot({ answer: tonypiClient });
      const b = await stack.robot({ answer: tonypiClient });
      const online = await stack.api.db
        .selectFrom('robots')
        .select('robot_id')
        .select('status')
        .where('status', '<>', 'offline')
        .execute();
      const stopped = online.filter((r) => r.status === 'emergency_stopped').map((r) => r.robot_id);
      expect(stopped.length).toBeGreaterThan(0);
      const accepted = await send({ broadcast: true, type: 'head_nod', timeout_s: 1 });
      expect(accepted.status).toBe(202);
      // Robots that are emergency-stopped would refuse a nod: they are left out and named.
      expect(accepted.body.target_count).toBe(online.length - stopped.length);
      expect(accepted.body.response).toEqual({ skipped: { emergency_stopped: expect.arrayContaining(stopped) } });
      const done = await eventually(async () => {
        const command = await read(accepted.body.id);
        expect(['completed', 'partial']).toContain(command.body.status);
        return command.body;
      }, 8_000);
      expect(done.broadcast).toBe(true);
      const results = Object.fromEntries(done.results.map((r: any) => [r.robot_id, r.status]));
      expect(results).toMatchObject({ [a.id]: 'ack_success', [b.id]: 'ack_success' });
      for (const r of [a, b]) {
        expect(r.received.filter((m) => m.message.id === accepted.body.id)).toEqual([
          { topic: 'tonypi/commands/broadcast', message: expect.objectContaining({ type: 'head_nod' }) },
        ]);
      }
    });

    it('refuses what cannot be sent, with a clear error, and stores nothing', async () => {
      const offline = await stack.robot({ online: false });
      const before = await stack.api.db
        .selectFrom('commands')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();

      const toOffline = await send({ robot_ids: [offline.id], type: 'head_shake' });
      expect(toOffline.status).toBe(409);
      expect(toOffline.body.message).toMatch(new RegExp(`robot ${offline.id} is offline`));

      const unknown = await send({ robot_ids: ['no-such-robot'], type: 'stop' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain('no-such-robot');

      const bad = await send({ robot_ids: [offline.id], type: 'move', parameters: { direction: 'sideways' } });
      expect(bad.status).toBe(422);
      expect(bad.body.details.map((d: any) => d.path)).toContain('parameters.direction');

      const both = await send({ robot_ids: [offline.id], broadcast: true, type: 'stop' });
      expect(both.status).toBe(422);
      const unknownType = await send({ robot_ids: [offline.id], type: 'self_destruct' });
      expect(unknownType.status).toBe(422);

      const viewer = await stack.api.tokenFor('viewer');
      expect((await send({ robot_ids: [offline.id], type: 'stop' }, viewer)).status).toBe(403);

      const after = await stack.api.db
        .selectFrom('commands')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(after.n).toEqual(before.n);
    });

    it('a command stored while the jobs service was away is not executed late', async () => {
      const robot = await stack.robot({ answer: tonypiClient });
      const stale = await storeDirectly(robot.id, {
        type: 'move',
        parameters: JSON.stringify({ direction: 'forward' }),
        timeout_s: 10,
        created_at: new Date(Date.now() - 60_000),
      });
      const done = await eventually(async () => {
        const command = await read(stale.id);
        expect(command.body.status).toBe('timed_out');
        return command.body;
      });
      expect(done.results).toMatchObject([
        { status: 'timed_out', attempts: 0, message: 'not sent: still unpublished after 10 s' },
      ]);
      expect(robot.received).toHaveLength(0);
    });

    it('a command stored with parameters no robot could take is given up, not retried for ever', async () => {
      const robot = await stack.robot({ answer: tonypiClient });
      const bad = await storeDirectly(robot.id, {
        type: 'move',
        parameters: JSON.stringify({ direction: 'sideways' }),
      });
      const done = await eventually(async () => {
        const command = await read(bad.id);
        expect(command.body.status).toBe('timed_out');
        return command.body;
      });
      expect(done.results[0].message).toMatch(/^not sent: invalid move command: parameters.direction/);
      expect(robot.received).toHaveLength(0);
    });

    it('an open command can be cancelled once; the list finds commands by robot and status', async () => {
      const silent = await stack.robot();
      const accepted = await send({ robot_ids: [silent.id], type: 'stop', timeout_s: 60 });
      expect(accepted.status).toBe(202);
      await eventually(async () => expect((await read(accepted.body.id)).body.status).toBe('sent'));

      const cancelled = await stack.api.call('POST', `/api/v1/commands/${accepted.body.id}/cancel`, {
        token: stack.operator,
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({
        status: 'cancelled',
        results: [{ robot_id: silent.id, status: 'cancelled' }],
      });
      const again = await stack.api.call('POST', `/api/v1/commands/${accepted.body.id}/cancel`, {
        token: stack.operator,
      });
      expect(again.status).toBe(409);

      const listed = await stack.api.call('GET', `/api/v1/commands?robot_id=${silent.id}&status=cancelled`, {
        token: stack.operator,
      });
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ total: 1, items: [{ id: accepted.body.id, type: 'stop' }] });
      expect((await stack.api.call('GET', '/api/v1/commands/not-a-uuid', { token: stack.operator })).status).toBe(422);
    });
  });

  describe('with COMMAND_OFFLINE=wait and a short wait', () => {
    let stack: CommandStack;
    beforeAll(async () => {
      stack = await startCommandStack(factory, { COMMAND_OFFLINE: 'wait', COMMAND_OFFLINE_WAIT_S: '1' });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('a command held for a robot that stays offline past COMMAND_OFFLINE_WAIT_S times out, never sent', async () => {
      const robot = await stack.robot({ online: false, answer: tonypiClient });
      const accepted = await stack.api.call('POST', '/api/v1/commands', {
        token: stack.operator,
        body: { robot_ids: [robot.id], type: 'head_nod' },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.results).toMatchObject([{ robot_id: robot.id, status: 'waiting' }]);
      const heldUntil = Date.parse(accepted.body.results[0].deadline_at);
      expect(heldUntil - Date.parse(accepted.body.created_at)).toBeGreaterThanOrEqual(900);
      expect(heldUntil - Date.parse(accepted.body.created_at)).toBeLessThanOrEqual(1_100);

      const done = await eventually(async () => {
        const command = await stack.api.call('GET', `/api/v1/commands/${accepted.body.id}`, { token: stack.operator });
        expect(command.body.status).toBe('timed_out');
        return command.body;
      });
      expect(done.results).toMatchObject([
        {
          robot_id: robot.id,
          status: 'timed_out',
          attempts: 0,
          sent_at: null,
          message: 'robot stayed offline; the command was never sent',
        },
      ]);
      expect(robot.received).toHaveLength(0);
    });
  });

  describe('with COMMAND_OFFLINE=wait', () => {
    let stack: CommandStack;
    beforeAll(async () => {
      stack = await startCommandStack(factory, { COMMAND_OFFLINE: 'wait', COMMAND_OFFLINE_WAIT_S: '30' });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('a command for an offline robot waits and is sent when the robot connects', async () => {
      const robot = await stack.robot({ online: false, answer: tonypiClient });
      const accepted = await stack.api.call('POST', '/api/v1/commands', {
        token: stack.operator,
        body: { robot_ids: [robot.id], type: 'head_nod' },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.results).toMatchObject([{ robot_id: robot.id, status: 'waiting' }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(robot.received).toHaveLength(0);

      await stack.goOnline(robot);
      const done = await eventually(async () => {
        const command = await stack.api.call('GET', `/api/v1/commands/${accepted.body.id}`, { token: stack.operator });
        expect(command.body.status).toBe('completed');
        return command.body;
      });
      expect(done.results).toMatchObject([{ robot_id: robot.id, status: 'ack_success', attempts: 1 }]);
    });
  });
}
