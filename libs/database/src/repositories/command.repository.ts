import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import {
  COMMAND_RESULT_STATUSES,
  ConflictError,
  FINAL_COMMAND_STATUSES,
  NotFoundError,
  settledCommandStatus,
  type CommandListQuery,
  type CommandResultStatus,
  type CommandStatus,
  type CommandView,
  type LiveRecordEvent,
  type Page,
} from '@fleet/contracts';
import { DATABASE } from '../database.tokens';
import type { CommandResultsTable, CommandsTable, DB } from '../db.types';
import { fetchPage, jsonb, pageBounds, TOTAL } from './sql-helpers';

export type CommandRow = Selectable<CommandsTable>;
export type CommandResultRow = Selectable<CommandResultsTable>;

/** A command with its per-robot results. */
export interface CommandRecord extends CommandRow {
  results: CommandResultRow[];
}

/** A command to store: its targets are sent at once (`pending`) or held until the robot is online (`waiting`). */
export interface NewCommand {
  type: string;
  parameters: Record<string, unknown>;
  broadcast: boolean;
  timeoutS: number;
  retries: number;
  createdBy: string | null;
  missionId: string | null;
  /** Robots skipped at send time and why, kept as the command's `response`. */
  response: Record<string, unknown> | null;
  targets: readonly { robotId: string; status: 'pending' | 'waiting'; deadlineAt: Date }[];
}

/** A robot's answer to a command. */
export interface CommandAnswer {
  success: boolean;
  message: string | null;
  data: Record<string, unknown> | null;
}

/** What changed: the command after the change, and the results that changed. */
export interface CommandChange {
  command: CommandRow;
  results: CommandResultRow[];
}

/** A result the delivery loop has to act on, with what it needs from its command. */
export interface DueResult extends CommandResultRow {
  type: string;
  parameters: Record<string, unknown>;
  timeout_s: number;
  retries: number;
  /** Whether the robot is online (any status but offline) and registered. */
  reachable: boolean;
}

/** Commands stored but not yet published, with their results. */
export type CreatedCommand = CommandRecord;

/**
 * The delivery loop's writes inside the transaction that holds the claimed rows: mark results sent or given up,
 * then settle the commands they belong to.
 */
export class CommandDelivery {
  private readonly touched = new Set<string>();

  constructor(private readonly trx: Transaction<DB>) {}

  /** The command was published to the robot (once more): its answer is now due by `deadlineAt`. */
  async sent(commandId: string, robotId: string, at: Date, deadlineAt: Date): Promise<void> {
    this.touched.add(commandId);
    await this.trx
      .updateTable('command_results')
      .set((eb) => ({
        status: 'pending',
        attempts: eb('attempts', '+', 1),
        sent_at: sql<Date>`coalesce(sent_at, ${at})`,
        deadline_at: deadlineAt,
      }))
      .where('command_id', '=', commandId)
      .where('robot_id', '=', robotId)
      .execute();
  }

  /** The command went out on the broadcast topic (to every robot, targets or not). */
  async broadcast(commandId: string, at: Date): Promise<void> {
    this.touched.add(commandId);
    await this.trx
      .updateTable('commands')
      .set({ sent_at: sql<Date>`coalesce(sent_at, ${at})` })
      .where('id', '=', commandId)
      .execute();
  }

  /** The command was looked at (e.g. all its targets wait for their robots): settle it with the others. */
  touch(commandId: string): void {
    this.touched.add(commandId);
  }

  /** No answer came (or the robot stayed offline): the result is final. */
  async timedOut(commandId: string, robotId: string, message: string): Promise<void> {
    this.touched.add(commandId);
    await this.trx
      .updateTable('command_results')
      .set({ status: 'timed_out', message, deadline_at: null })
      .where('command_id', '=', commandId)
      .where('robot_id', '=', robotId)
      .where('status', 'in', ['pending', 'waiting'])
      .execute();
  }

  /** Settles every command touched: counts, attempts, status; returns the changed commands and their results. */
  async settle(at: Date): Promise<CommandChange[]> {
    const changes: CommandChange[] = [];
    for (const id of [...this.touched].sort()) changes.push(await settle(this.trx, id, at));
    return changes;
  }
}

const RESULT_ORDER = sql`robot_id`;

/**
 * Commands sent to robots and each target's answer (tables `commands` and `command_results`). The API stores a
 * command; the jobs service publishes it, matches answers and gives up on silent robots.
 */
@Injectable()
export class CommandRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  /** Stores the command with one result per target; a `missionId` that names no mission is a 404. */
  async create(command: NewCommand): Promise<CommandRecord> {
    try {
      return await this.insert(command);
    } catch (error) {
      if ((error as { code?: string }).code === '23503' && command.missionId) {
        throw new NotFoundError('mission', command.missionId, { cause: error });
      }
      throw error;
    }
  }

  private async insert(command: NewCommand): Promise<CommandRecord> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('commands')
        .values({
          type: command.type,
          parameters: JSON.stringify(command.parameters),
          broadcast: command.broadcast,
          timeout_s: command.timeoutS,
          retries: command.retries,
          created_by: command.createdBy,
          mission_id: command.missionId,
          response: jsonb(command.response),
          target_count: command.targets.length,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const results =
        command.targets.length === 0
          ? []
          : await trx
              .insertInto('command_results')
              .values(
                command.targets.map((t) => ({
                  command_id: row.id,
                  robot_id: t.robotId,
                  status: t.status,
                  deadline_at: t.deadlineAt,
                  message: t.status === 'waiting' ? 'robot offline: held until it connects' : null,
                })),
              )
              .returningAll()
              .execute();
      return { ...row, results: results.sort((a, b) => a.robot_id.localeCompare(b.robot_id)) };
    });
  }

  async get(id: string): Promise<CommandRecord> {
    const row = await this.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('command', id);
    const results = await this.db
      .selectFrom('command_results')
      .selectAll()
      .where('command_id', '=', id)
      .orderBy(RESULT_ORDER)
      .execute();
    return { ...row, results };
  }

  /** How many commands (emergency stops included) were created at or after `at`. */
  async countSince(at: Date): Promise<number> {
    const row = await this.db
      .selectFrom('commands')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('created_at', '>=', at)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Newest first. `robot_id` finds the commands that targeted the robot. */
  async list(query: Partial<CommandListQuery> = {}): Promise<Page<CommandRow>> {
    const bounds = pageBounds(query);
    let base = this.db.selectFrom('commands');
    if (query.status) base = base.where('status', '=', query.status);
    if (query.type) base = base.where('type', '=', query.type);
    if (query.mission_id) base = base.where('mission_id', '=', query.mission_id);
    if (query.from) base = base.where('created_at', '>=', new Date(query.from));
    if (query.to) base = base.where('created_at', '<', new Date(query.to));
    const robotId = query.robot_id;
    if (robotId) {
      base = base.where((eb) =>
        eb.exists(
          eb
            .selectFrom('command_results as r')
            .select('r.robot_id')
            .whereRef('r.command_id', '=', 'commands.id')
            .where('r.robot_id', '=', robotId),
        ),
      );
    }
    return fetchPage(
      bounds,
      base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(bounds.limit).offset(bounds.offset).execute(),
      base.select(TOTAL).executeTakeFirstOrThrow(),
    );
  }

  /** Cancels what is still open (published messages cannot be called back); a finished command cannot be. */
  async cancel(id: string, by: string, at: Date): Promise<CommandChange> {
    return this.db.transaction().execute(async (trx) => {
      const command = await trx
        .selectFrom('commands')
        .select('status')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!command) throw new NotFoundError('command', id);
      if (FINAL_COMMAND_STATUSES.includes(command.status)) {
        throw new ConflictError(`command ${id} is already ${command.status}: only an open command can be cancelled`);
      }
      await trx
        .updateTable('command_results')
        .set({ status: 'cancelled', message: `cancelled by ${by}`, deadline_at: null })
        .where('command_id', '=', id)
        .where('status', 'in', ['pending', 'waiting'])
        .execute();
      return settle(trx, id, at, 'cancelled');
    });
  }

  /**
   * Records a robot's answer to a command it was sent. Returns undefined when there is nothing to record: not a
   * command of Fleet's, the robot was not one of its targets, or the result is already final (a repeated or
   * late answer).
   */
  async answer(
    commandId: string,
    robotId: string,
    answer: CommandAnswer,
    at: Date,
  ): Promise<CommandChange | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('command_results')
        .set({
          status: answer.success ? 'ack_success' : 'ack_error',
          message: answer.message,
          data: jsonb(answer.data),
          responded_at: at,
          deadline_at: null,
        })
        .where('command_id', '=', commandId)
        .where('robot_id', '=', robotId)
        .where('status', 'in', ['pending', 'waiting'])
        .returning('robot_id')
        .executeTakeFirst();
      if (!updated) return undefined;
      return settle(trx, commandId, at);
    });
  }

  /**
   * Runs one round of the delivery loop in a transaction: `work` gets the commands stored but not yet published and
   * the results due (an answer overdue, or a waiting robot now online or waited for too long), locked so another
   * replica skips them, and records what it did through the {@link CommandDelivery}.
   */
  async deliver<T>(
    now: Date,
    limit: number,
    work: (due: { created: CreatedCommand[]; results: DueResult[] }, delivery: CommandDelivery) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const commands = await trx
        .selectFrom('commands')
        .selectAll()
        .where('status', '=', 'created')
        .orderBy('created_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      const ids = commands.map((c) => c.id);
      const results =
        ids.length === 0
          ? []
          : await trx
              .selectFrom('command_results')
              .selectAll()
              .where('command_id', 'in', ids)
              .orderBy(RESULT_ORDER)
              .forUpdate()
              .execute();
      const created = commands.map((c) => ({ ...c, results: results.filter((r) => r.command_id === c.id) }));
      const due = await trx
        .selectFrom('command_results as r')
        .innerJoin('commands as c', 'c.id', 'r.command_id')
        .leftJoin('robots as b', 'b.robot_id', 'r.robot_id')
        .selectAll('r')
        .select([
          'c.type',
          'c.parameters',
          'c.timeout_s',
          'c.retries',
          sql<boolean>`coalesce(b.is_active AND b.status <> 'offline', false)`.as('reachable'),
        ])
        .where('c.status', '=', 'sent')
        .where((eb) =>
          eb.or([
            eb.and([eb('r.status', 'in', ['pending', 'waiting']), eb('r.deadline_at', '<=', now)]),
            eb.and([eb('r.status', '=', 'waiting'), eb('b.status', '<>', 'offline'), eb('b.is_active', '=', true)]),
          ]),
        )
        .orderBy('r.deadline_at')
        .limit(limit)
        .forUpdate('r')
        .skipLocked()
        .execute();
      return work({ created, results: due }, new CommandDelivery(trx));
    });
  }
}

/** Recomputes a command's counts and status from its results, under the command's row lock. */
async function settle(trx: Transaction<DB>, id: string, at: Date, forced?: CommandStatus): Promise<CommandChange> {
  const current = await trx
    .selectFrom('commands')
    .select('status')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const results = await trx
    .selectFrom('command_results')
    .selectAll()
    .where('command_id', '=', id)
    .orderBy(RESULT_ORDER)
    .execute();
  const counts = Object.fromEntries(COMMAND_RESULT_STATUSES.map((s) => [s, 0])) as Record<CommandResultStatus, number>;
  for (const r of results) counts[r.status] += 1;
  const settled = forced ?? settledCommandStatus(counts);
  const final = FINAL_COMMAND_STATUSES.includes(settled);
  const command = await trx
    .updateTable('commands')
    .set({
      status: FINAL_COMMAND_STATUSES.includes(current.status) ? current.status : settled,
      sent_at: sql<Date>`coalesce(sent_at, ${firstSent(results)})`,
      success_count: counts.ack_success,
      failure_count: counts.ack_error,
      attempts: Math.max(0, ...results.map((r) => r.attempts)),
      completed_at: final && !FINAL_COMMAND_STATUSES.includes(current.status) ? at : undefined,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { command, results };
}

function firstSent(results: readonly CommandResultRow[]): Date | null {
  const times = results.flatMap((r) => (r.sent_at ? [r.sent_at.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/** A command as the API and live updates show it, with its results when given. */
export function commandView(command: CommandRow, results?: readonly CommandResultRow[]): CommandView {
  return {
    id: command.id,
    type: command.type,
    parameters: command.parameters,
    broadcast: command.broadcast,
    status: command.status,
    created_at: command.created_at.toISOString(),
    sent_at: iso(command.sent_at),
    completed_at: iso(command.completed_at),
    target_count: command.target_count,
    success_count: command.success_count,
    failure_count: command.failure_count,
    timeout_s: command.timeout_s,
    retries: command.retries,
    attempts: command.attempts,
    response: (command.response as Record<string, unknown> | null) ?? null,
    created_by: command.created_by,
    mission_id: command.mission_id,
    ...(results && {
      results: results.map((r) => ({
        robot_id: r.robot_id,
        status: r.status,
        message: r.message,
        data: (r.data as Record<string, unknown> | null) ?? null,
        attempts: r.attempts,
        sent_at: iso(r.sent_at),
        responded_at: iso(r.responded_at),
        deadline_at: iso(r.deadline_at),
      })),
    }),
  };
}

/**
 * A change as the live feed reads it from the commands stream: the command's status as the event (a result's
 * status when one robot's answer is what changed), the robot when one is concerned, and the command.
 */
export function commandEvent(change: CommandChange, at: Date, robotId: string | null = null): LiveRecordEvent {
  const result = robotId ? change.results.find((r) => r.robot_id === robotId) : undefined;
  return {
    event: result?.status ?? change.command.status,
    at: at.toISOString(),
    robot_id: robotId ?? (change.results.length === 1 ? change.results[0].robot_id : null),
    id: change.command.id,
    command: commandView(change.command, change.results),
  };
}
