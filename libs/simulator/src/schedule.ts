/** How often the TonyPi client publishes each kind of message, in seconds. */
export const CLIENT_INTERVALS_S = {
  sensors: 2,
  servos: 3,
  location: 5,
  status: 10,
  battery: 30,
  /** The "Robot running normally" log line. */
  heartbeat: 30,
} as const;
export type TelemetryStream = keyof typeof CLIENT_INTERVALS_S;

/** How often a robot in `job` mode checks whether its job moves on, in simulated seconds. */
export const JOB_TICK_S = 1;

export type ScheduledStream = TelemetryStream | 'job';

/**
 * Calls `onDue(stream)` at each stream's interval divided by `rate` (`rate` 10: sensors every 200 ms). Returns a
 * function that stops every timer.
 *
 * @example
 * const stop = startSchedule(10, ['sensors', 'status'], (stream) => publish(stream));
 */
export function startSchedule(
  rate: number,
  streams: readonly ScheduledStream[],
  onDue: (stream: ScheduledStream) => void,
): () => void {
  const handles = streams.map((stream) => {
    const seconds = stream === 'job' ? JOB_TICK_S : CLIENT_INTERVALS_S[stream];
    return setInterval(() => onDue(stream), (seconds * 1000) / rate);
  });
  return () => {
    for (const handle of handles.splice(0)) clearInterval(handle);
  };
}
