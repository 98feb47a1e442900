// What became of the benchmark's commands, read from the `commands` and `command_results` tables and from what
// the robots received.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeRobot } from './fake-robots';
import { epochNow } from './poster';
import type { Stack } from './stack';

export const POLL_MS = 20;
/** With no progress for this long, delivery is taken to have stalled. */
export const STALL_MS = 30_000;

export const sorted = (values: Iterable<number>) => Float64Array.from(values).sort();

/** Throws when `progress()` has not changed for {@link STALL_MS}; call it on every poll. */
export function stallGuard(what: string, progress: () => number) {
  let last = { value: Number.NaN, at: Date.now() };
  return () => {
    const value = progress();
    if (value !== last.value) last = { value, at: Date.now() };
    else if (Date.now() - last.at > STALL_MS) throw new Error(`${what}: no progress for ${STALL_MS / 1000} s`);
  };
}

/** How many of `ids` the `commands` table holds in each status. */
export async function statuses(stack: Stack, ids: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 5_000) {
    const rows = await stack.api.db
      .selectFrom('commands')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('id', 'in', ids.slice(i, i + 5_000))
      .groupBy('status')
      .execute();
    for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + Number(r.n));
  }
  return counts;
}

/**
 * Polls the `commands` table until every one of `ids` is settled (neither `created` nor `sent`); resolves with that
 * time (epoch ms) and the count of each status.
 */
export async function untilSettled(
  stack: Stack,
  ids: readonly string[],
): Promise<{ at: number; counts: Map<string, number> }> {
  let settled = 0;
  const guard = stallGuard(`command delivery stopped short of ${ids.length} settled commands`, () => settled);
  for (;;) {
    const counts = await statuses(stack, ids);
    const at = epochNow();
    settled = ids.length - (counts.get('created') ?? 0) - (counts.get('sent') ?? 0);
    if (settled === ids.length) return { at, counts };
    guard();
    await sleep(POLL_MS);
  }
}

/** Why the results of `ids` that did not succeed ended as they did: `status: message` with a count, most first. */
async function failures(stack: Stack, ids: readonly string[]): Promise<string> {
  const rows = await stack.api.db
    .selectFrom('command_results')
    .select(['status', 'message', 'attempts', (eb) => eb.fn.countAll<string>().as('n')])
    .where('command_id', 'in', ids)
    .where('status', '<>', 'ack_success')
    .groupBy(['status', 'message', 'attempts'])
    .orderBy('n', 'desc')
    .execute();
  return rows.map((r) => `${r.n} ${r.status} after ${r.attempts} attempts (${r.message ?? 'no message'})`).join('; ');
}

/** A problem in words unless every one of `ids` completed, with the other statuses and why; else undefined. */
export async function notCompleted(
  stack: Stack,
  ids: readonly string[],
  counts: ReadonlyMap<string, number>,
): Promise<string | undefined> {
  const completed = counts.get('completed') ?? 0;
  if (completed === ids.length) return undefined;
  const others = [...counts].filter(([s]) => s !== 'completed').map(([s, c]) => `${c} ${s}`);
  return `${completed} of ${ids.length} commands completed, ${others.join(', ')}: ${await failures(stack, ids)}`;
}

/**
 * From the results of `ids`: `sent_at − created_at` (creation to the last publication) and `responded_at − sent_at`
 * (that publication to the answer recorded), in milliseconds, sorted; and how many were published more than once.
 */
export async function resultTimes(stack: Stack, ids: readonly string[]) {
  const rows = await stack.api.db
    .selectFrom('commands')
    .innerJoin('command_results', 'command_results.command_id', 'commands.id')
    .select([
      'commands.created_at',
      'command_results.sent_at',
      'command_results.responded_at',
      'command_results.attempts',
    ])
    .where('commands.id', 'in', ids)
    .execute();
  const published = rows.flatMap((r) => (r.sent_at ? [r.sent_at.getTime() - r.created_at.getTime()] : []));
  const answered = rows.flatMap((r) =>
    r.sent_at && r.responded_at ? [r.responded_at.getTime() - r.sent_at.getTime()] : [],
  );
  return {
    published: sorted(published),
    answered: sorted(answered),
    resent: rows.filter((r) => r.attempts > 1).length,
  };
}

/** Each robot received each of its commands exactly once, and no other robot's: the problems, in words. */
export function deliveryProblems(
  robots: readonly FakeRobot[],
  sent: ReadonlyMap<string, string>,
  mine: (id: string) => boolean,
): string[] {
  let missing = 0;
  let repeated = 0;
  let stray = 0;
  const example: string[] = [];
  const byId = new Map(robots.map((r) => [r.id, r]));
  for (const [id, robotId] of sent) {
    if (!mine(id)) continue;
    const times = byId.get(robotId)?.received.get(id) ?? 0;
    if (times === 0) missing++;
    if (times > 1) repeated++;
    if (times !== 1 && example.length < 3) example.push(`${id} reached ${robotId} ${times} times`);
  }
  for (const robot of robots) {
    for (const id of robot.received.keys()) if (mine(id) && sent.get(id) !== robot.id) stray++;
  }
  const problems: string[] = [];
  if (missing > 0) problems.push(`${missing} commands never reached their robot`);
  if (repeated > 0) problems.push(`${repeated} commands reached their robot more than once`);
  if (stray > 0) problems.push(`robots received ${stray} commands that were not theirs`);
  if (example.length > 0 && problems.length > 0) problems.push(`e.g. ${example.join('; ')}`);
  return problems;
}
