import { sql, type Kysely } from 'kysely';

/**
 * What the reports service needs besides TonyPi's `reports` columns:
 * - a report's lifecycle (`queued → running → done | failed`), its attempts, the replica holding it and until when
 *   (a replica that dies mid-run loses the lease and another takes the report up), and its error;
 * - what it covers: the period, the robots (`robot_ids`; NULL: the whole fleet; `robot_id` keeps TonyPi's column
 *   for a report on one robot) and the formats asked for, with the files made;
 * - `report_schedules`, and for a scheduled report its schedule and due time: one report per schedule and due time,
 *   however many replicas run the scheduler.
 * Existing rows (TonyPi's stored reports) are `done`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE report_schedules (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name VARCHAR(100) NOT NULL UNIQUE,
      report_type VARCHAR(50) NOT NULL,
      robot_ids TEXT[],
      period VARCHAR(10) NOT NULL CHECK (period IN ('day', 'week', 'month')),
      cron VARCHAR(100) NOT NULL,
      timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
      formats TEXT[] NOT NULL DEFAULT '{pdf,json}',
      enabled BOOLEAN NOT NULL DEFAULT TRUE,
      missed VARCHAR(10) NOT NULL DEFAULT 'run_once' CHECK (missed IN ('run_once', 'skip')),
      webhook_url TEXT,
      webhook_secret TEXT,
      next_due_at TIMESTAMP WITH TIME ZONE,
      last_due_at TIMESTAMP WITH TIME ZONE,
      last_report_id INTEGER,
      created_by VARCHAR(100),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE
    );
    CREATE INDEX idx_report_schedules_due ON report_schedules(next_due_at) WHERE enabled;

    ALTER TABLE reports
      ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'done'
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
      ADD COLUMN robot_ids TEXT[],
      ADD COLUMN period_from TIMESTAMP WITH TIME ZONE,
      ADD COLUMN period_to TIMESTAMP WITH TIME ZONE,
      ADD COLUMN time_range VARCHAR(10),
      ADD COLUMN timezone VARCHAR(64),
      ADD COLUMN formats TEXT[] NOT NULL DEFAULT '{json}',
      ADD COLUMN options JSONB,
      ADD COLUMN schema_version INTEGER,
      ADD COLUMN files JSONB,
      ADD COLUMN error TEXT,
      ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0,
      ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3,
      ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE,
      ADD COLUMN lease_owner VARCHAR(200),
      ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE,
      ADD COLUMN started_at TIMESTAMP WITH TIME ZONE,
      ADD COLUMN finished_at TIMESTAMP WITH TIME ZONE,
      ADD COLUMN schedule_id UUID REFERENCES report_schedules(id) ON DELETE SET NULL,
      ADD COLUMN due_at TIMESTAMP WITH TIME ZONE,
      ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE;
    CREATE UNIQUE INDEX idx_reports_schedule_due ON reports(schedule_id, due_at) WHERE schedule_id IS NOT NULL;
    CREATE INDEX idx_reports_open ON reports(next_attempt_at) WHERE status IN ('queued', 'running');
    CREATE INDEX idx_reports_status ON reports(status);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS idx_reports_status;
    DROP INDEX IF EXISTS idx_reports_open;
    DROP INDEX IF EXISTS idx_reports_schedule_due;
    ALTER TABLE reports
      DROP COLUMN IF EXISTS updated_at,
      DROP COLUMN IF EXISTS due_at,
      DROP COLUMN IF EXISTS schedule_id,
      DROP COLUMN IF EXISTS finished_at,
      DROP COLUMN IF EXISTS started_at,
      DROP COLUMN IF EXISTS lease_until,
      DROP COLUMN IF EXISTS lease_owner,
      DROP COLUMN IF EXISTS next_attempt_at,
      DROP COLUMN IF EXISTS max_attempts,
      DROP COLUMN IF EXISTS attempts,
      DROP COLUMN IF EXISTS error,
      DROP COLUMN IF EXISTS files,
      DROP COLUMN IF EXISTS schema_version,
      DROP COLUMN IF EXISTS options,
      DROP COLUMN IF EXISTS formats,
      DROP COLUMN IF EXISTS timezone,
      DROP COLUMN IF EXISTS time_range,
      DROP COLUMN IF EXISTS period_to,
      DROP COLUMN IF EXISTS period_from,
      DROP COLUMN IF EXISTS robot_ids,
      DROP COLUMN IF EXISTS status;
    DROP TABLE IF EXISTS report_schedules;
  `.execute(db);
}
