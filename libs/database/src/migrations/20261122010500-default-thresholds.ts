import { sql, type Kysely } from 'kysely';

/**
 * Global default thresholds (rows with no robot). Alerting reads them from here, so operators change defaults
 * with data, not code. Existing rows (an adopted TonyPi database, or a changed default) are left as they are.
 */
export const DEFAULT_THRESHOLDS = [
  { metric_type: 'cpu', warning: 70, critical: 90, direction: 'above' },
  { metric_type: 'memory', warning: 75, critical: 90, direction: 'above' },
  { metric_type: 'temperature', warning: 70, critical: 80, direction: 'above' },
  { metric_type: 'battery', warning: 20, critical: 10, direction: 'below' },
  { metric_type: 'servo_temp', warning: 60, critical: 75, direction: 'above' },
  { metric_type: 'servo_voltage', warning: 5.5, critical: 5.0, direction: 'below' },
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const t of DEFAULT_THRESHOLDS) {
    await sql`
      INSERT INTO alert_thresholds (robot_id, metric_type, warning_threshold, critical_threshold, direction, enabled)
      VALUES (NULL, ${t.metric_type}, ${t.warning}, ${t.critical}, ${t.direction}, TRUE)
      ON CONFLICT ((COALESCE(robot_id, '')), metric_type) DO NOTHING
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of DEFAULT_THRESHOLDS) {
    await sql`
      DELETE FROM alert_thresholds
      WHERE robot_id IS NULL AND metric_type = ${t.metric_type}
        AND warning_threshold = ${t.warning} AND critical_threshold = ${t.critical}
    `.execute(db);
  }
}
