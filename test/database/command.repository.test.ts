import { ConflictError, NotFoundError } from '@fleet/contracts';
import type { Kysely } from 'kysely';
import { CommandRepository, MissionRepository, RobotRepository, type DB, type NewCommand } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

const T0 = new Date('2026-12-02T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function command(targets: NewCommand['targets'], fields: Partial<NewCommand> = {}): NewCommand {
  return {
    type: 'status_request',
    parameters: {},
    broadcast: false,
    timeoutS: 10,
    retries: 1,
    createdBy: 'operator',
    missionId: null,
    response: null,
    targets,
    ...fields,
  };
}

describeEachDatabase('CommandRepository', (factory) => {
  let commands: CommandRepository;
  let robots: RobotRepository;
  let missions: MissionRepository;
  let db: Kysely<DB>;

  beforeEach(async () => {
    ({ db } = await factory().create());
    commands = new CommandRepository(db);
    robots = new RobotRepository(db);
    missions = new MissionRepository(db);
    await robots.create('r1');
    await robots.create('r2');
    await robots.update('r1', { status: 'online' });
  });

  it('stores a command with one result per target and reads it back', async () => {
    const created = await commands.create(
      command([
        { robotId: 'r2', status: 'waiting', deadlineAt: at(300) },
        { robotId: 'r1', status: 'pending', deadlineAt: T0 },
      ]),
    );
    expect(created).toMatchObject({ status: 'created', target_count: 2, success_count: 0, sent_at: null });
    expect(created.results.map((r) => [r.robot_id, r.status])).toEqual([
      ['r1', 'pending'],
      ['r2', 'waiting'],
    ]);
    expect(await commands.get(created.id)).toEqual(created);
    await expect(commands.get('00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
  });

  it('a mission id that names no mission is a not-found error', async () => {
    const missionId = '00000000-0000-4000-8000-000000000001';
    await expect(commands.create(command([], { missionId }))).rejects.toThrow(`mission '${missionId}' not found`);
  });

  it('a command and its audit entry are stored together: when the entry cannot be written, neither is', async () => {
    const entry = (actor: string) => (created: { id: string }) => ({
      actor,
      action: 'command.create',
      entity_type: 'command',
      entity_id: created.id,
      after: { type: 'status_request' },
    });
    const stored = await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]), {
      audit: entry('operator'),
    });
    const audit = await db.selectFrom('audit_entries').select(['actor', 'entity_id', 'after']).execute();
    expect(audit).toEqual([{ actor: 'operator', entity_id: stored.id, after: { type: 'status_request' } }]);

    // An actor name longer than the column allows: the entry fails, and the command goes with it.
    await expect(
      commands.create(command([{ robotId: 'r2', status: 'pending', deadlineAt: T0 }]), {
        audit: entry('x'.repeat(200)),
      }),
    ).rejects.toThrow();
    expect((await commands.list({})).items.map((c) => c.id)).toEqual([stored.id]);
  });

  it("a command for one robot joins the robot's active mission; a mission named is checked, and held while it is", async () => {
    const mission = await missions.create({
      name: 'run',
      mission_type: 'delivery',
      status: 'assigned',
      assigned_robot_id: 'r1',
    });
    const one = (fields: Partial<NewCommand> = {}) =>
      command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }], fields);
    expect((await commands.create(one())).mission_id).toBeNull();

    await missions.change(mission.id, () => ({ status: 'active', started_at: T0 }));
    expect((await commands.create(one({ type: 'emergency_stop' }))).mission_id).toBe(mission.id);
    const both = command([
      { robotId: 'r1', status: 'pending', deadlineAt: T0 },
      { robotId: 'r2', status: 'pending', deadlineAt: T0 },
    ]);
    expect((await commands.create(both)).mission_id).toBeNull();
    expect((await commands.create(one({ broadcast: true }))).mission_id).toBeNull();

    const seen: unknown[] = [];
    const named = await commands.create(one({ missionId: mission.id }), { checkMission: (m) => seen.push(m) });
    expect(named.mission_id).toBe(mission.id);
    expect(seen).toEqual([{ id: mission.id, status: 'active', assigned_robot_id: 'r1' }]);
    await expect(
      commands.create(one({ missionId: mission.id }), {
        checkMission: () => {
          throw new ConflictError('refused');
        },
      }),
    ).rejects.toThrow('refused');
    expect((await commands.list({ mission_id: mission.id })).total).toBe(2);
  });

  it('a stop or resume answer older than the last one the robot acknowledged does not change its status', async () => {
    const ok = { success: true, message: null, data: null };
    const stop = await commands.create(
      command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }], { type: 'emergency_stop' }),
    );
    await commands.answer(stop.id, 'r1', ok, at(1));
    expect(await robots.setStatus('r1', 'emergency_stopped', { at: at(1), commandId: stop.id })).toBe(true);
    const resume = await commands.create(
      command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }], { type: 'resume' }),
    );
    await commands.answer(resume.id, 'r1', ok, at(2));
    expect(await robots.setStatus('r1', 'online', { at: at(2), commandId: resume.id })).toBe(true);

    // The stop's acknowledgement delivered again, after the resume: dated by its command, it is older.
    expect(await robots.setStatus('r1', 'emergency_stopped', { at: new Date(), commandId: stop.id })).toBe(false);
    expect((await robots.get('r1')).status).toBe('online');
    // The robot's own stop (its button), later than the resume: applied.
    expect(await robots.setStatus('r1', 'emergency_stopped', { at: new Date(Date.now() + 60_000) })).toBe(true);
    expect((await robots.get('r1')).status).toBe('emergency_stopped');
    // One from before the resume, delivered late: not.
    await robots.setStatus('r1', 'online', { at: new Date(Date.now() + 60_000) });
    expect(await robots.setStatus('r1', 'emergency_stopped', { at: new Date(Date.now() - 3_600_000) })).toBe(false);
    expect(await robots.setStatus('r9', 'online', { at: new Date() })).toBe(false);
  });

  it('a delivery round sends what is due; the answer is then due at the deadline, not before', async () => {
    const created = await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]));
    const changes = await commands.deliver(at(0), 100, async (due, delivery) => {
      expect(due.created.map((c) => c.id)).toEqual([created.id]);
      delivery.sent(created.id, 'r1', at(10));
      return delivery.settle(at(0));
    });
    expect(changes[0].command).toMatchObject({ status: 'sent', attempts: 1, sent_at: at(0) });
    expect(changes[0].results[0]).toMatchObject({ status: 'pending', attempts: 1, deadline_at: at(10) });

    const nothing = await commands.deliver(at(5), 100, (due) => Promise.resolve(due));
    expect(nothing).toEqual({ created: [], results: [] });
    const overdue = await commands.deliver(at(10), 100, (due) => Promise.resolve(due.results));
    expect(overdue).toMatchObject([
      { command_id: created.id, robot_id: 'r1', attempts: 1, retries: 1, reachable: true },
    ]);
  });

  it('two replicas delivering at the same time never claim the same command', async () => {
    await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = commands.deliver(at(0), 100, async (due) => {
      entered();
      await held;
      return due.created.length;
    });
    await inside;
    const second = await commands.deliver(at(0), 100, (due) => Promise.resolve(due.created.length));
    release();
    expect(await first).toBe(1);
    expect(second).toBe(0);
  });

  it('a waiting robot becomes due as soon as it is online', async () => {
    const created = await commands.create(command([{ robotId: 'r2', status: 'waiting', deadlineAt: at(300) }]));
    await commands.deliver(at(0), 100, async (_due, delivery) => {
      delivery.touch(created.id);
      return delivery.settle(at(0));
    });
    expect(await commands.deliver(at(1), 100, (due) => Promise.resolve(due.results))).toEqual([]);
    await robots.update('r2', { status: 'online' });
    const due = await commands.deliver(at(2), 100, (d) => Promise.resolve(d.results));
    expect(due).toMatchObject([{ robot_id: 'r2', status: 'waiting', reachable: true }]);
  });

  it('answers settle the command; a repeated answer or one from a robot not targeted changes nothing', async () => {
    const created = await commands.create(
      command([
        { robotId: 'r1', status: 'pending', deadlineAt: T0 },
        { robotId: 'r2', status: 'pending', deadlineAt: T0 },
      ]),
    );
    const first = await commands.answer(created.id, 'r1', { success: true, message: 'ok', data: { x: 1 } }, at(1));
    expect(first?.command).toMatchObject({ status: 'sent', success_count: 1 });
    expect(await commands.answer(created.id, 'r1', { success: false, message: 'again', data: null }, at(2))).toBe(
      undefined,
    );
    expect(await commands.answer(created.id, 'r3', { success: true, message: null, data: null }, at(2))).toBe(
      undefined,
    );
    const last = await commands.answer(created.id, 'r2', { success: false, message: 'busy', data: null }, at(3));
    expect(last?.command).toMatchObject({ status: 'partial', success_count: 1, failure_count: 1, completed_at: at(3) });
    expect(last?.results.map((r) => [r.robot_id, r.status, r.message])).toEqual([
      ['r1', 'ack_success', 'ok'],
      ['r2', 'ack_error', 'busy'],
    ]);
  });

  it('answers of one batch are recorded together; a robot answering twice (an emergency stop on both topics) counts once', async () => {
    const a = await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]));
    const b = await commands.create(
      command([
        { robotId: 'r1', status: 'pending', deadlineAt: T0 },
        { robotId: 'r2', status: 'pending', deadlineAt: T0 },
      ]),
    );
    const ok = { success: true, message: 'stopped', data: null };
    const changes = await commands.answerAll(
      [
        { commandId: a.id, robotId: 'r1', answer: ok },
        { commandId: a.id, robotId: 'r1', answer: { ...ok, success: false } },
        { commandId: b.id, robotId: 'r2', answer: ok },
        { commandId: b.id, robotId: 'r9', answer: ok },
      ],
      at(1),
    );
    const byId = new Map(changes.map((c) => [c.command.id, c]));
    expect(byId.get(a.id)).toMatchObject({ command: { status: 'completed', success_count: 1 }, answeredBy: ['r1'] });
    expect(byId.get(b.id)).toMatchObject({ command: { status: 'sent', success_count: 1 }, answeredBy: ['r2'] });
    expect(changes).toHaveLength(2);
  });

  it('cancelling closes what is open, once', async () => {
    const created = await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]));
    const cancelled = await commands.cancel(created.id, 'ops', at(1));
    expect(cancelled.command).toMatchObject({ status: 'cancelled', completed_at: at(1) });
    expect(cancelled.results[0]).toMatchObject({ status: 'cancelled', message: 'cancelled by ops' });
    await expect(commands.cancel(created.id, 'ops', at(2))).rejects.toThrow(ConflictError);
  });

  it('lists newest first, filtered by targeted robot and status', async () => {
    const a = await commands.create(command([{ robotId: 'r1', status: 'pending', deadlineAt: T0 }]));
    const b = await commands.create(command([{ robotId: 'r2', status: 'pending', deadlineAt: T0 }], { type: 'stop' }));
    await commands.cancel(b.id, 'ops', at(1));
    expect((await commands.list({ robot_id: 'r1' })).items.map((c) => c.id)).toEqual([a.id]);
    expect((await commands.list({ status: 'cancelled' })).items.map((c) => c.id)).toEqual([b.id]);
    expect((await commands.list({ type: 'stop' })).total).toBe(1);
    expect((await commands.list({})).items.map((c) => c.id)).toEqual([b.id, a.id]);
  });
});
