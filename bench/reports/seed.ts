import { sql, type Kysely } from 'kysely';
import type { DB } from '@fleet/database';

const HOUR_MS = 3_600_000;

/** The series every robot has, as ingest names them: base value, daily swing, spread within an hour. */
const SERIES = [
  ['robot_status', '', 'system_cpu_percent', 35, 15, 12],
  ['robot_status', '', 'system_memory_percent', 48, 6, 3],
  ['robot_status', '', 'system_disk_usage', 55, 1, 0.5],
  ['robot_status', '', 'system_temperature', 52, 6, 4],
  ['battery_status', '', 'percentage', 60, 0, 2],
  ['battery_status', '', 'voltage', 12, 0.5, 0.2],
  ['battery_status', '', 'charging', 0.2, 0.2, 0.5],
  ...[1, 2, 3, 4, 5, 6].flatMap((id) => [
    ['servo_data', `servo_id=${id},servo_name=joint_${id}`, 'temperature', 42 + id, 6, 3],
    ['servo_data', `servo_id=${id},servo_name=joint_${id}`, 'voltage', 7.4, 0.2, 0.1],
  ]),
] as const;

/** How many series-fields each robot has (the rows per robot and bucket). */
export const FIELDS_PER_ROBOT = SERIES.length;

const seriesValues = () =>
  sql.join(
    SERIES.map(
      ([m, s, f, base, swing, spread]) => sql`(${m}, ${s}, ${f}, ${base}::float8, ${swing}::float8, ${spread}::float8)`,
    ),
  );

/**
 * The value of a robot's series in a bucket, deterministic so runs compare: a daily swing phase-shifted per robot;
 * every seventh robot busy (CPU about 78%, past its 70% warning); every tenth robot's servo 3 hot (about 63 °C, past
 * its 60 °C warning); batteries charging from 22:00 to midnight and draining 3 %/h the rest of the day, every fifth
 * robot draining 4 %/h in the second half of the period.
 */
const HOUR_OF_DAY = sql`extract(hour FROM b.bucket AT TIME ZONE 'UTC')`;
const meanOf = (periodMid: number) => sql`(CASE
    WHEN s.field = 'system_cpu_percent' AND r.n % 7 = 0 THEN 78 + 8 * sin(extract(epoch FROM b.bucket) / 86400.0 * 2 * pi() + r.n)
    WHEN s.field = 'temperature' AND s.series LIKE 'servo_id=3,%' AND r.n % 10 = 0
      THEN 63 + 2 * sin(extract(epoch FROM b.bucket) / 86400.0 * 2 * pi())
    WHEN s.field = 'charging' THEN CASE WHEN ${HOUR_OF_DAY} >= 22 THEN 1 ELSE 0 END
    WHEN s.field = 'percentage' THEN CASE WHEN ${HOUR_OF_DAY} >= 22 THEN 50 + 20 * (${HOUR_OF_DAY} - 21)
      ELSE 100 - ${HOUR_OF_DAY} * CASE WHEN r.n % 5 = 0 AND b.bucket >= ${new Date(periodMid)}::timestamptz
        THEN 4 ELSE 3 END END
    ELSE s.base + s.swing * sin(extract(epoch FROM b.bucket) / 86400.0 * 2 * pi() + r.n) END)`;

/**
 * Seeds the rollup tiers as ingest and the reports service would have left them for `robots` robots: the hourly
 * tier over `days` days up to `to`, and 1-minute rollups over the last `minuteHours` hours. Returns the rows written.
 */
export async function seedRollups(
  db: Kysely<DB>,
  robots: readonly string[],
  to: number,
  days: number,
  minuteHours: number,
): Promise<{ hourly: number; minutes: number }> {
  const from = to - days * 24 * HOUR_MS;
  const ids = sql`unnest(${[...robots]}::text[]) WITH ORDINALITY AS r(id, n)`;
  const MEAN = meanOf((from + to) / 2);
  const hourly = await sql`
    INSERT INTO telemetry_rollups_hourly
      (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time, minutes, min_mean, max_mean)
    SELECT r.id, s.measurement, s.series, s.field, b.bucket, 360, v.mean * 360, v.mean - s.spread, v.mean + s.spread,
      v.mean, b.bucket + interval '3599 seconds', 60, v.mean - s.spread / 2, v.mean + s.spread / 2
    FROM ${ids}
    CROSS JOIN (VALUES ${seriesValues()}) AS s(measurement, series, field, base, swing, spread)
    CROSS JOIN generate_series(${new Date(from)}::timestamptz, ${new Date(to - HOUR_MS)}::timestamptz, interval '1 hour')
      AS b(bucket)
    CROSS JOIN LATERAL (SELECT ${MEAN} AS mean) AS v`.execute(db);
  const minutes = await sql`
    INSERT INTO telemetry_rollups (robot_id, measurement, series, field, bucket, count, sum, min, max, last, last_time)
    SELECT r.id, s.measurement, s.series, s.field, b.bucket, 6, v.mean * 6, v.mean - s.spread / 2,
      v.mean + s.spread / 2, v.mean, b.bucket + interval '59 seconds'
    FROM ${ids}
    CROSS JOIN (VALUES ${seriesValues()}) AS s(measurement, series, field, base, swing, spread)
    CROSS JOIN generate_series(${new Date(to - minuteHours * HOUR_MS)}::timestamptz, ${new Date(to - 60_000)}::timestamptz,
      interval '1 minute') AS b(bucket)
    CROSS JOIN LATERAL (SELECT ${MEAN} AS mean) AS v`.execute(db);
  await db
    .insertInto('telemetry_rollup_progress')
    .values({ tier: 'hour', rolled_from: new Date(to - days * 86_400_000), rolled_until: new Date(to) })
    .onConflict((oc) => oc.column('tier').doUpdateSet({ rolled_until: new Date(to) }))
    .execute();
  return { hourly: Number(hourly.numAffectedRows ?? 0), minutes: Number(minutes.numAffectedRows ?? 0) };
}

/**
 * Seeds what the other services would have written over the same days: robots, jobs (twenty a day per robot, one
 * in twenty failed), alerts (five a day per robot, most acknowledged and resolved), connection history (a short
 * outage a day per robot), commands, missions with waypoints and dead letters.
 */
export async function seedEntities(db: Kysely<DB>, robots: readonly string[], to: number, days: number): Promise<void> {
  const from = new Date(to - days * 24 * HOUR_MS);
  const ids = sql`unnest(${[...robots]}::text[]) WITH ORDINALITY AS r(id, n)`;
  await sql`
    INSERT INTO robots (robot_id, name, status, updated_at, created_at)
    SELECT r.id, r.id, 'online', now(), ${from}::timestamptz - interval '1 day' FROM ${ids}`.execute(db);
  await sql`
    INSERT INTO jobs (robot_id, task_name, start_time, end_time, status, items_total, items_done, percent_complete,
      duration_s, end_reason)
    SELECT r.id, (ARRAY['inventory_scan', 'pick', 'patrol'])[1 + (k % 3)], t, t + (600 + (k * 37) % 900) * interval '1 second',
      CASE WHEN k % 20 = 0 THEN 'failed' WHEN k % 50 = 1 THEN 'cancelled' ELSE 'completed' END, 10,
      CASE WHEN k % 20 = 0 THEN 4 ELSE 10 END, CASE WHEN k % 20 = 0 THEN 40 ELSE 100 END, 600 + (k * 37) % 900,
      CASE WHEN k % 20 = 0 THEN 'gripper jammed' END
    FROM ${ids}
    CROSS JOIN LATERAL generate_series(0, ${days * 20 - 1}) AS k
    CROSS JOIN LATERAL (SELECT ${from}::timestamptz + (k * 72 + r.n % 60) * interval '1 minute' AS t) AS s`.execute(db);
  await sql`
    INSERT INTO alerts (robot_id, alert_type, severity, title, message, source, value, threshold, acknowledged,
      acknowledged_by, acknowledged_at, resolved, resolved_at, created_at)
    SELECT r.id, (ARRAY['servo', 'battery', 'performance', 'temperature', 'network'])[1 + (k % 5)],
      CASE WHEN k % 7 = 0 THEN 'critical' ELSE 'warning' END, 'seeded', 'seeded', 'servo_' || (1 + k % 6), 1, 1,
      k % 9 <> 0, CASE WHEN k % 9 <> 0 THEN 'operator' END, t + (60 + k % 600) * interval '1 second',
      k % 11 <> 0, CASE WHEN k % 11 <> 0 THEN t + (300 + k % 3000) * interval '1 second' END, t
    FROM ${ids}
    CROSS JOIN LATERAL generate_series(0, ${days * 5 - 1}) AS k
    CROSS JOIN LATERAL (SELECT ${from}::timestamptz + (k * 288 + r.n) * interval '1 minute' AS t) AS s`.execute(db);
  await sql`
    INSERT INTO robot_connection_logs (robot_id, event, timestamp, details)
    SELECT r.id, e.event, t + e.offset_s * interval '1 second',
      CASE WHEN e.event = 'timeout' THEN jsonb_build_object('last_seen', t - interval '1 minute', 'silent_s', 60) END
    FROM ${ids}
    CROSS JOIN LATERAL generate_series(0, ${days - 1}) AS d
    CROSS JOIN LATERAL (SELECT ${from}::timestamptz + d * interval '1 day' + (r.n % 600) * interval '1 minute' AS t) AS s
    CROSS JOIN (VALUES ('timeout', 0), ('connected', 240)) AS e(event, offset_s)`.execute(db);
  await sql`
    INSERT INTO robot_connection_logs (robot_id, event, timestamp)
    SELECT r.id, 'connected', ${from}::timestamptz - interval '1 hour' FROM ${ids}`.execute(db);
  await sql`
    INSERT INTO commands (type, parameters, status, created_at, target_count, success_count, created_by)
    SELECT (ARRAY['move', 'stop', 'status_request', 'emergency_stop'])[1 + (k % 4)], '{}',
      (ARRAY['completed', 'completed', 'completed', 'timed_out', 'failed'])[1 + (k % 5)],
      ${from}::timestamptz + (k * 13) * interval '1 minute', 1, 1, 'operator'
    FROM generate_series(0, ${Math.max(1, Math.round((days * 24 * 60) / 13)) - 1}) AS k`.execute(db);
  await sql`
    INSERT INTO dead_letters (message_key, received_at, topic, robot_id, reason, detail, payload, payload_bytes)
    SELECT 'bench-' || k, ${from}::timestamptz + k * interval '7 minutes', 'tonypi/sensors/x', NULL,
      (ARRAY['invalid_json', 'schema', 'unknown_robot'])[1 + (k % 3)], 'seeded', '{}', 2
    FROM generate_series(0, ${Math.max(1, days * 100) - 1}) AS k`.execute(db);
  await sql`
    WITH m AS (
      INSERT INTO missions (id, name, mission_type, status, assigned_robot_id, started_at, completed_at,
        estimated_duration_s, actual_duration_s, failure_reason, created_at, created_by)
      SELECT md5('mission ' || r.id || ' ' || d)::uuid, initcap(kind) || ' run ' || (d + 1), kind,
        CASE WHEN failed THEN 'failed' ELSE 'completed' END, r.id, t, t + (1200 + (d * 61 + r.n * 17) % 900) * interval '1 second',
        1200, 1200 + (d * 61 + r.n * 17) % 900, CASE WHEN failed THEN 'path blocked at waypoint 3' END, t, 'operator'
      FROM ${ids}
      CROSS JOIN LATERAL generate_series(0, ${days - 1}) AS d
      CROSS JOIN LATERAL (SELECT ${from}::timestamptz + d * interval '1 day' + (180 + r.n * 7) * interval '1 minute' AS t,
        (ARRAY['delivery', 'patrol', 'pickup'])[1 + ((d + r.n) % 3)] AS kind, (d * 7 + r.n * 3) % 23 = 0 AS failed) AS s
      RETURNING id, status
    )
    INSERT INTO mission_waypoints (mission_id, sequence_order, name, coordinates, status)
    SELECT m.id, w, 'waypoint ' || w, '{"x": 1, "y": 2}',
      CASE WHEN m.status = 'completed' OR w < 2 THEN 'completed' ELSE 'pending' END
    FROM m CROSS JOIN generate_series(0, 3) AS w`.execute(db);
}
