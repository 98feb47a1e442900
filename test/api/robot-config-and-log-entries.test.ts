import type { MqttClient } from 'mqtt';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { nextMessage, robotClient } from '../support/mqtt';
import { reportMissingServer, serverUrl, uniqueName } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'robot settings and log entries API');
} else {
  describe('robot settings and log entries through /api/v1', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let client: MqttClient;
    let operator: string;
    let admin: string;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      [operator, admin] = await Promise.all([api.tokenFor('operator'), api.tokenFor('admin')]);
      await api.db
        .insertInto('robots')
        .values({
          robot_id: 'settings_bot',
          name: 'Settings Bot',
          settings: JSON.stringify({ behavior: { patrol_mode: false } }),
        })
        .execute();
      client = await robotClient(serverUrl('MQTT_URL') as string, uniqueName('settings'));
    });
    afterAll(async () => {
      await client?.endAsync();
      await api?.close();
      await factory.dispose();
    });

    it('an admin replaces one settings section: kept beside the others, sent to the robot, audited', async () => {
      const body = { config_type: 'navigation', config_data: { max_speed: 1.2 } };
      const refused = await api.call('PUT', '/api/v1/robots/settings_bot/config', { token: operator, body });
      expect(refused.status).toBe(403);

      const { promise } = await nextMessage(client, `${api.prefix}/tonypi/config/settings_bot`);
      const response = await api.call('PUT', '/api/v1/robots/settings_bot/config', { token: admin, body });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        robot_id: 'settings_bot',
        settings: { behavior: { patrol_mode: false }, navigation: { max_speed: 1.2 } },
      });
      const message = await promise;
      expect(JSON.parse(message.payload)).toEqual({ ...body, timestamp: expect.any(String) });

      const audit = await api.db
        .selectFrom('audit_entries')
        .select(['action', 'actor', 'before', 'after'])
        .where('entity_id', '=', 'settings_bot')
        .execute();
      expect(audit).toEqual([
        {
          action: 'robot.config_update',
          actor: 'admin',
          before: { settings: { behavior: { patrol_mode: false } } },
          after: { settings: { behavior: { patrol_mode: false }, navigation: { max_speed: 1.2 } } },
        },
      ]);
    });

    it('sections changed at the same moment are all kept', async () => {
      const sections = ['camera', 'audio', 'servo', 'vision', 'safety', 'network'];
      const answers = await Promise.all(
        sections.map((config_type, i) =>
          api.call('PUT', '/api/v1/robots/settings_bot/config', {
            token: admin,
            body: { config_type, config_data: { level: i } },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(sections.map(() => 200));
      const robot = await api.call('GET', '/api/v1/robots/settings_bot', { token: admin });
      expect(robot.body.settings).toMatchObject(Object.fromEntries(sections.map((name, i) => [name, { level: i }])));
    });

    it('a section name the robot would refuse, or an unknown robot, changes nothing', async () => {
      const bad = await api.call('PUT', '/api/v1/robots/settings_bot/config', {
        token: admin,
        body: { config_type: 'Navigation Mode', config_data: {} },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.details).toEqual([expect.objectContaining({ path: 'config_type' })]);
      const unknown = await api.call('PUT', '/api/v1/robots/nobody/config', {
        token: admin,
        body: { config_type: 'navigation', config_data: {} },
      });
      expect(unknown.status).toBe(404);
    });

    it('an operator writes a log entry, levels and categories in any case; the audit trail says who', async () => {
      const written = await api.call('POST', '/api/v1/logs', {
        token: operator,
        body: { level: 'warning', category: 'Robot', message: 'Gripper replaced', robot_id: 'settings_bot' },
      });
      expect(written.status).toBe(201);
      expect(written.body).toMatchObject({
        id: expect.any(Number),
        level: 'WARNING',
        category: 'robot',
        message: 'Gripper replaced',
        robot_id: 'settings_bot',
        details: null,
      });
      const listed = await api.call('GET', '/api/v1/logs?search=gripper', { token: operator });
      expect(listed.body.items).toEqual([written.body]);
      const audit = await api.db
        .selectFrom('audit_entries')
        .select(['action', 'actor_id'])
        .where('entity_type', '=', 'system_log')
        .where('entity_id', '=', String(written.body.id))
        .execute();
      expect(audit).toEqual([{ action: 'system_log.create', actor_id: expect.any(String) }]);

      const viewer = await api.tokenFor('viewer');
      expect(
        (
          await api.call('POST', '/api/v1/logs', {
            token: viewer,
            body: { level: 'INFO', category: 'x', message: 'y' },
          })
        ).status,
      ).toBe(403);
      const invalid = await api.call('POST', '/api/v1/logs', {
        token: operator,
        body: { level: 'LOUD', category: 'robot', message: '' },
      });
      expect(invalid.status).toBe(422);
    });
  });
}
