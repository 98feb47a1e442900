import { sql, type Kysely } from 'kysely';

/**
 * The TonyPi monitoring system's tables, with its column names, types and indexes. Everything is
 * `IF NOT EXISTS`, so running Fleet's migrations on an existing TonyPi database adopts it without touching its data,
 * and reverting leaves the adopted tables in place.
 */
const TABLES = ['users', 'robots', 'jobs', 'alerts', 'alert_thresholds', 'reports', 'system_logs'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Which of these tables were there before (an adopted TonyPi database): reverting must leave those alone.
  await sql`
    CREATE TABLE fleet_adopted_tables (
      table_name VARCHAR(63) PRIMARY KEY,
      adopted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
  `.execute(db);
  await sql`
    INSERT INTO fleet_adopted_tables (table_name)
    SELECT t FROM unnest(${TABLES}::text[]) AS t WHERE to_regclass(t) IS NOT NULL
  `.execute(db);
  await sql`
    CREATE TABLE IF NOT EXISTS users (
      id VARCHAR(36) PRIMARY KEY,
      username VARCHAR(50) UNIQUE NOT NULL,
      email VARCHAR(100) UNIQUE NOT NULL,
      password_hash VARCHAR(255) NOT NULL,
      role VARCHAR(20) DEFAULT 'viewer',
      is_active BOOLEAN DEFAULT TRUE,
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE
    );
    CREATE INDEX IF NOT EXISTS idx_users_username ON users(username);
    CREATE INDEX IF NOT EXISTS idx_users_email ON users(email);
    CREATE INDEX IF NOT EXISTS idx_users_role ON users(role);

    CREATE TABLE IF NOT EXISTS robots (
      id SERIAL PRIMARY KEY,
      robot_id VARCHAR(50) UNIQUE NOT NULL,
      name VARCHAR(100),
      description TEXT,
      location JSONB,
      status VARCHAR(20) DEFAULT 'offline',
      ip_address VARCHAR(45),
      camera_url VARCHAR(255),
      battery_threshold_low FLOAT DEFAULT 20.0,
      battery_threshold_critical FLOAT DEFAULT 10.0,
      temp_threshold_warning FLOAT DEFAULT 70.0,
      temp_threshold_critical FLOAT DEFAULT 80.0,
      settings JSONB,
      last_seen TIMESTAMP WITH TIME ZONE,
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE,
      is_active BOOLEAN DEFAULT TRUE
    );
    CREATE INDEX IF NOT EXISTS idx_robots_robot_id ON robots(robot_id);
    CREATE INDEX IF NOT EXISTS idx_robots_status ON robots(status);
    CREATE INDEX IF NOT EXISTS idx_robots_is_active ON robots(is_active);

    CREATE TABLE IF NOT EXISTS jobs (
      id SERIAL PRIMARY KEY,
      robot_id VARCHAR(50) NOT NULL,
      start_time TIMESTAMP WITH TIME ZONE NOT NULL,
      end_time TIMESTAMP WITH TIME ZONE,
      items_total INTEGER,
      items_done INTEGER DEFAULT 0,
      percent_complete FLOAT DEFAULT 0.0,
      last_item JSONB,
      status VARCHAR(20) DEFAULT 'active',
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE
    );
    CREATE INDEX IF NOT EXISTS idx_jobs_robot_id ON jobs(robot_id);
    CREATE INDEX IF NOT EXISTS idx_jobs_status ON jobs(status);
    CREATE INDEX IF NOT EXISTS idx_jobs_start_time ON jobs(start_time);
    CREATE INDEX IF NOT EXISTS idx_jobs_created_at ON jobs(created_at);

    CREATE TABLE IF NOT EXISTS alerts (
      id SERIAL PRIMARY KEY,
      robot_id VARCHAR(50),
      alert_type VARCHAR(50) NOT NULL,
      severity VARCHAR(20) NOT NULL,
      title VARCHAR(200) NOT NULL,
      message TEXT NOT NULL,
      source VARCHAR(100),
      value FLOAT,
      threshold FLOAT,
      acknowledged BOOLEAN DEFAULT FALSE,
      acknowledged_by VARCHAR(50),
      acknowledged_at TIMESTAMP WITH TIME ZONE,
      resolved BOOLEAN DEFAULT FALSE,
      resolved_at TIMESTAMP WITH TIME ZONE,
      details JSONB,
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX IF NOT EXISTS idx_alerts_robot_id ON alerts(robot_id);
    CREATE INDEX IF NOT EXISTS idx_alerts_alert_type ON alerts(alert_type);
    CREATE INDEX IF NOT EXISTS idx_alerts_severity ON alerts(severity);
    CREATE INDEX IF NOT EXISTS idx_alerts_acknowledged ON alerts(acknowledged);
    CREATE INDEX IF NOT EXISTS idx_alerts_resolved ON alerts(resolved);
    CREATE INDEX IF NOT EXISTS idx_alerts_created_at ON alerts(created_at);

    CREATE TABLE IF NOT EXISTS alert_thresholds (
      id SERIAL PRIMARY KEY,
      robot_id VARCHAR(50),
      metric_type VARCHAR(50) NOT NULL,
      warning_threshold FLOAT NOT NULL,
      critical_threshold FLOAT NOT NULL,
      enabled BOOLEAN DEFAULT TRUE,
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP WITH TIME ZONE
    );
    CREATE INDEX IF NOT EXISTS idx_alert_thresholds_robot_id ON alert_thresholds(robot_id);
    CREATE INDEX IF NOT EXISTS idx_alert_thresholds_metric_type ON alert_thresholds(metric_type);

    CREATE TABLE IF NOT EXISTS reports (
      id SERIAL PRIMARY KEY,
      title VARCHAR(200) NOT NULL,
      description TEXT,
      robot_id VARCHAR(50),
      report_type VARCHAR(50) NOT NULL,
      data JSONB,
      file_path VARCHAR(500),
      created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
      created_by VARCHAR(100)
    );
    CREATE INDEX IF NOT EXISTS idx_reports_robot_id ON reports(robot_id);
    CREATE INDEX IF NOT EXISTS idx_reports_report_type ON reports(report_type);
    CREATE INDEX IF NOT EXISTS idx_reports_created_at ON reports(created_at);
    CREATE INDEX IF NOT EXISTS idx_reports_title ON reports(title);

    CREATE TABLE IF NOT EXISTS system_logs (
      id SERIAL PRIMARY KEY,
      level VARCHAR(20) NOT NULL,
      category VARCHAR(50) NOT NULL,
      message TEXT NOT NULL,
      robot_id VARCHAR(50),
      details JSONB,
      timestamp TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX IF NOT EXISTS idx_system_logs_level ON system_logs(level);
    CREATE INDEX IF NOT EXISTS idx_system_logs_category ON system_logs(category);
    CREATE INDEX IF NOT EXISTS idx_system_logs_robot_id ON system_logs(robot_id);
    CREATE INDEX IF NOT EXISTS idx_system_logs_timestamp ON system_logs(timestamp);
  `.execute(db);
}

/** Drops the tables this migration created; tables it adopted, and their data, stay. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const adopted = await sql<{ table_name: string }>`SELECT table_name FROM fleet_adopted_tables`.execute(db);
  const kept = new Set(adopted.rows.map((r) => r.table_name));
  for (const table of [...TABLES].reverse()) {
    if (!kept.has(table)) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`DROP TABLE fleet_adopted_tables`.execute(db);
}
