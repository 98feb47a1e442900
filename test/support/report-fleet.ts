import type { Kysely } from 'kysely';
import { toPoints } from '@apps/ingest/src/telemetry-mapper';
import type { DB } from '@fleet/database';
import type { TelemetryPoint, TelemetryStore } from '@fleet/telemetry';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * A fleet with known values over three hours from `t0`, written as ingest, alerting and jobs write them (points
 * through the telemetry store from TonyPi payloads, connection history, jobs):
 * - three robots report status (CPU 30%, memory 40%, 50 °C), two servos (45 °C, 7.4 V) and battery every minute;
 * - tonypi_02's servo 3 runs at 65 °C for 130 minutes from `t0` + 30 min (past the 60 °C warning);
 * - tonypi_03 goes silent for 10 minutes after its message at `t0` + 59 min 15 s (no message in minutes 60 to 68;
 *   alerting noticed after 60 s, and heard it again at 69 min 15 s);
 * - tonypi_01 has a failed job (`gripper jammed`) and a completed one; tonypi_02 a completed one.
 */
export const REPORT_FLEET = ['tonypi_01', 'tonypi_02', 'tonypi_03'] as const;

export const HOT = { robot: 'tonypi_02', servo: 3, from: 30, minutes: 130, celsius: 65 } as const;
/** Minutes without any message (`from` to `from + missing - 1`); the silence between messages is 10 minutes. */
export const SILENT = { robot: 'tonypi_03', from: 60, missing: 9, seconds: 600 } as const;

function payloads(robotId: string, at: Date, minute: number) {
  const hot = robotId === HOT.robot && minute >= HOT.from && minute < HOT.from + HOT.minutes;
  const servo = (id: number) => ({
    id,
    name: `joint_${id}`,
    position: 500,
    temperature: id === HOT.servo && hot ? HOT.celsius : 45,
    voltage: 7.4,
    torque_enabled: true,
    alert_level: 'normal',
  });
  return [
    {
      kind: 'status',
      data: {
        robot_id: robotId,
        status: 'online',
        system_info: { cpu_percent: 30, memory_percent: 40, disk_usage: 55, temperature: 50 },
      },
    },
    { kind: 'servos', data: { robot_id: robotId, servos: { servo_1: servo(1), servo_3: servo(3) }, servo_count: 2 } },
    { kind: 'battery', data: { robot_id: robotId, percentage: 80 - minute / 10, voltage: 12.1, charging: false } },
  ].map((p) => ({ ...p, robotId, time: at }));
}

/** Writes the fleet's three hours from `t0` (a whole hour). */
export async function seedReportFleet(db: Kysely<DB>, store: TelemetryStore, t0: number): Promise<void> {
  for (const robotId of REPORT_FLEET) {
    await db
      .insertInto('robots')
      .values({ robot_id: robotId, name: robotId, status: 'online', updated_at: new Date(t0) })
      .onConflict((oc) => oc.column('robot_id').doNothing())
      .execute();
  }
  const points: TelemetryPoint[] = [];
  for (let minute = 0; minute < 180; minute++) {
    for (const robotId of REPORT_FLEET) {
      if (robotId === SILENT.robot && minute >= SILENT.from && minute < SILENT.from + SILENT.missing) continue;
      for (const message of payloads(robotId, new Date(t0 + minute * MINUTE + 15_000), minute))
        points.push(...toPoints(message));
    }
  }
  for (let i = 0; i < points.length; i += 2_000) await store.write(points.slice(i, i + 2_000));

  const at = (minutes: number) => new Date(t0 + minutes * MINUTE);
  await db
    .insertInto('robot_connection_logs')
    .values([
      ...REPORT_FLEET.map((robot_id) => ({ robot_id, event: 'connected' as const, timestamp: at(-10) })),
      {
        robot_id: SILENT.robot,
        event: 'timeout' as const,
        timestamp: at(SILENT.from + 0.25),
        details: JSON.stringify({ source: 'alerting', last_seen: at(SILENT.from - 0.75).toISOString(), silent_s: 60 }),
      },
      {
        robot_id: SILENT.robot,
        event: 'connected' as const,
        timestamp: at(SILENT.from - 0.75 + SILENT.seconds / 60),
      },
    ])
    .execute();
  const job = (robot: string, start: number, end: number, status: string, reason: string | null) => ({
    robot_id: robot,
    task_name: 'inventory_scan',
    start_time: at(start),
    end_time: at(end),
    status,
    items_total: 10,
    items_done: status === 'completed' ? 10 : 4,
    percent_complete: status === 'completed' ? 100 : 40,
    duration_s: (end - start) * 60,
    end_reason: reason,
  });
  await db
    .insertInto('jobs')
    .values([
      job('tonypi_01', 10, 25, 'failed', 'gripper jammed'),
      job('tonypi_01', 40, 60, 'completed', null),
      job('tonypi_02', 20, 50, 'completed', null),
    ])
    .execute();
}
