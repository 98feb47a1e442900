import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  COMMAND_REQUEST_STREAM,
  COMMAND_STREAM,
  COMMANDS_ALLOWED_WHILE_STOPPED,
  ConflictError,
  defaultRetries,
  InvalidInputError,
  NotFoundError,
  robotCommandMessage,
  type CommandCreate,
  type CommandListQuery,
  type CommandView,
  type Page,
  type RobotStatus,
} from '@fleet/contracts';
import {
  commandEvent,
  CommandRepository,
  commandView,
  RobotRepository,
  type CommandMission,
  type NewAuditEntry,
  type NewCommand,
} from '@fleet/database';
import { EVENT_BUS, type EventBus } from '@fleet/messaging';
import { CLOCK, LOGGER, type Clock } from '@fleet/platform';
import type { Actor } from '../http/request-context';

/** Stands in for the command id while a command's parameters are checked, before it has an id. */
const CHECK_ID = 'check';

type Targets = Pick<NewCommand, 'targets' | 'response'>;

/** Mission states a command can no longer join. */
const ENDED_MISSION = ['completed', 'failed', 'cancelled'];

/**
 * Commands to robots as operators give them: checked (type and parameters, robots registered, not
 * emergency-stopped for a command a stopped robot refuses, online unless `COMMAND_OFFLINE=wait`, the mission named
 * assigned to one of the targets and not ended), stored and audited in one transaction, and handed to the jobs
 * service, which publishes them and follows the answers. A command for one robot that names no mission joins the
 * mission the robot is carrying out, so a mission's commands (its emergency stops too) can be listed with it.
 */
@Injectable()
export class CommandsService {
  private readonly log: Logger;

  constructor(
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'commands' });
  }

  async create(actor: Actor, input: CommandCreate): Promise<CommandView> {
    robotCommandMessage(input.type, CHECK_ID, input.parameters, this.clock.now());
    const targets = input.broadcast
      ? await this.broadcastTargets(input.type)
      : await this.robotTargets(input.type, input.robot_ids ?? []);
    return this.store(actor, {
      type: input.type,
      parameters: input.parameters,
      broadcast: input.broadcast === true,
      timeoutS: input.timeout_s ?? this.config.commands.timeoutS,
      retries: input.retries ?? defaultRetries(input.type, this.config.commands.retries),
      missionId: input.mission_id ?? null,
      ...targets,
    });
  }

  /**
   * Stops the robots, or every robot (`broadcast`): sent whatever their status, since a robot that went silent
   * may still be moving. A broadcast goes out on the broadcast topic even when no robot is known to be online.
   */
  async emergencyStop(actor: Actor, robotIds: readonly string[] | 'broadcast', reason?: string): Promise<CommandView> {
    const parameters = { reason: reason ?? `Emergency stop by ${actor.user.username}` };
    const broadcast = robotIds === 'broadcast';
    const robots = broadcast
      ? (await this.robots.statuses()).filter((r) => r.status !== 'offline')
      : await this.registered(robotIds);
    return this.store(actor, {
      type: 'emergency_stop',
      parameters,
      broadcast,
      timeoutS: this.config.commands.timeoutS,
      retries: defaultRetries('emergency_stop', this.config.commands.retries),
      missionId: null,
      response: null,
      targets: robots.map((r) => ({ robotId: r.robot_id, status: 'pending', deadlineAt: this.clock.now() })),
    });
  }

  get(id: string): Promise<CommandView> {
    return this.commands.get(id).then((c) => commandView(c, c.results));
  }

  async list(query: CommandListQuery): Promise<Page<CommandView>> {
    const page = await this.commands.list(query);
    return { ...page, items: page.items.map((c) => commandView(c)) };
  }

  async cancel(actor: Actor, id: string): Promise<CommandView> {
    const change = await this.commands.cancel(id, actor.user.username, this.clock.now(), (before, after) =>
      auditEntry(actor, 'command.cancel', id, { status: before }, { status: after.command.status }),
    );
    await this.announce(COMMAND_STREAM, [commandEvent(change, this.clock.now())]);
    return commandView(change.command, change.results);
  }

  private async store(actor: Actor, command: Omit<NewCommand, 'createdBy'>): Promise<CommandView> {
    const targets = command.targets.map((t) => t.robotId);
    const record = await this.commands.create(
      { ...command, createdBy: actor.user.username },
      {
        checkMission: (mission) => checkMission(mission, targets),
        audit: (created) =>
          auditEntry(actor, 'command.create', created.id, null, {
            type: created.type,
            parameters: created.parameters,
            broadcast: created.broadcast,
            robot_ids: created.results.map((r) => r.robot_id),
            mission_id: created.mission_id,
          }),
      },
    );
    const view = commandView(record, record.results);
    this.log.info(
      { commandId: record.id, type: record.type, targets: record.target_count, by: actor.user.username },
      'command accepted',
    );
    await this.announce(COMMAND_REQUEST_STREAM, [{ id: record.id }]);
    return view;
  }

  /** Every robot online: those emergency-stopped are left out of a command they would refuse, and named. */
  private async broadcastTargets(type: string): Promise<Targets> {
    const online = (await this.robots.statuses()).filter((r) => r.status !== 'offline');
    const refusing = online.filter((r) => refuses(r.status, type)).map((r) => r.robot_id);
    const targets = online.filter((r) => !refuses(r.status, type));
    if (targets.length === 0) {
      throw new ConflictError(
        refusing.length > 0
          ? `every robot online is emergency-stopped and would refuse '${type}' (${refusing.join(', ')}): resume them first`
          : `no robot is online to receive '${type}'`,
      );
    }
    const now = this.clock.now();
    return {
      targets: targets.map((r) => ({ robotId: r.robot_id, status: 'pending', deadlineAt: now })),
      response: refusing.length > 0 ? { skipped: { emergency_stopped: refusing } } : null,
    };
  }

  private async robotTargets(type: string, robotIds: readonly string[]): Promise<Targets> {
    const robots = await this.registered(robotIds);
    const stopped = robots.filter((r) => refuses(r.status, type)).map((r) => r.robot_id);
    if (stopped.length > 0) {
      throw new ConflictError(
        `${plural(stopped, 'is', 'are')} emergency-stopped and would refuse '${type}': resume first ` +
          `(POST /api/v1/robots/{robot_id}/resume); only ${COMMANDS_ALLOWED_WHILE_STOPPED.join(', ')} are accepted`,
      );
    }
    const offline = robots.filter((r) => r.status === 'offline').map((r) => r.robot_id);
    const wait = this.config.commands.offline === 'wait';
    if (offline.length > 0 && !wait) {
      throw new ConflictError(
        `${plural(offline, 'is', 'are')} offline: the command was not sent (COMMAND_OFFLINE=wait holds commands ` +
          'until the robot connects)',
      );
    }
    const now = this.clock.now();
    const heldUntil = new Date(now.getTime() + this.config.commands.offlineWaitMs);
    return {
      targets: robots.map((r) =>
        r.status === 'offline'
          ? { robotId: r.robot_id, status: 'waiting', deadlineAt: heldUntil }
          : { robotId: r.robot_id, status: 'pending', deadlineAt: now },
      ),
      response: null,
    };
  }

  /** The robots, all registered and active, or a 404 naming those that are not. */
  private async registered(robotIds: readonly string[]): Promise<{ robot_id: string; status: RobotStatus }[]> {
    const robots = await this.robots.statuses(robotIds);
    const known = new Set(robots.map((r) => r.robot_id));
    const unknown = robotIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new NotFoundError('robot', unknown.join(', '));
    return robots;
  }

  /** Best effort: the command is stored, and the jobs service finds it at its next look if this is lost. */
  private async announce(stream: string, events: unknown[]): Promise<void> {
    try {
      await this.bus.publish(stream, events);
    } catch (error) {
      this.log.warn({ err: error, stream }, 'command stored but not announced; it is sent at the next look');
    }
  }
}

/** A mission a command may join: assigned to one of its targets, and not ended. */
function checkMission(mission: CommandMission, targets: readonly string[]): void {
  if (ENDED_MISSION.includes(mission.status)) {
    throw new ConflictError(`mission ${mission.id} is ${mission.status}: a command can no longer join it`);
  }
  if (mission.assigned_robot_id === null || !targets.includes(mission.assigned_robot_id)) {
    const assigned = mission.assigned_robot_id === null ? 'no robot' : `robot ${mission.assigned_robot_id}`;
    throw new InvalidInputError(
      `mission ${mission.id} is assigned to ${assigned}, not to a robot this command is for`,
      [{ path: 'mission_id', message: 'a mission assigned to one of the target robots' }],
    );
  }
}

function auditEntry(actor: Actor, action: string, id: string, before: unknown, after: unknown): NewAuditEntry {
  return {
    actor: actor.user.username,
    actor_id: actor.user.id,
    action,
    entity_type: 'command',
    entity_id: id,
    before,
    after,
    ip_address: actor.ip,
    request_id: actor.requestId,
  };
}

function refuses(status: RobotStatus, type: string): boolean {
  return status === 'emergency_stopped' && !COMMANDS_ALLOWED_WHILE_STOPPED.includes(type);
}

function plural(robotIds: readonly string[], one: string, many: string): string {
  return robotIds.length === 1 ? `robot ${robotIds[0]} ${one}` : `robots ${robotIds.join(', ')} ${many}`;
}
