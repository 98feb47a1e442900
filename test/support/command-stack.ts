import { connectAsync, type MqttClient } from 'mqtt';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { JobsModule } from '@apps/jobs/src/jobs.module';
import { TelemetryReader } from '@apps/jobs/src/telemetry.reader';
import { naiveIsoTimestamp } from '@fleet/contracts';
import { startApi, type TestApi } from './api';
import { startApp, type RunningApp } from './app';
import type { DatabaseFactory } from './database';
import { eventually } from './eventually';
import { robotClient } from './mqtt';
import { serverUrl, uniqueName } from './servers';
import { tempDir } from './temp-dir';

/** A message Fleet sent a robot: a command, an emergency stop or a scan. */
export type SentMessage = Record<string, unknown> & { id?: string; type?: string; reason?: string };

/** A robot on Mosquitto: what it received (topics without the prefix), and a way to publish as it. */
export interface FakeRobot {
  id: string;
  client: MqttClient;
  received: { topic: string; message: SentMessage }[];
  publish(topic: string, payload: Record<string, unknown>): Promise<void>;
}

export type Answerer = (robot: FakeRobot, topic: string, message: SentMessage) => unknown;

/** The API, ingest and jobs as production runs them, meeting on Mosquitto, Redis and Postgres. */
export interface CommandStack {
  api: TestApi;
  services: RunningApp[];
  operator: string;
  admin: string;
  viewer: string;
  /**
   * A registered robot listening on its command, emergency-stop and scan topics (and the broadcast ones), online
   * (its status message went through ingest) unless `online` is false; `answer` is called for each message. A
   * `persistent` robot keeps its session on the broker and reconnects by itself, as through a broker restart.
   */
  robot(options?: { online?: boolean; answer?: Answerer; persistent?: boolean }): Promise<FakeRobot>;
  /** Publishes an `online` status for the robot and waits until Fleet has it online. */
  goOnline(robot: FakeRobot): Promise<void>;
  close(): Promise<void>;
}

export async function startCommandStack(
  factory: DatabaseFactory,
  env: Record<string, string> = {},
): Promise<CommandStack> {
  const buffer = await tempDir('fleet-commands');
  const settings: Record<string, string> = { COMMAND_CHECK_INTERVAL_MS: '100', ...env };
  const mqttUrl = settings.MQTT_URL ?? (serverUrl('MQTT_URL') as string);
  const api = await startApi(factory, settings);
  const shared = {
    DATABASE_URL: api.database.url,
    MQTT_URL: mqttUrl,
    MQTT_TOPIC_PREFIX: api.prefix,
    REDIS_URL: serverUrl('REDIS_URL') as string,
    REDIS_KEY_PREFIX: `${api.prefix}:`,
    ...settings,
  };
  const services = [await startApp(JobsModule, 'jobs', shared)];
  await services[0].app.get(TelemetryReader).ready;
  services.push(await startApp(IngestModule, 'ingest', { ...shared, INGEST_BUFFER_DIR: buffer.path }));
  const [operator, admin, viewer] = await Promise.all([
    api.tokenFor('operator'),
    api.tokenFor('admin'),
    api.tokenFor('viewer'),
  ]);
  const robots: FakeRobot[] = [];
  const topic = (name: string) => `${api.prefix}/${name}`;

  async function goOnline(robot: FakeRobot): Promise<void> {
    await robot.publish(`tonypi/status/${robot.id}`, {
      robot_id: robot.id,
      status: 'online',
      timestamp: naiveIsoTimestamp(new Date()),
    });
    await eventually(async () => {
      const row = await api.db
        .selectFrom('robots')
        .select('status')
        .where('robot_id', '=', robot.id)
        .executeTakeFirst();
      expect(row?.status).toBe('online');
    });
  }

  return {
    api,
    services,
    operator,
    admin,
    viewer,
    goOnline,
    async robot(options = {}) {
      const id = uniqueName('tonypi').slice(0, 40);
      const created = await api.call('POST', '/api/v1/robots', { token: admin, body: { robot_id: id } });
      expect(created.status).toBe(201);
      const client = options.persistent
        ? await connectAsync(mqttUrl, { clientId: id, clean: false, reconnectPeriod: 100, connectTimeout: 5_000 })
        : await robotClient(mqttUrl, id);
      const robot: FakeRobot = {
        id,
        client,
        received: [],
        publish: async (name, payload) => {
          await client.publishAsync(topic(name), JSON.stringify(payload), { qos: 1 });
        },
      };
      robots.push(robot);
      client.on('message', (received, payload) => {
        const message = JSON.parse(payload.toString()) as SentMessage;
        const name = received.slice(api.prefix.length + 1);
        robot.received.push({ topic: name, message });
        void options.answer?.(robot, name, message);
      });
      for (const t of [
        `tonypi/commands/${id}`,
        'tonypi/commands/broadcast',
        `tonypi/emergency_stop/${id}`,
        'tonypi/emergency_stop/broadcast',
        `tonypi/scan/${id}`,
      ]) {
        await client.subscribeAsync(topic(t), { qos: 1 });
      }
      if (options.online !== false) await goOnline(robot);
      return robot;
    },
    async close() {
      for (const r of robots) await r.client.endAsync(true);
      for (const s of services.reverse()) await s.close();
      await api.close();
      await buffer.remove();
    },
  };
}

/** Answers as the TonyPi client does: on `tonypi/commands/response`, the command's id as `command_id`. */
export function answer(robot: FakeRobot, message: SentMessage, fields: Record<string, unknown>): Promise<void> {
  return robot.publish('tonypi/commands/response', {
    robot_id: robot.id,
    command_id: message.id,
    timestamp: naiveIsoTimestamp(new Date()),
    ...fields,
  });
}

/**
 * The TonyPi client's answers: an emergency stop acknowledged on both response topics, a resume with its state,
 * anything else a success with some data; scans (its own, published by Fleet as a test aid) go unanswered.
 */
export async function tonypiClient(robot: FakeRobot, topic: string, message: SentMessage): Promise<void> {
  if (topic.startsWith('tonypi/scan/')) return;
  if (topic.startsWith('tonypi/emergency_stop/')) {
    const ack = {
      robot_id: robot.id,
      command_id: message.id,
      type: 'emergency_stop',
      success: true,
      message: `Emergency stop activated: ${message.reason}`,
      reason: message.reason,
      state: { emergency_stopped: true, motors_stopped: true },
      timestamp: naiveIsoTimestamp(new Date()),
    };
    await robot.publish('tonypi/emergency_stop/response', ack);
    await robot.publish('tonypi/commands/response', ack);
  } else if (message.type === 'resume') {
    await answer(robot, message, { type: 'resume', success: true, state: { emergency_stopped: false, ready: true } });
  } else {
    await answer(robot, message, { success: true, message: 'done', data: { battery_level: 80 } });
  }
}
