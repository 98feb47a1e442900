import { sql, type Kysely } from 'kysely';

/**
 * What the jobs service needs to deliver commands: per target robot, when its answer (or, for a robot that is
 * offline, the robot itself) is due, and the `waiting` state of a command held for an offline robot. The partial
 * index serves the delivery loop, which looks only at results still open.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE command_results ADD COLUMN deadline_at TIMESTAMP WITH TIME ZONE;
    ALTER TABLE command_results DROP CONSTRAINT command_results_status_check;
    ALTER TABLE command_results ADD CONSTRAINT command_results_status_check
      CHECK (status IN ('waiting', 'pending', 'ack_success', 'ack_error', 'timed_out', 'cancelled'));
    CREATE INDEX idx_command_results_open ON command_results(deadline_at) WHERE status IN ('waiting', 'pending');
    CREATE INDEX idx_commands_created ON commands(created_at) WHERE status = 'created';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS idx_commands_created;
    DROP INDEX IF EXISTS idx_command_results_open;
    UPDATE command_results SET status = 'pending' WHERE status = 'waiting';
    ALTER TABLE command_results DROP CONSTRAINT command_results_status_check;
    ALTER TABLE command_results ADD CONSTRAINT command_results_status_check
      CHECK (status IN ('pending', 'ack_success', 'ack_error', 'timed_out', 'cancelled'));
    ALTER TABLE command_results DROP COLUMN IF EXISTS deadline_at;
  `.execute(db);
}
