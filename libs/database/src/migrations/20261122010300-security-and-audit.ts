import { sql, type Kysely } from 'kysely';

/** Per-robot MQTT credentials, rotating refresh tokens (stored hashed) and the append-only audit trail. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE robot_credentials (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      robot_id VARCHAR(50) NOT NULL,
      username VARCHAR(100) NOT NULL UNIQUE,
      secret_hash VARCHAR(255) NOT NULL,
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      created_by VARCHAR(100),
      last_used_at TIMESTAMP WITH TIME ZONE,
      revoked_at TIMESTAMP WITH TIME ZONE
    );
    CREATE INDEX idx_robot_credentials_robot_active ON robot_credentials(robot_id) WHERE revoked_at IS NULL;

    CREATE TABLE refresh_tokens (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id VARCHAR(36) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash VARCHAR(128) NOT NULL UNIQUE,
      -- Every rotation of one login shares a family: reuse of a rotated token revokes the whole family.
      family_id UUID NOT NULL,
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
      revoked_at TIMESTAMP WITH TIME ZONE,
      replaced_by UUID REFERENCES refresh_tokens(id) ON DELETE SET NULL,
      user_agent VARCHAR(500),
      ip_address VARCHAR(45)
    );
    CREATE INDEX idx_refresh_tokens_user ON refresh_tokens(user_id);
    CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family_id);
    CREATE INDEX idx_refresh_tokens_expires ON refresh_tokens(expires_at);

    CREATE TABLE audit_entries (
      id BIGSERIAL PRIMARY KEY,
      occurred_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      actor VARCHAR(100) NOT NULL,
      actor_id VARCHAR(36),
      action VARCHAR(100) NOT NULL,
      entity_type VARCHAR(50) NOT NULL,
      entity_id VARCHAR(100),
      before JSONB,
      after JSONB,
      ip_address VARCHAR(45),
      request_id VARCHAR(64)
    );
    CREATE INDEX idx_audit_entries_occurred_at ON audit_entries(occurred_at DESC);
    CREATE INDEX idx_audit_entries_entity ON audit_entries(entity_type, entity_id);
    CREATE INDEX idx_audit_entries_actor ON audit_entries(actor, occurred_at DESC);

    CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_entries is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER audit_entries_no_update_or_delete
      BEFORE UPDATE OR DELETE ON audit_entries
      FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
    CREATE TRIGGER audit_entries_no_truncate
      BEFORE TRUNCATE ON audit_entries
      FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS audit_entries;
    DROP FUNCTION IF EXISTS audit_entries_append_only();
    DROP TABLE IF EXISTS refresh_tokens;
    DROP TABLE IF EXISTS robot_credentials;
  `.execute(db);
}
