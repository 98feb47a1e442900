import { InvalidInputError, LIVE_CHANNELS, type LiveChannel } from '@fleet/contracts';

/** Robot ids one client may follow by name, over all channels; `"*"` follows every robot without naming them. */
export const MAX_FOLLOWED_ROBOTS = 10_000;

interface ChannelInterest {
  /** Every robot, and what belongs to no robot. */
  all: boolean;
  robots: Set<string>;
}

/**
 * What one live client follows: per channel, every robot or a set of them. Subscribing adds to it, unsubscribing
 * takes away; unsubscribing `"*"` ends a channel altogether, while unsubscribing named robots from a channel followed
 * with `"*"` leaves it followed.
 *
 * @example
 * const subs = new LiveSubscriptions();
 * subs.add(['tonypi_01'], ['telemetry']);
 * subs.wants('telemetry', 'tonypi_01'); // true
 * subs.wants('telemetry', 'tonypi_02'); // false
 */
export class LiveSubscriptions {
  private readonly channels = new Map<LiveChannel, ChannelInterest>(
    LIVE_CHANNELS.map((channel) => [channel, { all: false, robots: new Set<string>() }]),
  );

  /** Throws {@link InvalidInputError} (and changes nothing) when it would follow too many robots by name. */
  add(robots: '*' | readonly string[], channels: readonly LiveChannel[]): void {
    if (robots !== '*') {
      const added = channels.reduce(
        (sum, channel) => sum + robots.filter((r) => !this.interest(channel).robots.has(r)).length,
        0,
      );
      if (this.followedByName + added > MAX_FOLLOWED_ROBOTS) {
        throw new InvalidInputError(
          `a client follows at most ${MAX_FOLLOWED_ROBOTS} robots by name over all channels; subscribe to "*" instead`,
        );
      }
    }
    for (const channel of channels) {
      const interest = this.interest(channel);
      if (robots === '*') interest.all = true;
      else for (const robot of robots) interest.robots.add(robot);
    }
  }

  remove(robots: '*' | readonly string[], channels: readonly LiveChannel[]): void {
    for (const channel of channels) {
      const interest = this.interest(channel);
      if (robots === '*') {
        interest.all = false;
        interest.robots.clear();
      } else {
        for (const robot of robots) interest.robots.delete(robot);
      }
    }
  }

  /** Whether an update of `channel` about `robotId` (null: about no one robot) is wanted. */
  wants(channel: LiveChannel, robotId: string | null): boolean {
    const interest = this.interest(channel);
    return interest.all || (robotId !== null && interest.robots.has(robotId));
  }

  private get followedByName(): number {
    let count = 0;
    for (const interest of this.channels.values()) count += interest.robots.size;
    return count;
  }

  private interest(channel: LiveChannel): ChannelInterest {
    const interest = this.channels.get(channel);
    if (!interest) throw new InvalidInputError(`unknown channel '${String(channel)}'`);
    return interest;
  }
}
