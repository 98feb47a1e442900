import { sql, type Kysely } from 'kysely';

/**
 * What the jobs service needs to follow a robot's jobs from its `tonypi/job/{id}` messages: the task, its phase,
 * the estimated and actual duration, why it was cancelled or failed, and the robot time and key of the last message
 * applied, so a late or redelivered message never moves a job backwards or reopens it.
 *
 * Statuses: TonyPi's `active`, `completed`, `failed`, plus `cancelled` and `superseded` (a new job started while
 * this one was active). The check is NOT VALID so an adopted database keeps whatever its old rows say.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE jobs
      ADD COLUMN task_name VARCHAR(200),
      ADD COLUMN phase VARCHAR(50),
      ADD COLUMN estimated_duration_s DOUBLE PRECISION,
      ADD COLUMN duration_s DOUBLE PRECISION,
      ADD COLUMN end_reason TEXT,
      ADD COLUMN last_message_at TIMESTAMP WITH TIME ZONE,
      ADD COLUMN last_message_key VARCHAR(100);
    ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
      CHECK (status IN ('active', 'completed', 'failed', 'cancelled', 'superseded')) NOT VALID;
    CREATE INDEX idx_jobs_robot_active ON jobs(robot_id) WHERE status = 'active';
    CREATE INDEX idx_jobs_robot_last_message ON jobs(robot_id, last_message_at DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS idx_jobs_robot_last_message;
    DROP INDEX IF EXISTS idx_jobs_robot_active;
    ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_status_check;
    ALTER TABLE jobs
      DROP COLUMN IF EXISTS last_message_key,
      DROP COLUMN IF EXISTS last_message_at,
      DROP COLUMN IF EXISTS end_reason,
      DROP COLUMN IF EXISTS duration_s,
      DROP COLUMN IF EXISTS estimated_duration_s,
      DROP COLUMN IF EXISTS phase,
      DROP COLUMN IF EXISTS task_name;
  `.execute(db);
}
