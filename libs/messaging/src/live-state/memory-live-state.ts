import {
  checkId,
  checkStatus,
  newestSightings,
  prepareUpdates,
  replaces,
  summarize,
  type FleetSummary,
  type LiveEntry,
  type LiveState,
  type LiveUpdate,
  type RobotLiveState,
} from './live-state';

interface Robot {
  status: { status: string; at: string } | null;
  lastSeen: string | null;
  entries: Map<string, LiveEntry>;
}

/**
 * {@link LiveState} in the all-in-one process's memory, with the Redis adapter's rules (newest wins per series,
 * status and sighting). What it returns is a copy, as a read from Redis would be.
 */
export class MemoryLiveState implements LiveState {
  private readonly robots = new Map<string, Robot>();
  private readonly statuses = new Map<string, string>();
  private readonly batteries = new Map<string, number>();

  apply(updates: readonly LiveUpdate[]): Promise<void> {
    return attempt(() => {
      for (const { robotId, series, entry, battery } of prepareUpdates(updates)) {
        const robot = this.robot(robotId);
        if (!replaces(entry.time, robot.entries.get(series)?.time)) continue;
        robot.entries.set(series, entry);
        if (battery !== null) this.batteries.set(robotId, battery);
      }
    });
  }

  setStatus(robotId: string, status: string, at: Date): Promise<void> {
    return attempt(() => {
      const time = checkStatus(robotId, status, at);
      const robot = this.robot(robotId);
      if (!replaces(time, robot.status?.at)) return;
      robot.status = { status, at: time };
      this.statuses.set(robotId, status);
    });
  }

  touch(entries: readonly { robotId: string; at: Date }[]): Promise<void> {
    return attempt(() => {
      for (const [robotId, time] of newestSightings(entries)) {
        const robot = this.robot(robotId);
        if (replaces(time, robot.lastSeen)) robot.lastSeen = time;
      }
    });
  }

  get(robotId: string): Promise<RobotLiveState | null> {
    return attempt(() => {
      checkId('robotId', robotId);
      const robot = this.robots.get(robotId);
      if (!robot) return null;
      return structuredClone({
        robotId,
        status: robot.status?.status ?? null,
        statusAt: robot.status?.at ?? null,
        lastSeen: robot.lastSeen,
        entries: Object.fromEntries(robot.entries),
      });
    });
  }

  summary(): Promise<FleetSummary> {
    return Promise.resolve(summarize(this.statuses.values(), this.batteries.values()));
  }

  remove(robotId: string): Promise<void> {
    return attempt(() => {
      checkId('robotId', robotId);
      this.robots.delete(robotId);
      this.statuses.delete(robotId);
      this.batteries.delete(robotId);
    });
  }

  private robot(robotId: string): Robot {
    let robot = this.robots.get(robotId);
    if (!robot) {
      robot = { status: null, lastSeen: null, entries: new Map() };
      this.robots.set(robotId, robot);
    }
    return robot;
  }
}

/** Runs `work` now, turning what it throws into a rejection, as an asynchronous adapter would. */
function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
