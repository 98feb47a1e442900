import { jobPayloadSchema, jobProgressPercent, type TelemetryEvent } from '@fleet/contracts';
import type { JobMessage } from './job-state';

/**
 * The job message a telemetry event of kind `job` carries (the payload as ingest accepted it), or undefined when the
 * event is of another kind or its payload does not read as a job message.
 */
export function readJobMessage(event: TelemetryEvent): JobMessage | undefined {
  if (event.kind !== 'job') return undefined;
  const parsed = jobPayloadSchema.safeParse(event.data);
  if (!parsed.success) return undefined;
  const job = parsed.data;
  return {
    key: event.messageKey,
    time: new Date(event.time),
    status: job.status,
    taskName: text(job.task_name),
    phase: text(job.phase),
    percent: jobProgressPercent(job) ?? undefined,
    itemsDone: job.items_done ?? undefined,
    itemsTotal: job.items_total ?? undefined,
    lastItem: event.data.last_item ?? undefined,
    elapsedS: job.elapsed_time ?? undefined,
    estimatedS: job.estimated_duration ?? undefined,
    reason: text(job.reason ?? job.cancel_reason),
  };
}

function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}
