import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisConnection } from '../redis-connection';
import {
  checkId,
  checkStatus,
  LAST_SEEN_FIELD,
  newestSightings,
  prepareUpdates,
  robotFromHash,
  STATUS_FIELD,
  summarize,
  type FleetSummary,
  type LiveState,
  type LiveUpdate,
  type RobotLiveState,
} from './live-state';

// Newest-wins has to be decided where the data is, or two replicas could each read, compare and overwrite the
// other's newer value: hence scripts, one call per batch. Times are ISO strings of one fixed width, so they compare
// as strings.

/**
 * KEYS[1]: battery hash, KEYS[2..]: robot hashes. ARGV[1]: a JSON array with one [KEYS index, robot id, series,
 * time, battery or ""] per update; ARGV[1 + i]: the entry of update i. One argument per update, not six: building
 * the arguments was most of what a call cost the caller.
 */
const APPLY = `
local updates = cjson.decode(ARGV[1])
for i, u in ipairs(updates) do
  local key = KEYS[u[1]]
  local old = redis.call('HGET', key, u[3])
  local newer = true
  if old then
    local ok, entry = pcall(cjson.decode, old)
    if ok and type(entry) == 'table' and type(entry.time) == 'string' and entry.time > u[4] then newer = false end
  end
  if newer then
    redis.call('HSET', key, u[3], ARGV[i + 1])
    if u[5] ~= '' then redis.call('HSET', KEYS[1], u[2], u[5]) end
  end
end
return 0`;

/** KEYS: robot hash, status hash. ARGV: robot id, status, at, status JSON. */
const SET_STATUS = `
local old = redis.call('HGET', KEYS[1], '${STATUS_FIELD}')
if old then
  local ok, known = pcall(cjson.decode, old)
  if ok and type(known) == 'table' and type(known.at) == 'string' and known.at > ARGV[3] then return 0 end
end
redis.call('HSET', KEYS[1], '${STATUS_FIELD}', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** KEYS: robot hashes. ARGV: one time per key. */
const TOUCH = `
for i = 1, #KEYS do
  local old = redis.call('HGET', KEYS[i], '${LAST_SEEN_FIELD}')
  if not old or old <= ARGV[i] then redis.call('HSET', KEYS[i], '${LAST_SEEN_FIELD}', ARGV[i]) end
end
return 0`;

type Arg = string | number;

/** Runs a MULTI; a command that failed inside it fails the whole call. */
async function exec(transaction: ChainableCommander): Promise<unknown[]> {
  const results = await transaction.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  const failed = results.find(([error]) => error !== null)?.[0];
  if (failed) throw failed;
  return results.map(([, value]) => value);
}

interface LiveScripts {
  fleetLiveApply(keyCount: number, ...args: Arg[]): Promise<unknown>;
  fleetLiveStatus(...args: Arg[]): Promise<unknown>;
  fleetLiveTouch(keyCount: number, ...args: Arg[]): Promise<unknown>;
}

/**
 * {@link LiveState} in Redis: a hash per robot (`robot:<id>`: a field per series, `@status`, `@lastSeen`), plus
 * `fleet:status` and `fleet:battery` hashes (robot id → status, → newest battery percentage) for the summary.
 * Scripts run through EVALSHA (ioredis loads them on first use).
 */
export class RedisLiveState implements LiveState {
  private readonly client: Redis & LiveScripts;

  constructor(private readonly redis: RedisConnection) {
    const client = redis.client;
    client.defineCommand('fleetLiveApply', { lua: APPLY });
    client.defineCommand('fleetLiveStatus', { lua: SET_STATUS, numberOfKeys: 2 });
    client.defineCommand('fleetLiveTouch', { lua: TOUCH });
    this.client = client as Redis & LiveScripts;
  }

  async apply(updates: readonly LiveUpdate[]): Promise<void> {
    const prepared = prepareUpdates(updates);
    if (prepared.length === 0) return;
    const keys = [this.redis.key('fleet:battery')];
    const keyIndex = new Map<string, number>();
    const meta: [number, string, string, string, string][] = [];
    const entries: string[] = [];
    for (const { robotId, series, entry, battery } of prepared) {
      let index = keyIndex.get(robotId);
      if (index === undefined) {
        index = keys.push(this.robotKey(robotId));
        keyIndex.set(robotId, index);
      }
      // The battery as text, as Redis keeps it: a Lua number would come back as 17 digits.
      meta.push([index, robotId, series, entry.time, battery === null ? '' : String(battery)]);
      entries.push(JSON.stringify(entry));
    }
    await this.client.fleetLiveApply(keys.length, ...keys, JSON.stringify(meta), ...entries);
  }

  async setStatus(robotId: string, status: string, at: Date): Promise<void> {
    const time = checkStatus(robotId, status, at);
    await this.client.fleetLiveStatus(
      this.robotKey(robotId),
      this.redis.key('fleet:status'),
      robotId,
      status,
      time,
      JSON.stringify({ status, at: time }),
    );
  }

  async touch(entries: readonly { robotId: string; at: Date }[]): Promise<void> {
    const newest = newestSightings(entries);
    if (newest.size === 0) return;
    const robots = [...newest.keys()];
    await this.client.fleetLiveTouch(robots.length, ...robots.map((r) => this.robotKey(r)), ...newest.values());
  }

  async get(robotId: string): Promise<RobotLiveState | null> {
    checkId('robotId', robotId);
    return robotFromHash(robotId, await this.client.hgetall(this.robotKey(robotId)));
  }

  async summary(): Promise<FleetSummary> {
    // MULTI: statuses and batteries of the same moment.
    const [statuses, batteries] = await exec(
      this.client.multi().hvals(this.redis.key('fleet:status')).hvals(this.redis.key('fleet:battery')),
    );
    return summarize(statuses as string[], (batteries as string[]).map(Number));
  }

  async remove(robotId: string): Promise<void> {
    checkId('robotId', robotId);
    await exec(
      this.client
        .multi()
        .del(this.robotKey(robotId))
        .hdel(this.redis.key('fleet:status'), robotId)
        .hdel(this.redis.key('fleet:battery'), robotId),
    );
  }

  private robotKey(robotId: string): string {
    return this.redis.key(`robot:${robotId}`);
  }
}
