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
import type { CommandResultsTable, CommandsTable, DB, MissionStatus } from '../db.types';
import { appendAuditEntry, type NewAuditEntry } from './audit.repository';
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
  /**
   * The mission the command belongs to; when null, a command for one robot (not a broadcast) joins the mission that
   * robot is carrying out, if any.
   */
  missionId: string | null;
  /** Robots skipped at send time and why, kept as the command's `response`. */
  response: Record<string, unknown> | null;
  targets: readonly { robotId: string; status: 'pending' | 'waiting'; deadlineAt: Date }[];
}

/** What a command's mission is checked on before the command joins it. */
export interface CommandMission {
  id: string;
  status: MissionStatus;
  assigned_robot_id: string | null;
}

/** How a command is stored: its mission checked by `checkMission` (throws to refuse), and its audit entry. */
export interface CreateOptions {
  checkMission?: (mission: CommandMission) => void;
  /** The audit entry recorded with the command, in its transaction. */
  audit?: (command: CommandRecord) => NewAuditEntry;
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
  /** When the command was stored. */
  command_created_at: Date;
  /** Whether the robot is online (any status but offline) and registered. */
  reachable: boolean;
}

/** Commands stored but not yet published, with their results. */
export type CreatedCommand = CommandRecord;

/**
 * The delivery loop's writes inside the transaction that holds the claimed rows: what was sent or given up is
 * collected, then written with one statement each and the commands settled, by {@link CommandDelivery.settle}.
 */
export class CommandDelivery {
  private readonly touched = new Set<string>();
  private readonly sends: { commandId: string; robotId: string; deadlineAt: Date }[] = [];
  private readonly timeouts: { commandId: string; robotId: string; message: string }[] = [];
  private readonly broadcasts: string[] = [];

  constructor(private readonly trx: Transaction<DB>) {}

  /** The command was published to the robot (once more): its answer is now due by `deadlineAt`. */
  sent(commandId: string, robotId: string, deadlineAt: Date): void {
    this.touched.add(commandId);
    this.sends.push({ commandId, robotId, deadlineAt });
  }

  /** The command went out on the broadcast topic (to every robot, targets or not). */
  broadcast(commandId: string): void {
    this.touched.add(commandId);
    this.broadcasts.push(commandId);
  }

  /** The command was looked at (e.g. all its targets wait for their robots): settle it with the others. */
  touch(commandId: string): void {
    this.touched.add(commandId);
  }

  /** No answer came (or the robot stayed offline): the result is final. */
  timedOut(commandId: string, robotId: string, message: string): void {
    this.touched.add(commandId);
    this.timeouts.push({ commandId, robotId, message });
  }

  /** Writes what was collected and settles every command touched; returns the commands with their results. */
  async settle(at: Date): Promise<CommandChange[]> {
    if (this.sends.length > 0) {
      const rows = this.sends.map(
        (s) => sql`(${s.commandId}::uuid, ${s.robotId}::varchar, ${s.deadlineAt}::timestamptz)`,
      );
      await sql`
        UPDATE command_results AS r
        SET status = 'pending', attempts = r.attempts + 1, sent_at = coalesce(r.sent_at, ${at}::timestamptz),
            deadline_at = v.deadline_at
        FROM (VALUES ${sql.join(rows)}) AS v(command_id, robot_id, deadline_at)
        WHERE r.command_id = v.command_id AND r.robot_id = v.robot_id AND r.status IN ('pending', 'waiting')
      `.execute(this.trx);
    }
    if (this.timeouts.length > 0) {
      const rows = this.timeouts.map((t) => sql`(${t.commandId}::uuid, ${t.robotId}::varchar, ${t.message}::text)`);
      await sql`
        UPDATE command_results AS r SET status = 'timed_out', message = v.message, deadline_at = NULL
        FROM (VALUES ${sql.join(rows)}) AS v(command_id, robot_id, message)
        WHERE r.command_id = v.command_id AND r.robot_id = v.robot_id AND r.status IN ('pending', 'waiting')
      `.execute(this.trx);
    }
    if (this.broadcasts.length > 0) {
      await this.trx
        .updateTable('commands')
        .set({ sent_at: sql<Date>`coalesce(sent_at, ${at})` })
        .where('id', 'in', this.broadcasts)
        .execute();
    }
    return settle(this.trx, [...this.touched], at);
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

  /**
   * Stores the command with one result per target, and its audit entry, in one transaction. A `missionId` that names
   * no mission is a 404; the mission is held (`FOR SHARE`) while `checkMission` decides, so it cannot end meanwhile.
   */
  async create(command: NewCommand, options: CreateOptions = {}): Promise<CommandRecord> {
    return this.db.transaction().execute(async (trx) => {
      const missionId = await this.missionFor(trx, command, options.checkMission);
      const row = await trx
        .insertInto('commands')
        .values({
          type: command.type,
          parameters: JSON.stringify(command.parameters),
          broadcast: command.broadcast,
          timeout_s: command.timeoutS,
          retries: command.retries,
          created_by: command.createdBy,
          mission_id: missionId,
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
      const record = { ...row, results: results.sort((a, b) => a.robot_id.localeCompare(b.robot_id)) };
      if (options.audit) await appendAuditEntry(trx, options.audit(record));
      return record;
    });
  }

  /** The mission given, checked, or the active mission of a command's one robot. */
  private async missionFor(
    trx: Transaction<DB>,
    command: NewCommand,
    check?: (mission: CommandMission) => void,
  ): Promise<string | null> {
    if (command.missionId !== null) {
      const mission = await trx
        .selectFrom('missions')
        .select(['id', 'status', 'assigned_robot_id'])
        .where('id', '=', command.missionId)
        .forShare()
        .executeTakeFirst();
      if (!mission) throw new NotFoundError('mission', command.missionId);
      check?.(mission);
      return mission.id;
    }
    if (command.broadcast || command.targets.length !== 1) return null;
    const active = await trx
      .selectFrom('missions')
      .select('id')
      .where('assigned_robot_id', '=', command.targets[0].robotId)
      .where('status', '=', 'active')
      .forShare()
      .executeTakeFirst();
    return active?.id ?? null;
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

  /**
   * Cancels what is still open (published messages cannot be called back); a finished command cannot be. The audit
   * entry, given the status before and the change, is recorded in the same transaction.
   */
  async cancel(
    id: string,
    by: string,
    at: Date,
    audit?: (before: CommandStatus, change: CommandChange) => NewAuditEntry,
  ): Promise<CommandChange> {
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
      const [change] = await settle(trx, [id], at, 'cancelled');
      if (audit) await appendAuditEntry(trx, audit(command.status, change));
      return change;
    });
  }

  /**
   * Records robots' answers to commands they were sent, in one transaction, and settles the commands. Returns the
   * commands that changed, each with the robots whose answer changed it; an answer changes nothing when the command
   * is not one of Fleet's, the robot was not one of its targets, or its result is already final (a repeated or late
   * answer). Of two answers by one robot to one command, the first counts.
   */
  async answerAll(
    answers: readonly { commandId: string; robotId: string; answer: CommandAnswer }[],
    at: Date,
  ): Promise<(CommandChange & { answeredBy: string[] })[]> {
    const unique = new Map<string, (typeof answers)[number]>();
    for (const a of answers) {
      const key = `${a.commandId}/${a.robotId}`;
      if (!unique.has(key)) unique.set(key, a);
    }
    if (unique.size === 0) return [];
    // In key order, so replicas recording overlapping answers tend to lock rows alike (a deadlock is retried).
    const ordered = [...unique.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, a]) => a);
    const rows = ordered.map(
      (a) =>
        sql`(${a.commandId}::uuid, ${a.robotId}::varchar, ${a.answer.success ? 'ack_success' : 'ack_error'}::varchar,
          ${a.answer.message}::text, ${jsonb(a.answer.data)}::jsonb)`,
    );
    return this.db.transaction().execute(async (trx) => {
      const { rows: updated } = await sql<{ command_id: string; robot_id: string }>`
        UPDATE command_results AS r
        SET status = v.status, message = v.message, data = v.data, responded_at = ${at}::timestamptz,
            deadline_at = NULL
        FROM (VALUES ${sql.join(rows)}) AS v(command_id, robot_id, status, message, data)
        WHERE r.command_id = v.command_id AND r.robot_id = v.robot_id AND r.status IN ('pending', 'waiting')
        RETURNING r.command_id, r.robot_id
      `.execute(trx);
      const changes = await settle(trx, [...new Set(updated.map((u) => u.command_id))], at);
      return changes.map((change) => ({
        ...change,
        answeredBy: updated.filter((u) => u.command_id === change.command.id).map((u) => u.robot_id),
      }));
    });
  }

  /** {@link answerAll} for one answer. */
  async answer(
    commandId: string,
    robotId: string,
    answer: CommandAnswer,
    at: Date,
  ): Promise<CommandChange | undefined> {
    const [change] = await this.answerAll([{ commandId, robotId, answer }], at);
    return change;
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
          'c.created_at as command_created_at',
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

/**
 * Recomputes commands' counts, attempts, first send and status from their results, under the commands' row locks
 * (taken in id order); `forced` sets the status of those still open (a cancel). A final status is never changed.
 */
async function settle(
  trx: Transaction<DB>,
  ids: readonly string[],
  at: Date,
  forced?: CommandStatus,
): Promise<CommandChange[]> {
  if (ids.length === 0) return [];
  const sorted = [...ids].sort();
  const current = await trx
    .selectFrom('commands')
    .select(['id', 'status'])
    .where('id', 'in', sorted)
    .orderBy('id')
    .forUpdate()
    .execute();
  const results = await trx
    .selectFrom('command_results')
    .selectAll()
    .where('command_id', 'in', sorted)
    .orderBy(RESULT_ORDER)
    .execute();
  const byCommand = new Map<string, CommandResultRow[]>(sorted.map((id) => [id, []]));
  for (const r of results) byCommand.get(r.command_id)?.push(r);
  const rows = current.map((c) => {
    const mine = byCommand.get(c.id) ?? [];
    const counts = Object.fromEntries(COMMAND_RESULT_STATUSES.map((s) => [s, 0])) as Record<
      CommandResultStatus,
      number
    >;
    for (const r of mine) counts[r.status] += 1;
    const wasFinal = FINAL_COMMAND_STATUSES.includes(c.status);
    const status = wasFinal ? c.status : (forced ?? settledCommandStatus(counts));
    const completedAt = !wasFinal && FINAL_COMMAND_STATUSES.includes(status) ? at : null;
    const attempts = Math.max(0, ...mine.map((r) => r.attempts));
    return sql`(${c.id}::uuid, ${status}::varchar, ${counts.ack_success}::int, ${counts.ack_error}::int,
      ${attempts}::int, ${firstSent(mine)}::timestamptz, ${completedAt}::timestamptz)`;
  });
  const { rows: commands } = await sql<CommandRow>`
    UPDATE commands AS c
    SET status = v.status, success_count = v.success_count, failure_count = v.failure_count, attempts = v.attempts,
        sent_at = coalesce(c.sent_at, v.sent_at), completed_at = coalesce(c.completed_at, v.completed_at)
    FROM (VALUES ${sql.join(rows)}) AS v(id, status, success_count, failure_count, attempts, sent_at, completed_at)
    WHERE c.id = v.id
    RETURNING c.*
  `.execute(trx);
  return commands
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((command) => ({ command, results: byCommand.get(command.id) ?? [] }));
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
 * A change as the live feed reads it from the commands stream: the command's status as the event once it is final
 * (`completed`, `partial`, ...), before that the robot's result when one robot's answer is what changed
 * (`ack_success`, ...), else the command's status (`sent`); the robot when one is concerned, and the command.
 */
export function commandEvent(change: CommandChange, at: Date, robotId: string | null = null): LiveRecordEvent {
  const result = robotId ? change.results.find((r) => r.robot_id === robotId) : undefined;
  const final = FINAL_COMMAND_STATUSES.includes(change.command.status);
  return {
    event: final ? change.command.status : (result?.status ?? change.command.status),
    at: at.toISOString(),
    robot_id: robotId ?? (change.results.length === 1 ? change.results[0].robot_id : null),
    id: change.command.id,
    command: commandView(change.command, change.results),
  };
}
