import { sql, type Kysely } from 'kysely';

/**
 * One-minute aggregates of every numeric telemetry field, kept indefinitely (raw points expire). `series` holds the
 * bounded tag set that tells series of one measurement apart (e.g. `servo_id=3`), empty when there is none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE telemetry_rollups (
      robot_id VARCHAR(50) NOT NULL,
      measurement VARCHAR(64) NOT NULL,
      series VARCHAR(200) NOT NULL DEFAULT '',
      field VARCHAR(64) NOT NULL,
      bucket TIMESTAMP WITH TIME ZONE NOT NULL,
      count INTEGER NOT NULL CHECK (count > 0),
      sum DOUBLE PRECISION NOT NULL,
      min DOUBLE PRECISION NOT NULL,
      max DOUBLE PRECISION NOT NULL,
      last DOUBLE PRECISION NOT NULL,
      last_time TIMESTAMP WITH TIME ZONE NOT NULL,
      PRIMARY KEY (robot_id, measurement, field, series, bucket),
      CHECK (bucket = date_trunc('minute', bucket))
    );
    CREATE INDEX idx_telemetry_rollups_bucket ON telemetry_rollups(bucket);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS telemetry_rollups`.execute(db);
}
