import { sql, type Kysely } from 'kysely';

/**
 * Fleet's rollup tiers, kept for either telemetry store:
 * - `telemetry_rollups_hourly`: one row per series, field and hour, rolled from the 1-minute rollups. Besides the
 *   aggregates of the points (`count`, `sum`, `min`, `max`, `last`) it keeps what answers "how long was the value
 *   above (or below) X" without reading the minutes: how many minutes had points, and the lowest and highest of
 *   their minute means. An hour whose every minute mean is above X counts whole; one whose means all stay below counts
 *   nothing; only an hour that straddles X needs its minutes.
 * - `telemetry_rollup_progress`: how far each tier has been rolled (`minute`: 1-minute rollups made from InfluxDB's
 *   raw points; `hour`: the hourly tier).
 * - `telemetry_rollup_marks`: minutes or hours that received points after they were rolled, to be rolled again.
 *   `seq` changes at every mark, so a roll only clears the marks it has read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE telemetry_rollups_hourly (
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
      minutes SMALLINT NOT NULL CHECK (minutes BETWEEN 1 AND 60),
      min_mean DOUBLE PRECISION NOT NULL,
      max_mean DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (robot_id, measurement, field, series, bucket),
      -- Whole UTC hours, whatever the session's time zone (date_trunc would follow it).
      CHECK (extract(epoch FROM bucket)::bigint % 3600 = 0)
    );
    CREATE INDEX idx_telemetry_rollups_hourly_bucket ON telemetry_rollups_hourly(bucket);

    CREATE TABLE telemetry_rollup_progress (
      tier VARCHAR(10) PRIMARY KEY CHECK (tier IN ('minute', 'hour')),
      rolled_until TIMESTAMP WITH TIME ZONE NOT NULL,
      updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
    );

    CREATE SEQUENCE telemetry_rollup_marks_seq;
    CREATE TABLE telemetry_rollup_marks (
      tier VARCHAR(10) NOT NULL CHECK (tier IN ('minute', 'hour')),
      robot_id VARCHAR(50) NOT NULL,
      measurement VARCHAR(64) NOT NULL,
      bucket TIMESTAMP WITH TIME ZONE NOT NULL,
      seq BIGINT NOT NULL DEFAULT nextval('telemetry_rollup_marks_seq'),
      marked_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (tier, robot_id, measurement, bucket)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS telemetry_rollup_marks;
    DROP SEQUENCE IF EXISTS telemetry_rollup_marks_seq;
    DROP TABLE IF EXISTS telemetry_rollup_progress;
    DROP TABLE IF EXISTS telemetry_rollups_hourly;
  `.execute(db);
}
