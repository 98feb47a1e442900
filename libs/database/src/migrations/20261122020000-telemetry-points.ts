import { sql, type Kysely } from 'kysely';

/**
 * Raw telemetry points of the Postgres telemetry store, one row per (robot, measurement, series, time), partitioned
 * by day so retention drops whole partitions instead of deleting rows. The store creates the daily partitions
 * (`telemetry_points_pYYYYMMDD`) ahead of time and on demand; there is deliberately no default partition, because
 * rows in it would block creating the partition they belong to.
 *
 * `series` is the canonical tag set shared with `telemetry_rollups` (`servo_id=3,servo_name=left_knee`, '' when
 * none). `fields` holds every field (numbers, strings, booleans) as one JSONB object: a point is written and read
 * whole, and the field set differs by measurement and robot family.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE telemetry_points (
      robot_id VARCHAR(50) NOT NULL,
      measurement VARCHAR(64) NOT NULL,
      series VARCHAR(200) NOT NULL DEFAULT '',
      time TIMESTAMP WITH TIME ZONE NOT NULL,
      fields JSONB NOT NULL,
      PRIMARY KEY (robot_id, measurement, series, time)
    ) PARTITION BY RANGE (time);
    -- Which robots sent anything in a time range, without walking every series of every robot.
    CREATE INDEX idx_telemetry_points_robot_time ON telemetry_points(robot_id, time);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS telemetry_points`.execute(db);
}
