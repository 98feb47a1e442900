import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../pagination.schema';
import { robotIdSchema } from '../robot.schema';

const instant = z.iso.datetime({ offset: true });
const time = z.iso.datetime();

/** What a job can be: `superseded` means the robot started another job while this one was active. */
export const JOB_STATUSES = ['active', 'completed', 'failed', 'cancelled', 'superseded'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatusName = z.infer<typeof jobStatusSchema>;

/** `status=failed,cancelled` or `status=failed&status=cancelled`; case does not matter. */
const statusesSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((part) => part.split(','))
      .map((status) => status.trim().toLowerCase())
      .filter((status) => status !== ''),
  )
  .pipe(z.array(jobStatusSchema).min(1, `give one or more of ${JOB_STATUSES.join(', ')}`))
  .describe(`one or more of ${JOB_STATUSES.join(', ')}, comma-separated`);

/** `from` must come before `to` when both are given. */
function rangeInOrder(query: { from?: string; to?: string }): boolean {
  return query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to);
}
const RANGE_ORDER = { message: "'from' must be before 'to'", path: ['to'] };

const rangeShape = {
  robot_id: robotIdSchema.optional(),
  from: instant.optional().describe('jobs started at or after this instant'),
  to: instant.optional().describe('jobs started before this instant'),
};

/** A job's serial id in a path. */
export const jobIdSchema = z.coerce.number({ error: 'a job id is a whole number' }).int().min(1).max(2_147_483_647);

export const jobListQuerySchema = pageQuerySchema
  .extend({
    ...rangeShape,
    status: statusesSchema.optional(),
    task: z.string().trim().min(1).max(200).optional().describe('text the task name contains (any case)'),
  })
  .refine(rangeInOrder, RANGE_ORDER);
export type JobListQuery = z.infer<typeof jobListQuerySchema>;

export const jobActiveQuerySchema = pageQuerySchema.extend({ robot_id: robotIdSchema.optional() });
export type JobActiveQuery = z.infer<typeof jobActiveQuerySchema>;

export const jobStatsQuerySchema = z.object(rangeShape).refine(rangeInOrder, RANGE_ORDER);
export type JobStatsQuery = z.infer<typeof jobStatsQuerySchema>;

export const jobRobotStatsQuerySchema = pageQuerySchema
  .extend({ from: rangeShape.from, to: rangeShape.to })
  .refine(rangeInOrder, RANGE_ORDER);
export type JobRobotStatsQuery = z.infer<typeof jobRobotStatsQuerySchema>;

/** One job as the API shows it. */
export const jobViewSchema = z.object({
  id: z.number().int(),
  robot_id: z.string(),
  task_name: z.string().nullable(),
  phase: z.string().nullable(),
  status: z.string().describe(`${JOB_STATUSES.join(', ')} (an adopted TonyPi database may hold other words)`),
  start_time: time,
  end_time: time.nullable(),
  items_total: z.number().int().nullable(),
  items_done: z.number().int(),
  percent_complete: z.number(),
  last_item: z.unknown().describe('the last item processed, as the robot sent it'),
  estimated_duration_s: z.number().nullable(),
  duration_s: z.number().nullable().describe('seconds from start to end, once it ended'),
  end_reason: z.string().nullable().describe('why it was cancelled or failed, as the robot said'),
  last_message_at: time.nullable().describe("robot time of the robot's last message about the job"),
  created_at: time.nullable(),
  updated_at: time.nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export const jobPageSchema = pageSchema(jobViewSchema);

const statsShape = {
  total: z.number().int().describe('jobs started in the range'),
  active: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  superseded: z.number().int(),
  finished: z.number().int().describe('completed, failed or cancelled'),
  success_rate_percent: z
    .number()
    .nullable()
    .describe('completed among finished jobs, in percent; null while none has finished'),
  average_duration_s: z.number().nullable().describe('mean duration of finished jobs; null while none has finished'),
  total_duration_s: z.number().describe('summed duration of finished jobs'),
  items_done: z.number().int().describe('items processed, over every job'),
  items_total: z.number().int().describe('items the jobs aimed at, where they said'),
};

/** Totals over the fleet's jobs (or one robot's) started in a range; all time when omitted. */
export const jobStatsSchema = z.object({
  robots: z.number().int().describe('robots with at least one job'),
  ...statsShape,
});
export type JobStatsView = z.infer<typeof jobStatsSchema>;

export const jobRobotStatsSchema = z.object({ robot_id: z.string(), ...statsShape });
export type JobRobotStatsView = z.infer<typeof jobRobotStatsSchema>;

/** One page of robots (those with jobs in the range), by robot id. */
export const jobRobotStatsPageSchema = pageSchema(jobRobotStatsSchema);
