import { TELEMETRY_STORE, type TelemetryStore } from '@fleet/telemetry';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));
const GHOST = '00000000-0000-4000-8000-000000000000';

if (missing.length > 0) {
  reportMissingServer(missing[0], 'missions API');
} else {
  describe('the missions API', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let viewer: string;
    let operator: string;
    let admin: string;
    let operatorName: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      [viewer, operator, admin] = await Promise.all([
        api.tokenFor('viewer'),
        api.tokenFor('operator'),
        api.tokenFor('admin'),
      ]);
      operatorName = `operator-${api.prefix}`.slice(0, 50);
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    async function robot(): Promise<string> {
      const id = uniqueName('rover')
        .replace(/[^A-Za-z0-9_.:-]/g, '_')
        .slice(0, 50);
      const created = await api.call('POST', '/api/v1/robots', { token: admin, body: { robot_id: id } });
      expect(created.status).toBe(201);
      return id;
    }

    async function createMission(body: Record<string, unknown> = {}) {
      const response = await api.call('POST', '/api/v1/missions', {
        token: operator,
        body: { name: 'warehouse run', mission_type: 'delivery', ...body },
      });
      expect(response.status).toBe(201);
      return response.body;
    }

    const step = (id: string, action: string, body?: unknown) =>
      api.call('POST', `/api/v1/missions/${id}/${action}`, { token: operator, body });

    const auditOf = (id: string) =>
      api.db
        .selectFrom('audit_entries')
        .select(['actor', 'action', 'before', 'after'])
        .where('entity_type', '=', 'mission')
        .where('entity_id', '=', id)
        .orderBy('id')
        .execute();

    it('a mission runs pending → assigned → active → completed with timestamps and duration', async () => {
      const rover = await robot();
      const created = await createMission({
        priority: 8,
        estimated_duration_s: 900,
        payload: { parcel: 'P-17', kg: 1.2 },
        special_instructions: 'ring twice',
        waypoints: [
          { name: 'shelf A3', coordinates: { x: 2, y: 3 }, action: 'pickup_package' },
          { name: 'bay 2', coordinates: { x: 40, y: 1.5, z: 0 }, action: 'deliver_package' },
        ],
      });
      expect(created).toMatchObject({
        status: 'pending',
        priority: 8,
        assigned_robot_id: null,
        created_by: operatorName,
        elapsed_s: null,
        estimated_remaining_s: 900,
        progress: { total: 2, completed: 0, skipped: 0, modified: 0 },
      });
      expect(
        created.waypoints.map((w: { sequence_order: number; name: string }) => [w.sequence_order, w.name]),
      ).toEqual([
        [0, 'shelf A3'],
        [1, 'bay 2'],
      ]);

      const assigned = await step(created.id, 'assign', { robot_id: rover });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ status: 'assigned', assigned_robot_id: rover, started_at: null });
      expect(Date.parse(assigned.body.assigned_at)).not.toBeNaN();

      const started = await step(created.id, 'start');
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'active', completed_at: null, actual_duration_s: null });
      expect(Date.parse(started.body.started_at)).toBeGreaterThanOrEqual(Date.parse(assigned.body.assigned_at));

      const completed = await step(created.id, 'complete');
      expect(completed.status).toBe(200);
      const { started_at: startedAt, completed_at: completedAt } = completed.body;
      expect(completed.body).toMatchObject({ status: 'completed', failure_reason: null, estimated_remaining_s: null });
      expect(Date.parse(completedAt)).toBeGreaterThanOrEqual(Date.parse(startedAt));
      const duration = Math.round((Date.parse(completedAt) - Date.parse(startedAt)) / 1000);
      expect(completed.body.actual_duration_s).toBe(duration);
      expect(completed.body.elapsed_s).toBe(duration);

      const read = await api.call('GET', `/api/v1/missions/${created.id}`, { token: viewer });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(completed.body);

      const audit = await auditOf(created.id);
      expect(audit.map((e) => [e.actor, e.action])).toEqual([
        [operatorName, 'mission.create'],
        [operatorName, 'mission.assign'],
        [operatorName, 'mission.start'],
        [operatorName, 'mission.complete'],
      ]);
      expect(audit[3]).toMatchObject({ before: { status: 'active' }, after: { status: 'completed' } });
    });

    it('invalid mission transitions are refused with 409 and change nothing', async () => {
      const rover = await robot();
      const pending = await createMission({ waypoints: [{ coordinates: { x: 0, y: 0 } }] });

      const early = await step(pending.id, 'start');
      expect(early.status).toBe(409);
      expect(early.body.message).toBe(
        `mission ${pending.id} is pending: cannot start it (start is allowed from assigned)`,
      );
      expect((await step(pending.id, 'complete')).status).toBe(409);
      expect((await step(pending.id, 'fail', { reason: 'x' })).status).toBe(409);

      const cancelled = await step(pending.id, 'cancel', { reason: 'customer called off' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', failure_reason: 'customer called off' });

      const waypointId = pending.waypoints[0].id;
      for (const [method, path, body] of [
        ['POST', 'complete', undefined],
        ['POST', 'start', undefined],
        ['POST', 'cancel', undefined],
        ['POST', 'assign', { robot_id: rover }],
        ['PATCH', '', { name: 'renamed' }],
        ['POST', 'waypoints', { coordinates: { x: 1, y: 1 } }],
        ['PATCH', `waypoints/${waypointId}`, { status: 'skipped' }],
      ] as const) {
        const response = await api.call(method, `/api/v1/missions/${pending.id}${path && `/${path}`}`, {
          token: operator,
          body,
        });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 409 });
        expect(response.body.message).toMatch(new RegExp(`^mission ${pending.id} is cancelled: cannot `));
      }
      expect((await api.call('GET', `/api/v1/missions/${pending.id}`, { token: viewer })).body).toEqual(cancelled.body);
      expect((await auditOf(pending.id)).map((e) => e.action)).toEqual(['mission.create', 'mission.cancel']);

      // Cancelled before it started, nothing of it is worth keeping: it can be deleted.
      expect((await api.call('DELETE', `/api/v1/missions/${pending.id}`, { token: operator })).status).toBe(204);
      expect((await api.call('GET', `/api/v1/missions/${pending.id}`, { token: viewer })).status).toBe(404);

      // Under way, the plan is fixed; once started, the mission is kept for its report, ended or not.
      const running = await createMission({ assigned_robot_id: rover });
      expect(running.status).toBe('assigned');
      expect((await step(running.id, 'start')).status).toBe(200);
      const patch = await api.call('PATCH', `/api/v1/missions/${running.id}`, {
        token: operator,
        body: { priority: 9 },
      });
      expect(patch.status).toBe(409);
      expect(patch.body.message).toBe(
        `mission ${running.id} is active: cannot update it (update is allowed from pending or assigned)`,
      );
      const remove = await api.call('DELETE', `/api/v1/missions/${running.id}`, { token: operator });
      expect(remove.status).toBe(409);
      expect((await step(running.id, 'fail', { reason: 'battery died' })).body).toMatchObject({
        status: 'failed',
        failure_reason: 'battery died',
      });
      const removeEnded = await api.call('DELETE', `/api/v1/missions/${running.id}`, { token: operator });
      expect(removeEnded.status).toBe(409);
      expect(removeEnded.body.message).toMatch(
        new RegExp(`^mission ${running.id} is failed: it started, so it is kept for its report and cannot be deleted`),
      );
      expect((await api.call('GET', `/api/v1/missions/${running.id}`, { token: viewer })).status).toBe(200);
      expect((await auditOf(running.id)).map((e) => e.action)).toEqual([
        'mission.create',
        'mission.start',
        'mission.fail',
      ]);
    });

    it("a mission's commands, its robot's emergency stop and resume included, are listed with it", async () => {
      const rover = await robot();
      const other = await robot();
      await api.db.updateTable('robots').set({ status: 'online' }).where('robot_id', 'in', [rover, other]).execute();
      const mission = await createMission({ assigned_robot_id: rover });
      const command = (body: Record<string, unknown>) =>
        api.call('POST', '/api/v1/commands', { token: operator, body });

      // Assigned but not started: a command joins it only when it names it.
      expect((await command({ robot_ids: [rover], type: 'stop' })).body.mission_id).toBeNull();
      const named = await command({ robot_ids: [rover], type: 'head_nod', mission_id: mission.id });
      expect(named.status).toBe(202);
      expect(named.body.mission_id).toBe(mission.id);

      expect((await step(mission.id, 'start')).status).toBe(200);
      const move = await command({ robot_ids: [rover], type: 'move', parameters: { direction: 'forward' } });
      const stop = await api.call('POST', `/api/v1/robots/${rover}/emergency-stop`, {
        token: operator,
        body: { reason: 'obstacle' },
      });
      const compatStop = await api.call('POST', `/tonypi/api/v1/management/robots/${rover}/emergency-stop`, {
        token: operator,
        body: { reason: 'from the robot page' },
      });
      const resume = await api.call('POST', `/api/v1/robots/${rover}/resume`, { token: operator });
      expect([move.status, stop.status, compatStop.status, resume.status]).toEqual([202, 202, 200, 202]);
      // Several robots, or all of them: no one mission is theirs.
      const both = await command({ robot_ids: [rover, other], type: 'stop' });
      expect(both.body.mission_id).toBeNull();
      expect((await command({ robot_ids: [other], type: 'stop' })).body.mission_id).toBeNull();

      const listed = await api.call('GET', `/api/v1/commands?mission_id=${mission.id}`, { token: viewer });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((c: any) => c.type).sort()).toEqual([
        'emergency_stop',
        'emergency_stop',
        'head_nod',
        'move',
        'resume',
      ]);
      expect(listed.body.items.map((c: any) => c.id)).toEqual(
        expect.arrayContaining([named.body.id, move.body.id, stop.body.id, resume.body.id]),
      );

      // A mission named must be one of the targets', and not ended.
      const notTheirs = await command({ robot_ids: [other], type: 'stop', mission_id: mission.id });
      expect(notTheirs.status).toBe(422);
      expect(notTheirs.body.message).toBe(
        `mission ${mission.id} is assigned to robot ${rover}, not to a robot this command is for`,
      );
      const unassigned = await createMission();
      const noRobot = await command({ robot_ids: [rover], type: 'stop', mission_id: unassigned.id });
      expect(noRobot.status).toBe(422);
      expect((await command({ robot_ids: [rover], type: 'stop', mission_id: GHOST })).status).toBe(404);
      expect((await step(mission.id, 'complete')).status).toBe(200);
      const ended = await command({ robot_ids: [rover], type: 'stop', mission_id: mission.id });
      expect(ended.status).toBe(409);
      expect(ended.body.message).toBe(`mission ${mission.id} is completed: a command can no longer join it`);
      expect((await command({ robot_ids: [rover], type: 'stop' })).body.mission_id).toBeNull();

      // Its record outlives it: a started mission cannot be deleted.
      const remove = await api.call('DELETE', `/api/v1/missions/${mission.id}`, { token: operator });
      expect(remove.status).toBe(409);
      expect((await api.call('GET', `/api/v1/commands?mission_id=${mission.id}`, { token: viewer })).body.total).toBe(
        5,
      );
    });

    it('a pending mission can be planned, assigned, reassigned and taken back', async () => {
      const [first, second] = [await robot(), await robot()];
      const mission = await createMission();
      const changed = await api.call('PATCH', `/api/v1/missions/${mission.id}`, {
        token: operator,
        body: { name: 'urgent run', priority: 10, scheduled_start: '2026-05-01T08:00:00Z', payload: null },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ name: 'urgent run', priority: 10, payload: null });
      expect(Date.parse(changed.body.scheduled_start)).toBe(Date.parse('2026-05-01T08:00:00Z'));

      expect((await step(mission.id, 'assign', { robot_id: first })).body.assigned_robot_id).toBe(first);
      expect((await step(mission.id, 'assign', { robot_id: second })).body.assigned_robot_id).toBe(second);
      const back = await step(mission.id, 'unassign');
      expect(back.body).toMatchObject({ status: 'pending', assigned_robot_id: null, assigned_at: null });
    });

    it('a robot has at most one active mission', async () => {
      const rover = await robot();
      const first = await createMission({ name: 'first', assigned_robot_id: rover });
      const second = await createMission({ name: 'second', assigned_robot_id: rover });
      expect((await step(first.id, 'start')).status).toBe(200);

      const refused = await step(second.id, 'start');
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe(
        `robot '${rover}' already has an active mission: mission ${first.id} ('first')`,
      );
      expect((await api.call('GET', `/api/v1/missions/${second.id}`, { token: viewer })).body).toMatchObject({
        status: 'assigned',
        started_at: null,
      });
      expect((await auditOf(second.id)).map((e) => e.action)).toEqual(['mission.create']);

      expect((await step(first.id, 'complete')).status).toBe(200);
      expect((await step(second.id, 'start')).body.status).toBe('active');
    });

    it('a waypoint moved during the mission keeps its original coordinates and who moved it and why', async () => {
      const rover = await robot();
      const mission = await createMission({
        assigned_robot_id: rover,
        waypoints: [
          { name: 'pad', coordinates: { lat: 48.137, lon: 11.575 }, action: 'takeoff' },
          { name: 'drop', coordinates: { lat: 48.14, lon: 11.58, alt: 40 }, action: 'deliver_package' },
        ],
      });
      const [pad, drop] = mission.waypoints;
      const path = (id: string) => `/api/v1/missions/${mission.id}/waypoints/${id}`;
      expect((await step(mission.id, 'start')).status).toBe(200);

      const unexplained = await api.call('PATCH', path(drop.id), {
        token: operator,
        body: { coordinates: { lat: 48.141, lon: 11.581, alt: 40 } },
      });
      expect(unexplained.status).toBe(422);
      expect(unexplained.body.details).toEqual([{ path: 'modification_reason', message: expect.any(String) }]);

      const moved = await api.call('PATCH', path(drop.id), {
        token: operator,
        body: { coordinates: { lat: 48.141, lon: 11.581, alt: 40 }, modification_reason: 'crane in the way' },
      });
      expect(moved.status).toBe(200);
      const movedDrop = moved.body.waypoints[1];
      expect(movedDrop).toMatchObject({
        id: drop.id,
        coordinates: { lat: 48.141, lon: 11.581, alt: 40 },
        original_coordinates: { lat: 48.14, lon: 11.58, alt: 40 },
        status: 'modified',
        modification_reason: 'crane in the way',
        modified_by: operatorName,
      });
      expect(Date.parse(movedDrop.modified_at)).not.toBeNaN();
      expect(moved.body.progress).toMatchObject({ total: 2, modified: 1 });

      const again = await api.call('PATCH', path(drop.id), {
        token: operator,
        body: { coordinates: { lat: 48.142, lon: 11.582 }, modification_reason: 'gate closed' },
      });
      expect(again.body.waypoints[1]).toMatchObject({
        coordinates: { lat: 48.142, lon: 11.582 },
        original_coordinates: { lat: 48.14, lon: 11.58, alt: 40 },
        modification_reason: 'gate closed',
      });

      const arrived = await api.call('PATCH', path(pad.id), { token: operator, body: { status: 'completed' } });
      expect(arrived.status).toBe(200);
      expect(arrived.body.waypoints[0]).toMatchObject({ status: 'completed', original_coordinates: null });
      expect(Date.parse(arrived.body.waypoints[0].actual_arrival)).not.toBeNaN();
      expect(arrived.body.progress).toMatchObject({ completed: 1, modified: 1 });

      const appended = await api.call('POST', `/api/v1/missions/${mission.id}/waypoints`, {
        token: operator,
        body: { name: 'home', coordinates: { lat: 48.137, lon: 11.575 }, action: 'land' },
      });
      expect(appended.status).toBe(201);
      expect(appended.body.waypoints.map((w: { name: string }) => w.name)).toEqual(['pad', 'drop', 'home']);
      expect(appended.body.waypoints[2].sequence_order).toBe(2);

      const elsewhere = await createMission({ waypoints: [{ coordinates: { x: 0, y: 0 } }] });
      const foreign = await api.call('PATCH', path(elsewhere.waypoints[0].id), {
        token: operator,
        body: { name: 'x' },
      });
      expect(foreign.status).toBe(404);

      const audit = await auditOf(mission.id);
      expect(audit.map((e) => e.action)).toEqual([
        'mission.create',
        'mission.start',
        'mission.waypoint.update',
        'mission.waypoint.update',
        'mission.waypoint.update',
        'mission.waypoint.add',
      ]);
      expect(audit[2]).toMatchObject({
        actor: operatorName,
        before: { coordinates: { lat: 48.14, lon: 11.58, alt: 40 }, status: 'pending' },
        after: { status: 'modified', modified_by: operatorName },
      });
    });

    it("a mission's telemetry is its robot's over the mission, from start to end", async () => {
      const rover = await robot();
      const mission = await createMission({ assigned_robot_id: rover });
      const notYet = await api.call('GET', `/api/v1/missions/${mission.id}/telemetry?measurement=battery_status`, {
        token: viewer,
      });
      expect(notYet.status).toBe(409);

      const started = await step(mission.id, 'start');
      const startedAt = new Date(started.body.started_at);
      const store = api.app.app.get<TelemetryStore>(TELEMETRY_STORE);
      const battery = (time: Date, percentage: number) => ({
        measurement: 'battery_status' as const,
        robotId: rover,
        fields: { percentage },
        time,
      });
      await store.write([battery(new Date(startedAt.getTime() - 60_000), 99), battery(new Date(), 80)]);
      const completed = await step(mission.id, 'complete');
      await store.write([battery(new Date(Date.parse(completed.body.completed_at) + 1), 10)]);

      const history = await api.call(
        'GET',
        `/api/v1/missions/${mission.id}/telemetry?measurement=battery_status&fields=percentage&fn=count`,
        { token: viewer },
      );
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({
        robot_id: rover,
        from: startedAt.toISOString(),
        to: new Date(completed.body.completed_at).toISOString(),
      });
      const counted = (history.body.values.percentage as (number | null)[]).reduce<number>(
        (sum, n) => sum + (n ?? 0),
        0,
      );
      expect(counted).toBe(1);
    });

    it('a viewer reads missions but cannot create or change them', async () => {
      const mission = await createMission({ waypoints: [{ coordinates: { x: 0, y: 0 } }] });
      const waypoint = mission.waypoints[0].id;
      for (const [method, path, body] of [
        ['POST', '', { name: 'mine', mission_type: 'patrol' }],
        ['PATCH', `/${mission.id}`, { name: 'mine' }],
        ['DELETE', `/${mission.id}`, undefined],
        ['POST', `/${mission.id}/assign`, { robot_id: 'r' }],
        ['POST', `/${mission.id}/cancel`, undefined],
        ['POST', `/${mission.id}/waypoints`, { coordinates: { x: 1, y: 1 } }],
        ['PATCH', `/${mission.id}/waypoints/${waypoint}`, { name: 'x' }],
      ] as const) {
        const response = await api.call(method, `/api/v1/missions${path}`, { token: viewer, body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
      }
      expect((await api.call('GET', `/api/v1/missions/${mission.id}`, { token: viewer })).status).toBe(200);
      expect((await api.call('GET', '/api/v1/missions', { token: viewer })).status).toBe(200);
      expect((await api.call('GET', '/api/v1/missions')).status).toBe(401);
      expect((await api.call('GET', `/api/v1/missions/${mission.id}`, { token: viewer })).body.name).toBe(
        'warehouse run',
      );
    });

    it('refuses bad input with 422 naming each field, and unknown missions and robots with 404', async () => {
      const bad = await api.call('POST', '/api/v1/missions', {
        token: operator,
        body: {
          name: '',
          mission_type: 'flying',
          priority: 11,
          estimated_duration_s: -1,
          waypoints: [
            { coordinates: { x: 1, y: 2 } },
            { coordinates: { x: 'a', y: 2 } },
            { coordinates: { lat: 91, lon: 0 } },
          ],
          extra: true,
        },
      });
      expect(bad.status).toBe(422);
      const paths = bad.body.details.map((d: { path: string }) => d.path);
      expect([...new Set(paths)].sort()).toEqual(
        [
          '(root)',
          'name',
          'mission_type',
          'priority',
          'estimated_duration_s',
          'waypoints.1.coordinates',
          'waypoints.2.coordinates.lat',
        ].sort(),
      );

      const noWaypoint = await api.call('POST', '/api/v1/missions', {
        token: operator,
        body: { name: 'x', mission_type: 'patrol', waypoints: [{ coordinates: { x: Number.NaN, y: 1 } }] },
      });
      expect(noWaypoint.status).toBe(422);

      const ghostRobot = await api.call('POST', '/api/v1/missions', {
        token: operator,
        body: { name: 'x', mission_type: 'patrol', assigned_robot_id: 'no-such-rover' },
      });
      expect(ghostRobot.status).toBe(404);
      expect(ghostRobot.body.message).toBe("robot 'no-such-rover' not found");

      const retired = await robot();
      expect((await api.call('DELETE', `/api/v1/robots/${retired}`, { token: admin })).status).toBe(204);
      const mission = await createMission();
      const toRetired = await step(mission.id, 'assign', { robot_id: retired });
      expect(toRetired.status).toBe(422);
      expect(toRetired.body.message).toBe(`robot '${retired}' is deactivated: a mission cannot be assigned to it`);
      expect((await step(mission.id, 'assign', { robot_id: 'no-such-rover' })).status).toBe(404);
      expect((await step(mission.id, 'assign', {})).body.details).toEqual([
        { path: 'robot_id', message: expect.any(String) },
      ]);
      expect((await step(mission.id, 'fail', {})).status).toBe(422);

      const empty = await api.call('PATCH', `/api/v1/missions/${mission.id}`, { token: operator, body: {} });
      expect(empty.status).toBe(422);
      const reasonOnly = await api.call('PATCH', `/api/v1/missions/${mission.id}/waypoints/${GHOST}`, {
        token: operator,
        body: { modification_reason: 'why not' },
      });
      expect(reasonOnly.status).toBe(422);

      const notUuid = await api.call('GET', '/api/v1/missions/42', { token: viewer });
      expect(notUuid.status).toBe(422);
      expect(notUuid.body.details).toEqual([{ path: '(root)', message: expect.any(String) }]);
      const ghost = await api.call('GET', `/api/v1/missions/${GHOST}`, { token: viewer });
      expect(ghost.status).toBe(404);
      expect(ghost.body.message).toBe(`mission '${GHOST}' not found`);
      expect((await step(GHOST, 'start')).status).toBe(404);
      const ghostWaypoint = await api.call('PATCH', `/api/v1/missions/${mission.id}/waypoints/${GHOST}`, {
        token: operator,
        body: { name: 'x' },
      });
      expect(ghostWaypoint.status).toBe(404);
    });

    it('lists missions newest first with filters and pagination', async () => {
      const since = new Date().toISOString();
      const [north, south] = [await robot(), await robot()];
      const names: string[] = [];
      for (const [name, type, rover] of [
        ['l-patrol', 'patrol', north],
        ['l-delivery-1', 'delivery', north],
        ['l-delivery-2', 'delivery', south],
        ['l-pickup', 'pickup', undefined],
      ] as const) {
        await createMission({
          name,
          mission_type: type,
          ...(rover && { assigned_robot_id: rover }),
          waypoints: [{ coordinates: { x: 0, y: 0 } }],
        });
        names.push(name);
      }
      const list = (query: string) =>
        api.call('GET', `/api/v1/missions?from=${encodeURIComponent(since)}&${query}`, { token: viewer });
      const namesOf = (body: { items: { name: string }[] }) => body.items.map((m) => m.name);

      const first = await list('limit=3');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total: 4, limit: 3, offset: 0 });
      expect(namesOf(first.body)).toEqual(['l-pickup', 'l-delivery-2', 'l-delivery-1']);
      expect(first.body.items[0]).not.toHaveProperty('waypoints');
      expect(first.body.items[0].progress).toEqual({ total: 1, completed: 0, skipped: 0, modified: 0 });
      expect(namesOf((await list('limit=3&offset=3')).body)).toEqual(['l-patrol']);

      expect(namesOf((await list(`robot_id=${north}`)).body)).toEqual(['l-delivery-1', 'l-patrol']);
      expect(namesOf((await list('mission_type=delivery')).body)).toEqual(['l-delivery-2', 'l-delivery-1']);
      expect(namesOf((await list('status=pending')).body)).toEqual(['l-pickup']);
      expect((await list(`to=${encodeURIComponent(since)}`)).status).toBe(422);
      const future = new Date(Date.now() + 86_400_000).toISOString();
      expect(
        (await api.call('GET', `/api/v1/missions?from=${encodeURIComponent(future)}`, { token: viewer })).body,
      ).toMatchObject({
        total: 0,
        items: [],
      });

      for (const query of ['limit=501', 'status=flying', 'mission_type=x', 'from=yesterday', 'offset=-1']) {
        const refused = await api.call('GET', `/api/v1/missions?${query}`, { token: viewer });
        expect({ query, status: refused.status }).toEqual({ query, status: 422 });
      }
    });
  });
}
