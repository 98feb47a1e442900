import { sql, type Kysely } from 'kysely';

/**
 * Messages ingest rejected, kept so an operator can see what a robot sent and why it was refused; and a message key
 * on the rows ingest makes from robot messages, so a message read again after a crash adds nothing twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE dead_letters (
      id BIGSERIAL PRIMARY KEY,
      message_key VARCHAR(100) NOT NULL UNIQUE,
      received_at TIMESTAMP WITH TIME ZONE NOT NULL,
      topic VARCHAR(1024) NOT NULL,
      robot_id VARCHAR(50),
      reason VARCHAR(32) NOT NULL,
      detail TEXT NOT NULL,
      -- The first 4 KiB of the payload as text (bytes that are not UTF-8 show as U+FFFD), and its full size.
      payload TEXT NOT NULL,
      payload_bytes INTEGER NOT NULL CHECK (payload_bytes >= 0),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX idx_dead_letters_received ON dead_letters(received_at DESC);
    CREATE INDEX idx_dead_letters_reason ON dead_letters(reason, received_at DESC);
    CREATE INDEX idx_dead_letters_robot ON dead_letters(robot_id, received_at DESC) WHERE robot_id IS NOT NULL;

    ALTER TABLE system_logs ADD COLUMN message_key VARCHAR(100);
    CREATE UNIQUE INDEX idx_system_logs_message_key ON system_logs(message_key) WHERE message_key IS NOT NULL;
    ALTER TABLE robot_connection_logs ADD COLUMN message_key VARCHAR(100);
    CREATE UNIQUE INDEX idx_robot_connection_logs_message_key ON robot_connection_logs(message_key)
      WHERE message_key IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE robot_connection_logs DROP COLUMN IF EXISTS message_key;
    ALTER TABLE system_logs DROP COLUMN IF EXISTS message_key;
    DROP TABLE IF EXISTS dead_letters;
  `.execute(db);
}
