import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { intLike, numberLike, robotTimestampSchema } from './fields.schema';

/**
 * Job statuses robots are known to send. `status` stays free text (robots send other words, in any case); these
 * are the ones with a meaning: `done` is `completed`, `working` is the legacy `in_progress`.
 */
export const KNOWN_JOB_STATUSES = [
  'started',
  'in_progress',
  'working',
  'done',
  'completed',
  'cancelled',
  'failed',
  'idle',
] as const;

/**
 * `tonypi/job/{robotId}`: job progress. Current clients send `{ task_name, status, phase, progress_percent,
 * items_done, items_total, elapsed_time, ... }`; the legacy form is `{ percent, status: 'working' | 'completed',
 * items_done, items_total }`, sent when a scanned item is confirmed. A message needs a `status` or a percentage.
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', task_name: 'Peeling', status: 'in_progress', phase: 'executing',
 *   items_done: 3, items_total: 10, progress_percent: 30, elapsed_time: 42.5,
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const jobPayloadSchema = z
  .looseObject({
    robot_id: robotIdSchema.nullish(),
    task_name: z.string().max(200).nullish(),
    status: z
      .string()
      .min(1)
      .max(50)
      .optional()
      .describe(`Free text; known: ${KNOWN_JOB_STATUSES.join(', ')}. Required unless a percentage is given.`),
    phase: z.string().max(50).nullish(),
    progress_percent: numberLike.nullish().describe('0-100 (current clients).'),
    percent: numberLike.nullish().describe('0-100 (the legacy form).'),
    items_done: intLike.nullish(),
    items_total: intLike.nullish(),
    elapsed_time: numberLike.nullish().describe('Seconds since the job started.'),
    estimated_duration: numberLike.nullish(),
    action_duration: numberLike.nullish(),
    success: z.boolean().nullish(),
    reason: z.string().max(1000).nullish(),
    cancel_reason: z.string().max(1000).nullish(),
    start_time: z.string().max(64).nullish(),
    end_time: z.string().max(64).nullish(),
    timestamp: robotTimestampSchema,
  })
  .superRefine((job, ctx) => {
    if (job.status === undefined && (job.progress_percent ?? job.percent ?? null) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: 'required unless percent or progress_percent is given',
      });
    }
  });
export type JobPayload = z.output<typeof jobPayloadSchema>;

/** The job's progress in percent, whichever form the robot used; undefined when it sent none. */
export function jobProgressPercent(job: JobPayload): number | undefined {
  return job.progress_percent ?? job.percent ?? undefined;
}
