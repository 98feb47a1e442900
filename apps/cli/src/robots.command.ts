import { InvalidArgumentError, Option, type Command } from 'commander';
import type { FleetConfig } from '@fleet/config';
import { RobotCredentialRepository, RobotRepository } from '@fleet/database';
import { hashRobotSecret, newRobotSecret, robotIdProblem } from '@fleet/messaging';
import type { CliIo, DatabaseCommandContext } from './cli';

interface CredentialsOptions {
  create?: boolean;
  revoke?: boolean;
  list?: boolean;
}

/** Who the audit trail names for changes made here. */
const BY_CLI = { actor: 'cli' };

/** How soon the embedded broker notices a revoked or replaced credential (its credential cache period). */
const TAKES_EFFECT = 'within 30 seconds';

/**
 * `fleet robots credentials <id> [--create] | --revoke | --list`: the MQTT credentials robots log in to the
 * embedded broker with (username = robot id).
 */
export function registerRobotsCommand(program: Command, context: DatabaseCommandContext): void {
  const { io, ran, withDatabase } = context;
  const robots = program.command('robots').description('robots and their access to the MQTT broker');
  robots
    .command('credentials')
    .description(
      "issue a robot's MQTT secret for the embedded broker, replacing the one it had; or revoke it; or list them",
    )
    .argument('[id]', 'robot id, which is also its MQTT username', parseRobotId)
    .option('--create', 'register the robot first if it is not registered')
    .addOption(new Option('--revoke', "revoke the robot's credential").conflicts(['create', 'list']))
    .addOption(
      new Option('--list', "list credentials (the robot's, or every robot's) without changes").conflicts('create'),
    )
    .action(async (id: string | undefined, options: CredentialsOptions, command: Command) => {
      if (id === undefined && !options.list) command.error('error: missing robot id (or use --list)');
      ran();
      await withDatabase(io, async ({ db }, config) => {
        const credentials = new RobotCredentialRepository(db);
        if (options.list) return list(credentials, id, io);
        if (id === undefined) return;
        if (options.revoke) return revoke(credentials, id, io);
        return issue(new RobotRepository(db), credentials, id, options.create === true, config, io);
      });
    });
}

function parseRobotId(value: string): string {
  const problem = robotIdProblem(value);
  if (problem) throw new InvalidArgumentError(`'${value}' cannot be a robot's MQTT username: ${problem}.`);
  return value;
}

async function issue(
  robots: RobotRepository,
  credentials: RobotCredentialRepository,
  robotId: string,
  create: boolean,
  config: FleetConfig,
  io: CliIo,
): Promise<void> {
  const robot = await robots.find(robotId);
  if (!robot && !create) {
    throw new Error(`robot '${robotId}' is not registered: check the id, or add --create to register it`);
  }
  if (robot && !robot.is_active) {
    throw new Error(`robot '${robotId}' is deactivated, and a deactivated robot cannot log in: reactivate it first`);
  }
  if (!robot) {
    await robots.create(robotId, { name: robotId });
    io.out(`registered robot ${robotId}\n`);
  }
  const secret = newRobotSecret();
  const { replaced } = await credentials.issue(robotId, hashRobotSecret(secret), BY_CLI);
  io.out(
    [
      `MQTT credential for robot ${robotId}${replaced ? ' (replaces the previous one)' : ''}:`,
      `  username: ${robotId}`,
      `  secret:   ${secret}`,
      "The secret is shown only this once (Fleet keeps a hash): put it in the robot's MQTT settings now.",
      ...(replaced ? [`The previous secret stops working ${TAKES_EFFECT}; connections that use it are closed.`] : []),
      ...(config.mqtt.url
        ? [
            "MQTT_URL is set: this credential is for Fleet's embedded broker. On Mosquitto, add the robot to its",
            'password file instead (mosquitto/README.md).',
          ]
        : []),
      '',
    ].join('\n'),
  );
}

async function revoke(credentials: RobotCredentialRepository, robotId: string, io: CliIo): Promise<void> {
  const revoked = await credentials.revoke(robotId, BY_CLI);
  io.out(
    revoked
      ? `revoked the MQTT credential of robot ${robotId}: the embedded broker refuses it ${TAKES_EFFECT} and closes connections that use it\n`
      : `robot ${robotId} has no active MQTT credential: nothing to revoke\n`,
  );
}

async function list(credentials: RobotCredentialRepository, robotId: string | undefined, io: CliIo): Promise<void> {
  const rows = await credentials.list(robotId);
  if (rows.length === 0) {
    io.out(robotId ? `robot ${robotId} has no MQTT credential\n` : 'no robot has an MQTT credential\n');
    return;
  }
  const table = [
    ['robot', 'state', 'issued', 'by', 'last used'],
    ...rows.map((c) => [
      c.robot_id,
      c.revoked_at ? `revoked ${c.revoked_at.toISOString()}` : 'active',
      c.created_at.toISOString(),
      c.created_by ?? '-',
      c.last_used_at?.toISOString() ?? 'never',
    ]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? [];
  for (const row of table)
    io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}
