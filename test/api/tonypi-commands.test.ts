import { API_SERVERS } from '../support/api';
import { startCommandStack, tonypiClient, type CommandStack, type FakeRobot } from '../support/command-stack';
import { DatabaseFactory } from '../support/database';
import { eventually } from '../support/eventually';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));
const V1 = '/tonypi/api/v1';

if (missing.length > 0) {
  reportMissingServer(missing[0], 'TonyPi commands');
} else {
  describe('the TonyPi dashboard commands robots through Fleet', () => {
    let factory: DatabaseFactory;
    let stack: CommandStack;
    let api: CommandStack['api'];
    let operator: string;
    let viewer: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      stack = await startCommandStack(factory);
      ({ api, operator, viewer } = stack);
    }, 60_000);
    afterAll(async () => {
      await stack?.close();
      await factory.dispose();
    });

    /** A registered robot, online through ingest, answering as the TonyPi client does. */
    const onlineRobot = (): Promise<FakeRobot> => stack.robot({ answer: tonypiClient });

    const post = (path: string, body?: Record<string, unknown>, token = operator) =>
      api.call('POST', `${V1}${path}`, { token, body });
    const commandStatus = async (id: string) =>
      (await api.call('GET', `/api/v1/commands/${id}`, { token: operator })).body.status;
    const receivedOn = (robot: FakeRobot, name: string) =>
      eventually(() => {
        const found = robot.received.find((m) => m.topic === name);
        if (!found) throw new Error(`${robot.id} received nothing on ${name}`);
        return found.message;
      });

    it('a management command reaches the robot as {type, id, ...parameters, timestamp}; the answer carries that id', async () => {
      const robot = await onlineRobot();
      const response = await post('/management/command', {
        command: 'move',
        parameters: { direction: 'forward', distance: 2 },
        robot_id: robot.id,
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        message: 'Command sent successfully',
        command_id: expect.any(String),
      });
      const message = await receivedOn(robot, `tonypi/commands/${robot.id}`);
      expect(message).toEqual({
        type: 'move',
        id: response.body.command_id,
        direction: 'forward',
        distance: 2,
        timestamp: expect.any(String),
      });
      await eventually(async () => expect(await commandStatus(response.body.command_id)).toBe('completed'));
    });

    it('a robot-data command is the message itself: echoed with its command_id, and sent to the robot', async () => {
      const robot = await onlineRobot();
      const body = { robot_id: robot.id, type: 'set_servo', servo_id: 3, position: 45 };
      const response = await post('/robot-data/command', body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        message: 'Command sent to robot',
        topic: `tonypi/commands/${robot.id}`,
        command: { ...body, command_id: expect.any(String) },
      });
      const message = await receivedOn(robot, `tonypi/commands/${robot.id}`);
      expect(message).toMatchObject({
        type: 'set_servo',
        id: response.body.command.command_id,
        servo_id: 3,
        position: 45,
      });
    });

    it('an emergency stop from the robot page reaches the robot on its emergency-stop topic, and resume clears it', async () => {
      const robot = await onlineRobot();
      const stop = await post(`/management/robots/${robot.id}/emergency-stop`, { reason: 'hand in the cell' });
      expect(stop.status).toBe(200);
      expect(stop.body).toEqual({
        success: true,
        message: `Emergency stop sent to ${robot.id}`,
        command_id: expect.any(String),
      });
      const message = await receivedOn(robot, `tonypi/emergency_stop/${robot.id}`);
      expect(message).toMatchObject({ type: 'emergency_stop', reason: 'hand in the cell', id: stop.body.command_id });
      await eventually(async () => {
        const row = await api.db
          .selectFrom('robots')
          .select('status')
          .where('robot_id', '=', robot.id)
          .executeTakeFirst();
        expect(row?.status).toBe('emergency_stopped');
      });

      const refused = await post('/management/command', {
        command: 'move',
        parameters: { direction: 'left' },
        robot_id: robot.id,
      });
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toMatch(/emergency-stopped/);

      const resume = await post(`/management/robots/${robot.id}/resume`);
      expect(resume.status).toBe(200);
      expect(resume.body).toEqual({
        success: true,
        message: `Resume command sent to ${robot.id}`,
        command_id: expect.any(String),
      });
      const resumed = await eventually(() => {
        const found = robot.received.find((m) => m.message.id === resume.body.command_id);
        if (!found) throw new Error('resume not received');
        return found;
      });
      expect(resumed).toEqual({
        topic: `tonypi/commands/${robot.id}`,
        message: { type: 'resume', id: resume.body.command_id, timestamp: expect.any(String) },
      });
    });

    it('trigger-scan publishes the QR on the robot scan topic as if the robot had scanned it, and is audited', async () => {
      const robot = await onlineRobot();
      const response = await post('/robot-data/trigger-scan', { robot_id: robot.id, qr: 'STATION_A' });
      expect(response.status).toBe(200);
      const payload = { robot_id: robot.id, qr: 'STATION_A', timestamp: expect.any(String) };
      expect(response.body).toEqual({ success: true, topic: `tonypi/scan/${robot.id}`, payload });
      expect(new Date(response.body.payload.timestamp).toISOString()).toBe(response.body.payload.timestamp);
      expect(await receivedOn(robot, `tonypi/scan/${robot.id}`)).toEqual(response.body.payload);
      const audit = await api.db
        .selectFrom('audit_entries')
        .select(['action', 'actor'])
        .where('entity_id', '=', robot.id)
        .where('action', '=', 'robot.trigger_scan')
        .execute();
      expect(audit).toEqual([{ action: 'robot.trigger_scan', actor: expect.stringMatching(/^operator/) }]);
    });

    it('a viewer may not command, stop or scan: 403 with a detail', async () => {
      const robot = await onlineRobot();
      const attempts = [
        post('/management/command', { command: 'stop', robot_id: robot.id }, viewer),
        post('/robot-data/command', { robot_id: robot.id, type: 'stop' }, viewer),
        post(`/management/robots/${robot.id}/emergency-stop`, {}, viewer),
        post(`/management/robots/${robot.id}/resume`, {}, viewer),
        post('/management/emergency-stop/broadcast', {}, viewer),
        post('/robot-data/trigger-scan', { robot_id: robot.id, qr: 'X' }, viewer),
      ];
      for (const response of await Promise.all(attempts)) {
        expect([response.status, response.body.detail]).toEqual([
          403,
          expect.stringMatching(/needs the operator role/),
        ]);
      }
      expect(robot.received).toEqual([]);
    });

    it("an unknown robot is 404 in TonyPi's error shape, and nothing is stored", async () => {
      const count = async () => (await api.db.selectFrom('commands').select('id').execute()).length;
      const before = await count();
      for (const [path, body] of [
        ['/management/command', { command: 'stop', robot_id: 'nobody_here' }],
        ['/management/robots/nobody_here/emergency-stop', {}],
        ['/management/robots/nobody_here/resume', {}],
        ['/robot-data/trigger-scan', { robot_id: 'nobody_here', qr: 'X' }],
      ] as const) {
        const response = await post(path, body);
        expect([path, response.status]).toEqual([path, 404]);
        expect(response.body.detail).toMatch(/nobody_here/);
      }
      expect(await count()).toBe(before);
    });

    it('a broadcast emergency stop goes out once on the broadcast topic, from either route', async () => {
      const robot = await onlineRobot();
      const before = robot.received.length;
      const all = await post('/management/emergency-stop/broadcast');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        success: true,
        message: 'Emergency stop sent to all robots',
        command_id: expect.any(String),
      });
      const message = await receivedOn(robot, 'tonypi/emergency_stop/broadcast');
      expect(message).toMatchObject({
        type: 'emergency_stop',
        reason: 'Broadcast emergency stop',
        id: all.body.command_id,
      });

      const byName = await post('/management/robots/broadcast/emergency-stop');
      expect(byName.status).toBe(200);
      expect(byName.body.message).toBe('Emergency stop sent to all robots');
      await eventually(() => {
        const found = robot.received.filter((m) => m.message.id === byName.body.command_id);
        expect(found).toEqual([
          {
            topic: 'tonypi/emergency_stop/broadcast',
            message: expect.objectContaining({ reason: 'User triggered emergency stop' }),
          },
        ]);
      });
      expect(robot.received.slice(before).every((m) => m.topic === 'tonypi/emergency_stop/broadcast')).toBe(true);

      const status = await api.call('GET', `${V1}/management/system/status`, { token: viewer });
      const today = await api.db.selectFrom('commands').select('id').execute();
      expect(status.body.total_commands_today).toBe(today.length);
    });
  });
}
