import { z } from 'zod';
import { pageQuerySchema } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';
import { telemetryQuerySchema } from './robot-api.schema';

const instant = z.iso.datetime({ offset: true });

export const MISSION_TYPES = ['pickup', 'delivery', 'patrol', 'maintenance', 'emergency', 'custom'] as const;
export const missionTypeSchema = z.enum(MISSION_TYPES);

/** pending → assigned → active → completed, or failed / cancelled on the way. */
export const MISSION_STATUSES = ['pending', 'assigned', 'active', 'completed', 'failed', 'cancelled'] as const;
export const missionStatusSchema = z.enum(MISSION_STATUSES);
export type MissionStatusName = z.infer<typeof missionStatusSchema>;

/** The states a mission never leaves. */
export const FINISHED_MISSION_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies MissionStatusName[];

/** What an operator may set a waypoint to; `modified` is set by Fleet when a waypoint moves during a mission. */
export const WAYPOINT_SET_STATUSES = ['pending', 'in_progress', 'completed', 'skipped'] as const;
export const WAYPOINT_STATUSES = [...WAYPOINT_SET_STATUSES, 'modified'] as const;

export const missionIdSchema = z.uuid();
export const waypointIdSchema = z.uuid();

const finite = z.number().finite();

/** A point in the site's own frame, in metres (the rovers' and robots' maps). */
export const localCoordinatesSchema = z.object({ x: finite, y: finite, z: finite.optional() }).strict();

/** A WGS 84 position in degrees, altitude in metres (the drones'). */
export const geoCoordinatesSchema = z
  .object({ lat: finite.min(-90).max(90), lon: finite.min(-180).max(180), alt: finite.optional() })
  .strict();

/** Either `{x, y, z?}` (metres on the site's map) or `{lat, lon, alt?}` (WGS 84); every value a finite number. */
export const waypointCoordinatesSchema = z.union([localCoordinatesSchema, geoCoordinatesSchema]);
export type WaypointCoordinates = z.infer<typeof waypointCoordinatesSchema>;

const waypointName = z.string().trim().min(1).max(200);
const waypointAction = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('What the robot does there, e.g. `pickup_package`, `hover_30s`');

export const waypointCreateSchema = z
  .object({
    name: waypointName.optional(),
    coordinates: waypointCoordinatesSchema,
    action: waypointAction.optional(),
    estimated_arrival: instant.optional(),
  })
  .strict();
export type WaypointCreate = z.infer<typeof waypointCreateSchema>;

/** The most waypoints one mission may have. */
export const MAX_MISSION_WAYPOINTS = 500;

// ---- missions ----

const missionFields = {
  name: z.string().trim().min(1).max(200),
  mission_type: missionTypeSchema,
  priority: z.number().int().min(1).max(10).describe('1 (lowest) to 10 (emergency)'),
  scheduled_start: instant,
  estimated_duration_s: z
    .number()
    .int()
    .min(0)
    .max(365 * 86_400),
  payload: z.record(z.string(), z.unknown()).describe('What the mission carries or needs, free-form'),
  special_instructions: z.string().max(5000),
};

export const missionCreateSchema = z
  .object({
    name: missionFields.name,
    mission_type: missionFields.mission_type,
    priority: missionFields.priority.default(5),
    assigned_robot_id: robotIdSchema.optional().describe('Given: the mission starts out assigned to this robot'),
    scheduled_start: missionFields.scheduled_start.optional(),
    estimated_duration_s: missionFields.estimated_duration_s.optional(),
    payload: missionFields.payload.optional(),
    special_instructions: missionFields.special_instructions.optional(),
    waypoints: z.array(waypointCreateSchema).max(MAX_MISSION_WAYPOINTS).default([]).describe('In the order visited'),
  })
  .strict();
export type MissionCreate = z.infer<typeof missionCreateSchema>;

/** Changes to a mission's plan, allowed while it is pending or assigned. */
export const missionUpdateSchema = z
  .object({
    name: missionFields.name.optional(),
    mission_type: missionFields.mission_type.optional(),
    priority: missionFields.priority.optional(),
    scheduled_start: missionFields.scheduled_start.nullable().optional(),
    estimated_duration_s: missionFields.estimated_duration_s.nullable().optional(),
    payload: missionFields.payload.nullable().optional(),
    special_instructions: missionFields.special_instructions.nullable().optional(),
  })
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'name at least one field to change');
export type MissionUpdate = z.infer<typeof missionUpdateSchema>;

export const missionListQuerySchema = pageQuerySchema
  .extend({
    status: missionStatusSchema.optional(),
    robot_id: robotIdSchema.optional().describe('Missions assigned to this robot'),
    mission_type: missionTypeSchema.optional(),
    from: instant.optional().describe('missions created at or after this instant'),
    to: instant.optional().describe('missions created before this instant'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), {
    message: "'from' must be before 'to'",
    path: ['to'],
  });
export type MissionListQuery = z.infer<typeof missionListQuerySchema>;

// ---- transitions ----

export const missionAssignSchema = z.object({ robot_id: robotIdSchema }).strict();
export const missionFailSchema = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();
export const missionCancelSchema = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();
export type MissionAssign = z.infer<typeof missionAssignSchema>;
export type MissionFail = z.infer<typeof missionFailSchema>;
export type MissionCancel = z.infer<typeof missionCancelSchema>;

// ---- waypoint changes ----

/**
 * A change to one waypoint. Moving it or changing its action while the mission is assigned or active is tracked:
 * `modification_reason` is then required.
 */
export const waypointUpdateSchema = z
  .object({
    status: z.enum(WAYPOINT_SET_STATUSES).optional().describe('`completed` records the arrival time'),
    name: waypointName.nullable().optional(),
    coordinates: waypointCoordinatesSchema.optional(),
    action: waypointAction.nullable().optional(),
    estimated_arrival: instant.nullable().optional(),
    modification_reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe('Why the waypoint moved; required for coordinate or action changes once the mission is assigned'),
  })
  .strict()
  .refine(
    ({ modification_reason: _reason, ...changes }) => Object.keys(changes).length > 0,
    'name at least one field to change',
  );
export type WaypointUpdate = z.infer<typeof waypointUpdateSchema>;

// ---- views ----

export const waypointViewSchema = z.object({
  id: z.string(),
  mission_id: z.string(),
  sequence_order: z.number().int(),
  name: z.string().nullable(),
  coordinates: z.record(z.string(), z.number()),
  action: z.string().nullable(),
  status: z.enum(WAYPOINT_STATUSES),
  estimated_arrival: instant.nullable(),
  actual_arrival: instant.nullable(),
  original_coordinates: z
    .record(z.string(), z.number())
    .nullable()
    .describe('Where the waypoint was before it first moved during the mission'),
  modification_reason: z.string().nullable(),
  modified_by: z.string().nullable(),
  modified_at: instant.nullable(),
  created_at: instant,
});

export const missionViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  mission_type: missionTypeSchema,
  status: missionStatusSchema,
  priority: z.number().int(),
  assigned_robot_id: z.string().nullable(),
  scheduled_start: instant.nullable(),
  assigned_at: instant.nullable(),
  started_at: instant.nullable(),
  completed_at: instant.nullable().describe('When the mission ended: completed, failed or cancelled'),
  estimated_duration_s: z.number().int().nullable(),
  actual_duration_s: z.number().int().nullable().describe('From start to end, once a started mission ended'),
  failure_reason: z.string().nullable().describe('Why it failed, or why it was cancelled'),
  payload: z.record(z.string(), z.unknown()).nullable(),
  special_instructions: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: instant,
  updated_at: instant.nullable(),
  elapsed_s: z.number().int().nullable().describe('Seconds since the start, up to the end once it ended'),
  estimated_remaining_s: z
    .number()
    .int()
    .nullable()
    .describe('Estimated duration minus elapsed time while not ended; negative: overdue'),
  progress: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    skipped: z.number().int(),
    modified: z.number().int(),
  }),
  waypoints: z.array(waypointViewSchema).describe('In the order visited'),
});
export type MissionView = z.infer<typeof missionViewSchema>;

export const missionPageSchema = z.object({
  items: z.array(missionViewSchema.omit({ waypoints: true })),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** Telemetry of the mission's robot over the mission: from its start to its end, or now while it runs. */
export const missionTelemetryQuerySchema = telemetryQuerySchema.omit({ from: true, to: true });
export type MissionTelemetryQuery = z.infer<typeof missionTelemetryQuerySchema>;
