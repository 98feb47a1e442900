// Robots on the broker that answer every command at once with success, as the TonyPi client answers, and remember
// what they received.
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { naiveIsoTimestamp } from '@fleet/contracts';

export interface FakeRobot {
  id: string;
  client: MqttClient;
  /** How many times each command id arrived on this robot's command topic. */
  received: Map<string, number>;
}

/**
 * Connects one client per robot to `mqttUrl` (client id = robot id, as the TonyPi client connects), subscribed at
 * QoS 1 to its command topic under `prefix`. Every command is answered on `tonypi/commands/response` with
 * `{robot_id, command_id, success: true, message, timestamp}`.
 */
export async function connectRobots(
  mqttUrl: string,
  prefix: string,
  ids: readonly string[],
  auth: Pick<IClientOptions, 'username' | 'password'>,
): Promise<FakeRobot[]> {
  const robots: FakeRobot[] = [];
  try {
    for (const id of ids) {
      const client = await connectAsync(mqttUrl, {
        clientId: id,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        ...auth,
      });
      const robot: FakeRobot = { id, client, received: new Map() };
      robots.push(robot);
      const commandTopic = `${prefix}/tonypi/commands/${id}`;
      client.on('message', (topic, payload) => {
        if (topic !== commandTopic) return;
        const message = JSON.parse(payload.toString('utf8')) as { id?: unknown };
        if (typeof message.id !== 'string') return;
        robot.received.set(message.id, (robot.received.get(message.id) ?? 0) + 1);
        const answer = {
          robot_id: id,
          command_id: message.id,
          success: true,
          message: 'Status retrieved',
          timestamp: naiveIsoTimestamp(new Date()),
        };
        client.publish(`${prefix}/tonypi/commands/response`, JSON.stringify(answer), { qos: 1 });
      });
      await client.subscribeAsync(commandTopic, { qos: 1 });
    }
  } catch (error) {
    await disconnectRobots(robots);
    throw error;
  }
  return robots;
}

/** Publishes each robot's `tonypi/status/{id}` message (online), as the TonyPi client does when it starts. */
export async function announceOnline(robots: readonly FakeRobot[], prefix: string): Promise<void> {
  await Promise.all(
    robots.map((r) =>
      r.client.publishAsync(
        `${prefix}/tonypi/status/${r.id}`,
        JSON.stringify({ robot_id: r.id, status: 'online', timestamp: naiveIsoTimestamp(new Date()) }),
        { qos: 1 },
      ),
    ),
  );
}

export async function disconnectRobots(robots: readonly FakeRobot[]): Promise<void> {
  await Promise.all(robots.map((r) => r.client.endAsync(true)));
}
