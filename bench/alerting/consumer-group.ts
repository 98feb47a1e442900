// Where a consumer group of an event stream stands, read from Redis (XINFO GROUPS).
import type { RedisConnection } from '@fleet/messaging';

export interface GroupPosition {
  /** Entries delivered to a member but not yet acknowledged. */
  pending: number;
  /** The id of the newest entry delivered to the group. */
  lastDelivered: string;
  /** Entries not yet delivered (Redis 7; null where it cannot tell). */
  lag: number | null;
}

/** The Redis key of event stream `stream`, as RedisEventBus keeps it: `events:<stream>` under the prefix. */
export function eventStreamKey(redis: RedisConnection, stream: string): string {
  return redis.key(`events:${stream}`);
}

/** `group`'s position in event stream `stream`; throws when the stream or the group does not exist. */
export async function groupPosition(redis: RedisConnection, stream: string, group: string): Promise<GroupPosition> {
  const key = eventStreamKey(redis, stream);
  // One flat [field, value, ...] array per group.
  const groups = (await redis.client.xinfo('GROUPS', key)) as (string | number | null)[][];
  for (const fields of groups) {
    const info = new Map<string, string | number | null>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
    if (info.get('name') !== group) continue;
    const lag = info.get('lag');
    return {
      pending: Number(info.get('pending')),
      lastDelivered: String(info.get('last-delivered-id')),
      lag: lag === null || lag === undefined ? null : Number(lag),
    };
  }
  throw new Error(`stream ${key} has no consumer group '${group}'`);
}

/** Whether the group has been handed everything up to entry `lastId` and has acknowledged all of it. */
export function caughtUp(position: GroupPosition, lastId: string): boolean {
  return position.pending === 0 && compareIds(position.lastDelivered, lastId) >= 0;
}

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
