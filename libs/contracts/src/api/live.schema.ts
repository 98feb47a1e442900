import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';

/** What a live client can follow: robot telemetry, robot status, alert changes, jobs, commands and reports. */
export const LIVE_CHANNELS = ['telemetry', 'status', 'alerts', 'jobs', 'commands', 'reports'] as const;
export const liveChannelSchema = z.enum(LIVE_CHANNELS);
export type LiveChannel = z.infer<typeof liveChannelSchema>;

/** The path of the live WebSocket on the API's HTTP port. */
export const LIVE_PATH = '/api/v1/ws';

/** The event stream job changes are published on (see {@link liveRecordEventSchema}); the API pushes them live. */
export const JOB_STREAM = 'jobs';
/** The event stream command changes are published on (see {@link liveRecordEventSchema}); the API pushes them live. */
export const COMMAND_STREAM = 'commands';

/** Robot ids one subscribe or unsubscribe message may name. */
export const LIVE_MAX_ROBOTS_PER_MESSAGE = 1_000;

/**
 * WebSocket close codes the live endpoint uses besides the standard ones (1001 going away, 1008 policy violation,
 * 1011 internal error).
 */
export const LIVE_CLOSE = {
  /** No valid access token: none within the time allowed, a bad or expired one, or a disabled user. */
  unauthorized: 4401,
  /** The client reads too slowly: what is waiting to be sent passed `WS_MAX_BUFFER_KB`. */
  tooSlow: 4008,
} as const;

const robotsSchema = z.union([z.literal('*'), z.array(robotIdSchema).min(1).max(LIVE_MAX_ROBOTS_PER_MESSAGE)]);
const channelsSchema = z
  .array(liveChannelSchema)
  .min(1)
  .default([...LIVE_CHANNELS]);

export const liveAuthMessageSchema = z.object({ type: z.literal('auth'), token: z.string().min(1).max(8_192) });

/**
 * Starts (or, with `unsubscribe`, stops) updates of `channels` (all of them when omitted) for `robots`, or for every
 * robot and for what belongs to none (fleet-wide alerts) with `"*"`.
 *
 * @example
 * { type: 'subscribe', robots: ['tonypi_01'], channels: ['telemetry', 'alerts'] }
 */
export const liveSubscribeMessageSchema = z.object({
  type: z.enum(['subscribe', 'unsubscribe']),
  robots: robotsSchema,
  channels: channelsSchema,
});
export type LiveSubscribeMessage = z.infer<typeof liveSubscribeMessageSchema>;

/** Everything a client may send on the live WebSocket. */
export const liveClientMessageSchema = z.discriminatedUnion('type', [
  liveAuthMessageSchema,
  liveSubscribeMessageSchema.extend({ type: z.literal('subscribe') }),
  liveSubscribeMessageSchema.extend({ type: z.literal('unsubscribe') }),
  /** Browsers cannot send WebSocket pings; this one is answered with `{type:"pong"}`. */
  z.object({ type: z.literal('ping') }),
]);
export type LiveClientMessage = z.infer<typeof liveClientMessageSchema>;

/**
 * One change pushed to a subscribed client: on `telemetry` and `status` the robot message as ingest accepted it
 * (`kind` is its topic kind, `data` its payload), on `alerts` the alert event (`kind` is `opened`, `escalated`,
 * `acknowledged` or `resolved`), on `jobs`, `commands` and `reports` the record event (a report's `kind` is
 * `queued`, `running`, `done`, `failed` or `deleted`; a fleet report has no robot). `time` is when it happened.
 */
export const liveUpdateMessageSchema = z.object({
  type: z.literal('update'),
  channel: liveChannelSchema,
  robot_id: z.string().nullable(),
  kind: z.string(),
  data: z.unknown(),
  time: z.iso.datetime(),
});

/** Everything the server sends on the live WebSocket. */
export const liveServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('authenticated'),
    username: z.string(),
    role: z.string(),
    /** When the access token runs out: send a fresh one in an `auth` message before then to stay connected. */
    expires_at: z.iso.datetime().nullable(),
  }),
  z.object({
    type: z.enum(['subscribed', 'unsubscribed']),
    robots: z.union([z.literal('*'), z.array(z.string())]),
    channels: z.array(liveChannelSchema),
  }),
  liveUpdateMessageSchema,
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('pong') }),
]);
export type LiveServerMessage = z.infer<typeof liveServerMessageSchema>;

/**
 * An event on {@link JOB_STREAM} or {@link COMMAND_STREAM}, as the live feed reads it: what happened, when, to which
 * robot (null for one that concerns several, e.g. a broadcast), and the id of the job or command. Further fields
 * (the record itself) are passed to clients as they are. Updates about the same id replace each other when a client
 * is held to its rate.
 *
 * @example
 * { event: 'acknowledged', at: '2026-01-24T10:30:46.000Z', robot_id: 'tonypi_01', id: 'c0ffee…',
 *   command: { type: 'move', status: 'acknowledged', ... } }
 */
export const liveRecordEventSchema = z.looseObject({
  event: z.string().min(1),
  at: z.iso.datetime(),
  robot_id: z.string().nullable(),
  id: z.union([z.string().min(1), z.number()]),
});
export type LiveRecordEvent = z.infer<typeof liveRecordEventSchema>;
