import { sql, type Kysely } from 'kysely';

/**
 * Per-metric defaults for what a threshold row now also says: how long a condition must hold before it fires
 * (`pending_s`) and how far back past the warning threshold a value must come to resolve (`clear_margin`).
 * CPU and memory spike for a moment all the time, so they wait longer; a servo losing voltage cannot wait.
 */
export const THRESHOLD_TIMING = [
  { metric_type: 'cpu', pending_s: 60, clear_margin: 5 },
  { metric_type: 'memory', pending_s: 60, clear_margin: 5 },
  { metric_type: 'temperature', pending_s: 30, clear_margin: 3 },
  { metric_type: 'battery', pending_s: 30, clear_margin: 3 },
  { metric_type: 'servo_temp', pending_s: 15, clear_margin: 3 },
  { metric_type: 'servo_voltage', pending_s: 10, clear_margin: 0.2 },
  { metric_type: 'disk', pending_s: 0, clear_margin: 2 },
] as const;

/**
 * Alerting: threshold timing and hysteresis, who resolved an alert and why, one open alert per robot, type and
 * source, the evaluation state that survives restarts and is shared by replicas, snoozes, webhooks and their
 * delivery queue (an outbox written in the same transaction as the alert change it announces).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE alert_thresholds
      ADD COLUMN pending_s INTEGER NOT NULL DEFAULT 0 CONSTRAINT alert_thresholds_pending_s_check
        CHECK (pending_s BETWEEN 0 AND 86400),
      ADD COLUMN clear_margin DOUBLE PRECISION NOT NULL DEFAULT 0 CONSTRAINT alert_thresholds_clear_margin_check
        CHECK (clear_margin >= 0),
      ADD COLUMN auto_resolve BOOLEAN NOT NULL DEFAULT TRUE;

    INSERT INTO alert_thresholds (robot_id, metric_type, warning_threshold, critical_threshold, direction, enabled)
    VALUES (NULL, 'disk', 80, 90, 'above', TRUE)
    ON CONFLICT ((COALESCE(robot_id, '')), metric_type) DO NOTHING;

    ALTER TABLE alerts
      ADD COLUMN resolved_by VARCHAR(50),
      ADD COLUMN resolution VARCHAR(20) CONSTRAINT alerts_resolution_check
        CHECK (resolution IN ('auto', 'manual', 'superseded')),
      ADD COLUMN resolution_note TEXT,
      ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE;

    -- TonyPi's column has a default but allows NULL; an alert without a time would have no place in any list.
    UPDATE alerts SET created_at = COALESCE(acknowledged_at, resolved_at, CURRENT_TIMESTAMP) WHERE created_at IS NULL;

    -- An adopted database may hold several open alerts for one robot, type and source: the newest stays open,
    -- the others are marked superseded (and reopened by down).
    WITH ranked AS (
      SELECT id, first_value(id) OVER w AS kept, row_number() OVER w AS n
      FROM alerts
      WHERE resolved IS NOT TRUE
      WINDOW w AS (PARTITION BY COALESCE(robot_id, ''), alert_type, COALESCE(source, '') ORDER BY created_at DESC NULLS LAST, id DESC)
    )
    UPDATE alerts SET resolved = TRUE, resolved_at = CURRENT_TIMESTAMP, resolution = 'superseded',
      resolution_note = 'superseded by alert ' || ranked.kept || ' when Fleet took over this database'
    FROM ranked WHERE alerts.id = ranked.id AND ranked.n > 1;

    CREATE UNIQUE INDEX uq_alerts_open ON alerts ((COALESCE(robot_id, '')), alert_type, (COALESCE(source, '')))
      WHERE resolved IS NOT TRUE;

    -- Where each (robot, metric, source) stands, so every replica and a restarted one continue from it.
    CREATE TABLE alert_states (
      robot_id VARCHAR(50) NOT NULL,
      metric VARCHAR(50) NOT NULL,
      source VARCHAR(100) NOT NULL,
      state VARCHAR(10) NOT NULL CHECK (state IN ('normal', 'pending', 'firing')),
      severity VARCHAR(20) CHECK (severity IN ('warning', 'critical')),
      since TIMESTAMP WITH TIME ZONE,
      value DOUBLE PRECISION,
      event_at TIMESTAMP WITH TIME ZONE NOT NULL,
      alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
      updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (robot_id, metric, source)
    );
    CREATE INDEX idx_alert_states_alert ON alert_states(alert_id) WHERE alert_id IS NOT NULL;

    CREATE TABLE alert_snoozes (
      id SERIAL PRIMARY KEY,
      robot_id VARCHAR(50) NOT NULL,
      alert_type VARCHAR(50),
      until TIMESTAMP WITH TIME ZONE NOT NULL,
      reason TEXT,
      created_by VARCHAR(50),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX idx_alert_snoozes_robot_until ON alert_snoozes(robot_id, until);

    CREATE TABLE alert_webhooks (
      id SERIAL PRIMARY KEY,
      name VARCHAR(100) NOT NULL UNIQUE,
      url TEXT NOT NULL,
      -- Kept as given: it signs each delivery, so it cannot be hashed. Never returned by the API.
      secret TEXT,
      min_severity VARCHAR(20) NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'critical')),
      events TEXT[] NOT NULL DEFAULT ARRAY['opened', 'escalated', 'acknowledged', 'resolved'],
      enabled BOOLEAN NOT NULL DEFAULT TRUE,
      created_by VARCHAR(50),
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE
    );

    CREATE TABLE alert_notifications (
      id BIGSERIAL PRIMARY KEY,
      webhook_id INTEGER NOT NULL REFERENCES alert_webhooks(id) ON DELETE CASCADE,
      alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
      event VARCHAR(20) NOT NULL,
      payload JSONB NOT NULL,
      status VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      locked_until TIMESTAMP WITH TIME ZONE,
      last_status INTEGER,
      last_error TEXT,
      created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      delivered_at TIMESTAMP WITH TIME ZONE
    );
    -- Each ingest replica says how far it has got: alerting judges robots' silence only up to there, so a stalled
    -- pipeline is not taken for a silent fleet.
    CREATE TABLE service_heartbeats (
      service VARCHAR(30) NOT NULL,
      instance VARCHAR(200) NOT NULL,
      beat_at TIMESTAMP WITH TIME ZONE NOT NULL,
      -- Every message received before this has been written (robots' last_seen included).
      watermark TIMESTAMP WITH TIME ZONE NOT NULL,
      details JSONB,
      PRIMARY KEY (service, instance)
    );

    CREATE INDEX idx_alert_notifications_due ON alert_notifications(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX idx_alert_notifications_webhook ON alert_notifications(webhook_id, created_at DESC);
    CREATE INDEX idx_alert_notifications_alert ON alert_notifications(alert_id, webhook_id) WHERE status = 'pending';
  `.execute(db);
  for (const t of THRESHOLD_TIMING) {
    await sql`
      UPDATE alert_thresholds SET pending_s = ${t.pending_s}, clear_margin = ${t.clear_margin}
      WHERE robot_id IS NULL AND metric_type = ${t.metric_type}
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS service_heartbeats;
    DROP TABLE IF EXISTS alert_notifications;
    DROP TABLE IF EXISTS alert_webhooks;
    DROP TABLE IF EXISTS alert_snoozes;
    DROP TABLE IF EXISTS alert_states;
    DROP INDEX IF EXISTS uq_alerts_open;
    UPDATE alerts SET resolved = FALSE, resolved_at = NULL WHERE resolution = 'superseded';
    ALTER TABLE alerts
      DROP COLUMN IF EXISTS updated_at,
      DROP COLUMN IF EXISTS resolution_note,
      DROP COLUMN IF EXISTS resolution,
      DROP COLUMN IF EXISTS resolved_by;
    DELETE FROM alert_thresholds
      WHERE robot_id IS NULL AND metric_type = 'disk' AND warning_threshold = 80 AND critical_threshold = 90;
    ALTER TABLE alert_thresholds
      DROP COLUMN IF EXISTS auto_resolve,
      DROP COLUMN IF EXISTS clear_margin,
      DROP COLUMN IF EXISTS pending_s;
  `.execute(db);
}
