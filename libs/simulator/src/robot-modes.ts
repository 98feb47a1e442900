/**
 * What a simulated robot does besides the normal telemetry:
 * - `low-battery`: starts at 21 % and drains fast, down to 3 %;
 * - `hot-servos`: two leg servos heat up past 60 °C (warning) and 70 °C (critical);
 * - `high-cpu`: CPU load above 90 % and a CPU temperature near 80 °C;
 * - `job`: runs jobs one after another (started, in progress while searching and executing, completed);
 * - `silent`: after a minute (simulated) it stops publishing and its connection drops, as when power is lost.
 */
export const ROBOT_MODES = ['low-battery', 'hot-servos', 'high-cpu', 'job', 'silent'] as const;
export type RobotMode = (typeof ROBOT_MODES)[number];

const isMode = (value: string): value is RobotMode => (ROBOT_MODES as readonly string[]).includes(value);

/**
 * Turns mode specifications into the modes of each robot (index 0 is the first robot). A specification is a mode
 * for every robot (`job`) or for some, by robot number from 1: `2:silent`, `1,3:hot-servos`, `2-4:low-battery`.
 *
 * @example
 * modesPerRobot(['job', '2:silent'], 3); // [['job'], ['job', 'silent'], ['job']]
 */
export function modesPerRobot(specs: readonly string[], robots: number): RobotMode[][] {
  const modes: Set<RobotMode>[] = Array.from({ length: robots }, () => new Set());
  for (const raw of specs) {
    const spec = raw.trim();
    const colon = spec.lastIndexOf(':');
    const mode = colon === -1 ? spec : spec.slice(colon + 1);
    if (!isMode(mode)) {
      throw new RangeError(`mode '${raw}': unknown mode '${mode}' (expected one of ${ROBOT_MODES.join(', ')})`);
    }
    const targets = colon === -1 ? modes.map((_, i) => i + 1) : robotNumbers(spec.slice(0, colon), raw, robots);
    for (const n of targets) modes[n - 1].add(mode);
  }
  return modes.map((set) => [...set]);
}

function robotNumbers(list: string, raw: string, robots: number): number[] {
  const numbers: number[] = [];
  for (const part of list.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!range) throw new RangeError(`mode '${raw}': expected robot numbers like 2, 1,3 or 2-4 before the colon`);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (from < 1 || to > robots || from > to) {
      throw new RangeError(`mode '${raw}': robot numbers run from 1 to ${robots}`);
    }
    for (let n = from; n <= to; n++) numbers.push(n);
  }
  return numbers;
}
