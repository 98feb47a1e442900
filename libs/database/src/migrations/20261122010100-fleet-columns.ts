import { sql, type Kysely } from 'kysely';

/**
 * What Fleet adds to the TonyPi tables: device families, per-robot silence timeouts, threshold direction and
 * one threshold row per robot and metric. Only additions, so a TonyPi database keeps working with its own code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE users ALTER COLUMN id SET DEFAULT gen_random_uuid()::text;
    ALTER TABLE users ADD COLUMN IF NOT EXISTS last_login_at TIMESTAMP WITH TIME ZONE;

    ALTER TABLE robots ADD COLUMN IF NOT EXISTS device_type VARCHAR(30) NOT NULL DEFAULT 'tonypi';
    ALTER TABLE robots ADD COLUMN IF NOT EXISTS offline_timeout_s INTEGER
      CONSTRAINT robots_offline_timeout_s_positive CHECK (offline_timeout_s > 0);
    CREATE INDEX IF NOT EXISTS idx_robots_last_seen ON robots(last_seen);

    ALTER TABLE alert_thresholds ADD COLUMN IF NOT EXISTS direction VARCHAR(5) NOT NULL DEFAULT 'above'
      CONSTRAINT alert_thresholds_direction_check CHECK (direction IN ('above', 'below'));
    -- TonyPi keeps low-is-bad for battery in code; Fleet stores it so new metrics need no code.
    UPDATE alert_thresholds SET direction = 'below' WHERE metric_type IN ('battery', 'servo_voltage');
    -- An adopted database may hold two rows for one robot and metric; say which instead of failing on the index.
    DO $$
    DECLARE duplicates text;
    BEGIN
      SELECT string_agg(COALESCE(robot_id, '(global)') || '/' || metric_type, ', ') INTO duplicates
      FROM (SELECT robot_id, metric_type FROM alert_thresholds GROUP BY robot_id, metric_type HAVING count(*) > 1) d;
      IF duplicates IS NOT NULL THEN
        RAISE EXCEPTION 'alert_thresholds has more than one row for robot/metric %: keep one of each, then migrate again',
          duplicates;
      END IF;
    END $$;
    -- One row per robot and metric (NULL robot = the global default). COALESCE keeps this valid on Postgres 13/14,
    -- which lack NULLS NOT DISTINCT.
    CREATE UNIQUE INDEX IF NOT EXISTS uq_alert_thresholds_robot_metric
      ON alert_thresholds ((COALESCE(robot_id, '')), metric_type);

    CREATE INDEX IF NOT EXISTS idx_system_logs_robot_time ON system_logs(robot_id, timestamp DESC);
    CREATE INDEX IF NOT EXISTS idx_alerts_robot_open ON alerts(robot_id, alert_type, source) WHERE NOT resolved;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS idx_alerts_robot_open;
    DROP INDEX IF EXISTS idx_system_logs_robot_time;
    DROP INDEX IF EXISTS uq_alert_thresholds_robot_metric;
    ALTER TABLE alert_thresholds DROP COLUMN IF EXISTS direction;
    DROP INDEX IF EXISTS idx_robots_last_seen;
    ALTER TABLE robots DROP COLUMN IF EXISTS offline_timeout_s;
    ALTER TABLE robots DROP COLUMN IF EXISTS device_type;
    ALTER TABLE users DROP COLUMN IF EXISTS last_login_at;
    ALTER TABLE users ALTER COLUMN id DROP DEFAULT;
  `.execute(db);
}
