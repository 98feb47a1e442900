import { sql, type Kysely } from 'kysely';

/**
 * Commands sent to robots with their acknowledgement lifecycle and per-robot results, connection events, and
 * missions with ordered waypoints (from the ESP32, rover and drone systems Fleet replaces).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE missions (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name VARCHAR(200) NOT NULL,
      mission_type VARCHAR(20) NOT NULL
        CHECK (mission_type IN ('pickup', 'delivery', 'patrol', 'maintenance', 'emergency', 'custom')),
      status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'assigned', 'active', 'completed', 'failed', 'cancelled')),
      priority INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
      assigned_robot_id VARCHAR(50),
      scheduled_start TIMESTAMP WITH TIME ZONE,
      assigned_at TIMESTAMP WITH TIME ZONE,
      started_at TIMESTAMP WITH TIME ZONE,
      completed_at TIMESTAMP WITH TIME ZONE,
      estimated_duration_s INTEGER CHECK (estimated_duration_s >= 0),
      actual_duration_s INTEGER CHECK (actual_duration_s >= 0),
      failure_reason TEXT,
      payload JSONB,
      special_instructions TEXT,
      created_by VARCHAR(100),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE,
      CHECK (status = 'pending' OR assigned_robot_id IS NOT NULL OR status IN ('cancelled', 'failed'))
    );
    CREATE INDEX idx_missions_status ON missions(status);
    CREATE INDEX idx_missions_robot ON missions(assigned_robot_id, created_at DESC);
    -- A robot carries out one mission at a time.
    CREATE UNIQUE INDEX uq_missions_one_active_per_robot ON missions(assigned_robot_id) WHERE status = 'active';

    CREATE TABLE mission_waypoints (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      mission_id UUID NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
      sequence_order INTEGER NOT NULL CHECK (sequence_order >= 0),
      name VARCHAR(200),
      coordinates JSONB NOT NULL,
      action VARCHAR(200),
      status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'completed', 'modified', 'skipped')),
      estimated_arrival TIMESTAMP WITH TIME ZONE,
      actual_arrival TIMESTAMP WITH TIME ZONE,
      original_coordinates JSONB,
      modification_reason VARCHAR(500),
      modified_by VARCHAR(100),
      modified_at TIMESTAMP WITH TIME ZONE,
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      UNIQUE (mission_id, sequence_order) DEFERRABLE INITIALLY IMMEDIATE
    );

    CREATE TABLE commands (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      type VARCHAR(50) NOT NULL,
      parameters JSONB NOT NULL DEFAULT '{}',
      broadcast BOOLEAN NOT NULL DEFAULT FALSE,
      status VARCHAR(20) NOT NULL DEFAULT 'created'
        CHECK (status IN ('created', 'sent', 'completed', 'partial', 'failed', 'timed_out', 'cancelled')),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      sent_at TIMESTAMP WITH TIME ZONE,
      completed_at TIMESTAMP WITH TIME ZONE,
      target_count INTEGER NOT NULL DEFAULT 0 CHECK (target_count >= 0),
      success_count INTEGER NOT NULL DEFAULT 0 CHECK (success_count >= 0),
      failure_count INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
      timeout_s INTEGER NOT NULL DEFAULT 10 CHECK (timeout_s > 0),
      retries INTEGER NOT NULL DEFAULT 0 CHECK (retries >= 0),
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      response JSONB,
      created_by VARCHAR(100),
      mission_id UUID REFERENCES missions(id) ON DELETE SET NULL,
      CHECK (success_count + failure_count <= target_count)
    );
    CREATE INDEX idx_commands_status ON commands(status);
    CREATE INDEX idx_commands_created_at ON commands(created_at DESC);
    CREATE INDEX idx_commands_type ON commands(type);
    CREATE INDEX idx_commands_mission ON commands(mission_id) WHERE mission_id IS NOT NULL;

    CREATE TABLE command_results (
      command_id UUID NOT NULL REFERENCES commands(id) ON DELETE CASCADE,
      robot_id VARCHAR(50) NOT NULL,
      status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'ack_success', 'ack_error', 'timed_out', 'cancelled')),
      message TEXT,
      data JSONB,
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      sent_at TIMESTAMP WITH TIME ZONE,
      responded_at TIMESTAMP WITH TIME ZONE,
      PRIMARY KEY (command_id, robot_id)
    );
    CREATE INDEX idx_command_results_robot ON command_results(robot_id, command_id);

    CREATE TABLE robot_connection_logs (
      id BIGSERIAL PRIMARY KEY,
      robot_id VARCHAR(50) NOT NULL,
      event VARCHAR(20) NOT NULL CHECK (event IN ('connected', 'disconnected', 'timeout')),
      timestamp TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      details JSONB
    );
    CREATE INDEX idx_robot_connection_logs_robot_time ON robot_connection_logs(robot_id, timestamp DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS robot_connection_logs;
    DROP TABLE IF EXISTS command_results;
    DROP TABLE IF EXISTS commands;
    DROP TABLE IF EXISTS mission_waypoints;
    DROP TABLE IF EXISTS missions;
  `.execute(db);
}
