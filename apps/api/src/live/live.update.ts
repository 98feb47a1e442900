import {
  ALERT_STREAM,
  alertEventSchema,
  COMMAND_STREAM,
  JOB_STREAM,
  REPORT_STREAM,
  liveRecordEventSchema,
  TELEMETRY_STREAM,
  telemetryEventSchema,
  type LiveChannel,
} from '@fleet/contracts';

/**
 * One change as pushed to clients. Its message is encoded once, however many clients it goes to.
 */
export class LiveUpdate {
  private encoded?: string;

  constructor(
    readonly channel: LiveChannel,
    readonly robotId: string | null,
    readonly kind: string,
    readonly time: string,
    readonly data: unknown,
    /**
     * Updates with the same key replace one another while a client is held to its rate (`WS_MAX_UPDATES_PER_S`);
     * undefined: every one is sent.
     */
    readonly coalesceKey: string | undefined,
  ) {}

  /** The `update` message, as JSON. */
  get json(): string {
    this.encoded ??= JSON.stringify({
      type: 'update',
      channel: this.channel,
      robot_id: this.robotId,
      kind: this.kind,
      data: this.data,
      time: this.time,
    });
    return this.encoded;
  }
}

/** The event streams the live feed reads. */
export const LIVE_STREAMS = [TELEMETRY_STREAM, ALERT_STREAM, JOB_STREAM, COMMAND_STREAM, REPORT_STREAM] as const;
export type LiveStream = (typeof LIVE_STREAMS)[number];

/**
 * The update an event of `stream` makes, or undefined when the event is not what that stream carries.
 *
 * - `telemetry`: status messages go to `status`, every other robot message to `telemetry`. Messages of one kind
 *   replace one another when a client is held to its rate (sensor readings: of one sensor type), so a burst of
 *   battery readings never hides the servo reading that came with it.
 * - `alerts`: every alert event is sent. Alerts change rarely (pending periods, hysteresis), and each change is one
 *   someone may have to act on: an acknowledgement must not be replaced by the escalation after it.
 * - `jobs`, `commands`, `reports`: updates about the same job, command or report replace one another.
 */
export function toLiveUpdate(stream: LiveStream, event: unknown): LiveUpdate | undefined {
  switch (stream) {
    case TELEMETRY_STREAM: {
      const parsed = telemetryEventSchema.safeParse(event);
      if (!parsed.success) return undefined;
      const { robotId, kind, time, data } = parsed.data;
      const channel: LiveChannel = kind === 'status' ? 'status' : 'telemetry';
      const sensor = kind === 'sensors' && typeof data.sensor_type === 'string' ? `/${data.sensor_type}` : '';
      return new LiveUpdate(channel, robotId, kind, time, data, `${channel}/${robotId}/${kind}${sensor}`);
    }
    case ALERT_STREAM: {
      const parsed = alertEventSchema.safeParse(event);
      if (!parsed.success) return undefined;
      const { event: kind, at, alert } = parsed.data;
      return new LiveUpdate('alerts', alert.robot_id, kind, at, parsed.data, undefined);
    }
    case JOB_STREAM:
    case COMMAND_STREAM:
    case REPORT_STREAM: {
      const parsed = liveRecordEventSchema.safeParse(event);
      if (!parsed.success) return undefined;
      const { event: kind, at, robot_id: robotId, id } = parsed.data;
      return new LiveUpdate(stream, robotId, kind, at, parsed.data, `${stream}/${String(id)}`);
    }
  }
}
