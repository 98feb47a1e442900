import type {
  GeneratedReport,
  GeneratedReportType,
  MetricStats,
  ReportChart,
  ReportFinding,
  ReportOf,
} from '@fleet/contracts';

/**
 * Example report documents as the builders make them, one per generated type: a fleet of 12 robots (one with a
 * Greek letter in its id, which WinAnsi cannot draw, one with an umlaut, which it can), findings of every severity,
 * charts of about 100 points with gaps, and text that looks like a spreadsheet formula. Seeded, so every run
 * gets the same documents.
 */

/** A small seeded generator (mulberry32): the same sequence on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

export const FIXTURE_ROBOTS = [
  'tonypi_01',
  'tonypi_02',
  'tonypi_03',
  'tonypi_04',
  'tonypi_05',
  'tonypi_06',
  'tonypi_07',
  'tonypi_08',
  'esp32-kitchen',
  'rover-δ',
  'drohne-zürich',
  'tonypi_12',
] as const;

/** Robots of the fixtures that sent nothing in the period. */
const SILENT = ['tonypi_12'];

type Threshold = NonNullable<MetricStats['threshold']>;

function metric(rnd: () => number, mean: number, spread: number, threshold: Threshold | null, hours = 24): MetricStats {
  const m = round(mean + (rnd() - 0.5) * spread, 2);
  const p95 = round(m + spread * (0.4 + rnd() * 0.3), 2);
  const max = round(p95 + spread * rnd() * 0.4, 2);
  const min = round(Math.max(0, m - spread * (0.4 + rnd() * 0.4)), 2);
  const minutes = Math.round(hours * 60 * (0.85 + rnd() * 0.15));
  const past = (limit: number) => {
    if (!threshold) return null;
    const beyond = threshold.direction === 'above' ? max - limit : limit - min;
    return beyond > 0 ? Math.round(minutes * 60 * Math.min(0.15, beyond / (spread * 6))) : 0;
  };
  return {
    mean: m,
    p95,
    min,
    max,
    samples: minutes * 6,
    minutes,
    past_warning_s: past(threshold?.warning ?? 0),
    past_critical_s: past(threshold?.critical ?? 0),
    threshold,
  };
}

function chart(
  from: number,
  bucketS: number,
  count: number,
  unit: string,
  series: string[],
  value: (i: number, s: number) => number | null,
): ReportChart {
  return {
    bucket_s: bucketS,
    unit,
    series,
    points: Array.from({ length: count }, (_, i) => ({
      time: iso(from + i * bucketS * 1000),
      values: series.map((_, s) => {
        const v = value(i, s);
        return v === null ? null : round(v);
      }),
    })),
  };
}

function finding(
  severity: ReportFinding['severity'],
  rule: string,
  robotId: string | null,
  subject: string | null,
  text: string,
  evidence: ReportFinding['evidence'],
): ReportFinding {
  return { rule, severity, robot_id: robotId, subject, text, evidence };
}

interface Base {
  title: string;
  from: string;
  to: string;
  timezone: string;
  timeRange: string | null;
  robots: readonly string[];
  silent: readonly string[];
  scope: 'fleet' | 'robots';
  resolution: '1m' | '1h';
  findings: ReportFinding[];
  telemetry: boolean;
}

function common(b: Base): Omit<GeneratedReport, 'type' | 'sections'> {
  const to = Date.parse(b.to);
  return {
    schema_version: 1,
    title: b.title,
    generated_at: iso(to + 5 * 60_000 + 12_000),
    period: { from: b.from, to: b.to, time_range: b.timeRange, timezone: b.timezone },
    coverage: {
      scope: b.scope,
      robots: [...b.robots],
      with_data: b.robots.filter((r) => !b.silent.includes(r)),
      without_data: [...b.silent],
      telemetry_until: b.telemetry ? iso(to - 60_000) : null,
      resolution: b.resolution,
    },
    findings: b.findings,
    summary: null,
  };
}

const CPU: Threshold = { warning: 70, critical: 90, direction: 'above' };
const MEMORY: Threshold = { warning: 75, critical: 90, direction: 'above' };
const DISK: Threshold = { warning: 80, critical: 90, direction: 'above' };
const TEMPERATURE: Threshold = { warning: 70, critical: 80, direction: 'above' };

/** A performance report over `robots`; the 12-robot fixture and the large one are both made here. */
export function performanceReport(robots: readonly string[] = FIXTURE_ROBOTS, days = 1): ReportOf<'performance'> {
  const rnd = random(robots.length * 7 + days);
  const silent = robots.filter((r) => SILENT.includes(r));
  const from = Date.UTC(2026, 11, 7 - days, 23) - 24 * HOUR;
  const to = from + days * 24 * HOUR;
  const rows = robots.map((robot_id, i) => {
    if (silent.includes(robot_id)) {
      return { robot_id, metrics: { cpu: null, memory: null, disk: null, temperature: null } };
    }
    const load = i % 5 === 1 ? 55 : 25 + (i % 7) * 5;
    return {
      robot_id,
      metrics: {
        cpu: metric(rnd, load, 30, CPU, days * 24),
        memory: metric(rnd, 48 + (i % 4) * 6, 18, MEMORY, days * 24),
        disk: robot_id.startsWith('esp32') ? null : metric(rnd, 55 + (i % 3) * 12, 4, DISK, days * 24),
        temperature: metric(rnd, 52 + (i % 6) * 3, 14, TEMPERATURE, days * 24),
      },
    };
  });
  const busiest = rows
    .flatMap((r) => (r.metrics.cpu ? [{ r, cpu: r.metrics.cpu }] : []))
    .sort((a, b) => b.cpu.mean - a.cpu.mean)
    .slice(0, 10)
    .map(({ r, cpu }) => ({
      robot_id: r.robot_id,
      cpu_mean: cpu.mean,
      cpu_p95: cpu.p95,
      memory_mean: r.metrics.memory?.mean ?? null,
    }));
  const bucketS = days === 1 ? 900 : 3600;
  const count = (days * 24 * 3600) / bucketS;
  const timeline = chart(
    from,
    bucketS,
    count,
    '% / °C',
    ['CPU, fleet mean (%)', 'CPU, highest robot (%)', 'memory, fleet mean (%)', 'temperature, fleet mean (°C)'],
    (i, s) => {
      // The broker was unreachable for an hour in the middle of the period: a gap in every series.
      if (i >= count * 0.6 && i < count * 0.6 + 3600 / bucketS) return null;
      const day = Math.sin((i / count) * days * 2 * Math.PI - 1.5);
      const base = [32 + 12 * day, 61 + 25 * day, 51 + 4 * day, 55 + 5 * day][s] ?? 0;
      return Math.max(0, base + (rnd() - 0.5) * 6);
    },
  );
  const [top] = busiest;
  const findings: ReportFinding[] = [];
  if (top) {
    findings.push(
      finding(
        'warning',
        'cpu_busiest',
        top.robot_id,
        'cpu',
        `${top.robot_id} ran at ${top.cpu_mean} % CPU on average, the busiest of the fleet, 2.1x the fleet median`,
        { cpu_mean_percent: top.cpu_mean, cpu_p95_percent: top.cpu_p95, fleet_median_percent: 31.4 },
      ),
    );
  }
  for (const r of rows.slice(0, Math.max(2, Math.floor(robots.length / 2)))) {
    const t = r.metrics.temperature;
    if (t?.past_critical_s) {
      findings.push(
        finding(
          'critical',
          'temperature_critical',
          r.robot_id,
          'temperature',
          `${r.robot_id} ran above 80 °C for ${Math.round(t.past_critical_s / 60)} min`,
          { past_critical_s: t.past_critical_s, max_c: t.max, critical_c: 80 },
        ),
      );
    }
  }
  const hottest = rows
    .flatMap((r) => (r.metrics.temperature ? [{ id: r.robot_id, t: r.metrics.temperature }] : []))
    .sort((a, b) => b.t.max - a.t.max)[0];
  if (hottest && !findings.some((f) => f.severity === 'critical')) {
    findings.push(
      finding(
        'critical',
        'temperature_peak',
        hottest.id,
        'temperature',
        `${hottest.id} peaked at ${hottest.t.max} °C, the hottest of the fleet`,
        { max_c: hottest.t.max, critical_c: 80 },
      ),
    );
  }
  findings.push(
    ...silent.map((robot) =>
      finding('info', 'no_data', robot, null, `${robot} sent no performance data in this period`, {
        last_seen: '2026-12-01T08:12:00.000Z',
      }),
    ),
  );
  findings.sort(
    (a, b) => ['critical', 'warning', 'info'].indexOf(a.severity) - ['critical', 'warning', 'info'].indexOf(b.severity),
  );
  const doc: ReportOf<'performance'> = {
    ...common({
      title: days === 1 ? 'Daily performance – 6 Dec 2026' : `Fleet performance, ${robots.length} robots`,
      from: iso(from),
      to: iso(to),
      timezone: 'Europe/Berlin',
      timeRange: days === 1 ? '24h' : null,
      robots,
      silent,
      scope: days === 1 ? 'fleet' : 'robots',
      resolution: days <= 2 ? '1m' : '1h',
      findings,
      telemetry: true,
    }),
    type: 'performance',
    sections: { robots: rows, busiest, timeline },
  };
  doc.summary = {
    text:
      'The fleet ran normally. tonypi_02 and tonypi_07 were the busiest robots and ran hot in the afternoon; ' +
      'tonypi_12 sent nothing all day and should be checked.\nMemory and disk stayed well below their thresholds.',
    model: 'gpt-4o-mini',
    generated_at: doc.generated_at,
  };
  return doc;
}

/** The large performance fixture: `robots` robots over 7 days, hourly. */
export function largePerformanceReport(robotCount = 100): ReportOf<'performance'> {
  const robots = Array.from({ length: robotCount }, (_, i) => `robot_${String(i + 1).padStart(3, '0')}`);
  robots[robotCount - 1] = 'tonypi_12';
  return performanceReport(robots, 7);
}

export function jobReport(): ReportOf<'job'> {
  const rnd = random(11);
  // 100 days in New York, from local midnight; the clocks change on 8 March.
  const from = Date.UTC(2026, 0, 1, 5);
  const to = Date.UTC(2026, 3, 11, 4);
  const tasks = ['pick_and_place', 'inventory_scan', 'patrol', 'deliver_parcel', '(none)', '=HYPERLINK("x")'];
  const robots = FIXTURE_ROBOTS.filter((r) => !SILENT.includes(r));
  const byRobot: ReportOf<'job'>['sections']['by_robot'] = robots.map((robot_id, i) => {
    const completed = 40 + Math.round(rnd() * 80);
    const failed = i === 3 ? 19 : Math.round(rnd() * 8);
    const cancelled = Math.round(rnd() * 4);
    const started = completed + failed + cancelled + (i % 3);
    return {
      robot_id,
      started,
      completed,
      failed,
      cancelled,
      items_processed: completed * 12 + Math.round(rnd() * 30),
      success_rate_percent: round((completed / (completed + failed + cancelled)) * 100, 2),
      duration_median_s: Math.round(300 + rnd() * 1800),
    };
  });
  byRobot.push({
    robot_id: 'tonypi_12',
    started: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    items_processed: 0,
    success_rate_percent: null,
    duration_median_s: null,
  });
  const sum = (k: 'started' | 'completed' | 'failed' | 'cancelled' | 'items_processed') =>
    byRobot.reduce((n, r) => n + r[k], 0);
  const byTask = tasks.map((task, i) => {
    const completed = 60 + i * 23;
    const failed = i === 1 ? 31 : 3 + i;
    return {
      task,
      started: completed + failed + 2,
      completed,
      failed,
      cancelled: 2,
      success_rate_percent: round((completed / (completed + failed + 2)) * 100, 2),
      duration_median_s: 240 + i * 300,
    };
  });
  const longest = Array.from({ length: 10 }, (_, i) => ({
    job_id: 9000 + i * 37,
    robot_id: robots[i % robots.length] ?? 'tonypi_01',
    task: i === 4 ? null : (tasks[i % 4] ?? null),
    status: i === 2 ? 'failed' : 'completed',
    start_time: iso(from + (i * 9 + 3) * 24 * HOUR + 14 * HOUR),
    duration_s: 3 * 3600 - i * 610,
    items_done: 140 - i * 9,
  }));
  const reasons = [
    'gripper did not close: object slipped at waypoint 4',
    'battery below 10 %, returned to charger',
    null,
    'path blocked by an obstacle for longer than 120 s; the operator cancelled the retry and the robot gave up',
    '-1 items confirmed by the scanner',
  ];
  const failures = Array.from({ length: 20 }, (_, i) => ({
    job_id: 12000 - i * 41,
    robot_id: i % 3 === 0 ? 'tonypi_04' : (robots[i % robots.length] ?? 'tonypi_01'),
    task: tasks[i % 4] ?? null,
    start_time: iso(to - (i * 4 + 1) * 24 * HOUR - 5 * HOUR),
    reason: reasons[i % reasons.length] ?? null,
  }));
  const timeline = chart(
    from,
    86400,
    100,
    'jobs',
    ['completed', 'failed', 'cancelled', 'other (active, superseded)'],
    (i, s) => {
      const weekend = (i + 4) % 7 >= 5;
      const scale = weekend ? 0.2 : 1;
      return Math.round([9 * scale + rnd() * 4, rnd() * 2, rnd() < 0.3 ? 1 : 0, rnd() < 0.2 ? 1 : 0][s] ?? 0);
    },
  );
  const completed = sum('completed');
  const failed = sum('failed');
  const cancelled = sum('cancelled');
  return {
    ...common({
      title: 'Jobs, first quarter 2026',
      from: iso(from),
      to: iso(to),
      timezone: 'America/New_York',
      timeRange: null,
      robots: FIXTURE_ROBOTS,
      silent: SILENT,
      scope: 'fleet',
      resolution: '1h',
      telemetry: false,
      findings: [
        finding(
          'critical',
          'robot_job_failures',
          'tonypi_04',
          null,
          'tonypi_04 failed 19 jobs, 3.2x the fleet median',
          {
            failed: 19,
            fleet_median_failed: 6,
          },
        ),
        finding('warning', 'task_failures', null, 'inventory_scan', 'inventory_scan failed 31 of 116 times (26.7 %)', {
          task: 'inventory_scan',
          failed: 31,
          started: 116,
        }),
        finding('info', 'long_job', 'tonypi_01', null, 'The longest job took 3 h on tonypi_01 (pick_and_place)', {
          job_id: 9000,
          duration_s: 10800,
        }),
      ],
    }),
    type: 'job',
    sections: {
      totals: {
        started: sum('started'),
        completed,
        failed,
        cancelled,
        superseded: 7,
        active: 2,
        items_processed: sum('items_processed'),
        success_rate_percent: round((completed / (completed + failed + cancelled)) * 100, 2),
        duration_median_s: 912,
        duration_p95_s: 5_340,
      },
      by_robot: byRobot,
      by_task: byTask,
      longest,
      failures,
      timeline,
    },
  };
}

const SERVO_NAMES = [
  'Hüfte links',
  'Hüfte rechts',
  'left knee',
  'right knee',
  'left ankle ✓',
  null,
  'head pan',
  'head tilt',
];

export function maintenanceReport(): ReportOf<'maintenance'> {
  const rnd = random(23);
  // Four days in Kolkata (UTC+5:30), from local midnight.
  const from = Date.UTC(2026, 11, 3, 18, 30);
  const to = from + 96 * HOUR;
  const tonypis = FIXTURE_ROBOTS.filter((r) => r.startsWith('tonypi_') && r !== 'tonypi_12');
  const servos: ReportOf<'maintenance'>['sections']['servos'] = tonypis.flatMap((robot_id, r) =>
    SERVO_NAMES.map((name, s) => {
      const hot = (r === 1 && s === 2) || (r === 6 && s === 4);
      const temperature = metric(
        rnd,
        hot ? 63 : 44 + s * 2,
        hot ? 16 : 8,
        { warning: 60, critical: 75, direction: 'above' },
        96,
      );
      const voltage = metric(
        rnd,
        r === 4 && s === 0 ? 5.4 : 6.4,
        0.5,
        { warning: 5.5, critical: 5, direction: 'below' },
        96,
      );
      return {
        robot_id,
        servo: `servo_${s + 1}`,
        name,
        temperature,
        voltage,
        alerts: { warning: hot ? 4 : s === 0 && r === 4 ? 2 : 0, critical: hot ? 1 : 0 },
      };
    }),
  );
  // tonypi_12 is registered with a servo but sent nothing.
  servos.push({
    robot_id: 'tonypi_12',
    servo: 'servo_1',
    name: null,
    temperature: null,
    voltage: null,
    alerts: { warning: 0, critical: 0 },
  });
  const attention = [
    {
      rank: 1,
      robot_id: 'tonypi_02',
      servo: 'servo_3',
      name: 'left knee',
      urgency: 'critical' as const,
      score: 9.4,
      evidence: [
        'spent 2 h 10 min above 60 °C (warning), 4x the fleet median',
        'reached 79.6 °C, past the critical 75 °C, on 5 Dec at 14:20',
        '1 critical and 4 warning alerts',
      ],
    },
    {
      rank: 2,
      robot_id: 'tonypi_07',
      servo: 'servo_5',
      name: 'left ankle ✓',
      urgency: 'warning' as const,
      score: 6.1,
      evidence: ['spent 1 h 5 min above 60 °C (warning)', '4 warning alerts'],
    },
    {
      rank: 3,
      robot_id: 'tonypi_05',
      servo: 'servo_1',
      name: 'Hüfte links',
      urgency: 'warning' as const,
      score: 3.2,
      evidence: ['voltage averaged 5.4 V, below the 5.5 V warning, for 40 min in all'],
    },
  ];
  const series = ['hottest servo (°C)', 'servo mean (°C)', ...attention.map((a) => `${a.servo} on ${a.robot_id} (°C)`)];
  const timeline = chart(from, 3600, 96, '°C', series, (i, s) => {
    const day = Math.sin(((i % 24) / 24) * 2 * Math.PI - 2);
    if (s === 3 && i > 60 && i < 70) return null;
    return ([66 + 9 * day, 46 + 3 * day, 62 + 14 * day, 55 + 8 * day, 45 + 2 * day][s] ?? 0) + rnd();
  });
  return {
    ...common({
      title: 'Servo check ✓ week 49',
      from: iso(from),
      to: iso(to),
      timezone: 'Asia/Kolkata',
      timeRange: null,
      robots: FIXTURE_ROBOTS,
      silent: ['esp32-kitchen', 'rover-δ', 'drohne-zürich', 'tonypi_12'],
      scope: 'fleet',
      resolution: '1h',
      telemetry: true,
      findings: [
        finding(
          'critical',
          'servo_critical',
          'tonypi_02',
          'servo_3',
          'servo_3 on tonypi_02 reached 79.6 °C, past the critical 75 °C',
          { max_c: 79.6, critical_c: 75 },
        ),
        finding(
          'warning',
          'servo_hot',
          'tonypi_02',
          'servo_3',
          'servo_3 on tonypi_02 spent 2 h 10 min above 60 °C (warning), 4x the fleet median',
          { minutes_above_warning: 130, warning_c: 60, fleet_median_minutes: 32.5 },
        ),
        finding('warning', 'servo_voltage_low', 'tonypi_05', 'servo_1', 'servo_1 on tonypi_05 ran below 5.5 V', {
          min_v: 5.02,
          warning_v: 5.5,
        }),
        finding('info', 'no_servo_data', 'rover-δ', null, 'rover-δ reports no servos', { servos: 0 }),
      ],
    }),
    type: 'maintenance',
    sections: { servos, attention, timeline },
  };
}

export function batteryReport(): ReportOf<'battery'> {
  const rnd = random(31);
  const from = Date.UTC(2026, 11, 5);
  const to = from + 48 * HOUR;
  const robots = FIXTURE_ROBOTS.map((robot_id, i) => {
    if (SILENT.includes(robot_id)) {
      return {
        robot_id,
        level: null,
        voltage: null,
        discharge_per_h: null,
        discharge_first_half_per_h: null,
        discharge_second_half_per_h: null,
        drifting: false,
        charging_sessions: 0,
        charging_s: 0,
        below_20_s: 0,
        below_10_s: 0,
        low_battery_alerts: 0,
      };
    }
    const drifting = i === 2;
    const first = round(4 + rnd() * 3, 2);
    return {
      robot_id,
      level: metric(rnd, 62 - i * 2, 40, { warning: 20, critical: 10, direction: 'below' }, 48),
      voltage: metric(rnd, 7.6, 0.6, null, 48),
      discharge_per_h: round(first * (drifting ? 1.3 : 1.02), 2),
      discharge_first_half_per_h: first,
      discharge_second_half_per_h: round(first * (drifting ? 1.6 : 1.04), 2),
      drifting,
      charging_sessions: 2 + (i % 3),
      charging_s: 3 * 3600 + i * 400,
      below_20_s: i % 4 === 0 ? 2400 + i * 60 : 0,
      below_10_s: i === 4 ? 900 : 0,
      low_battery_alerts: i % 4 === 0 ? 1 : 0,
    };
  });
  const sessions = robots.flatMap((r, i) =>
    Array.from({ length: r.charging_sessions }, (_, k) => {
      const start = from + (k * 16 + i) * HOUR + 20 * 60_000;
      const duration = 3600 + ((i * 7 + k * 13) % 20) * 60;
      return {
        robot_id: r.robot_id,
        start: iso(start),
        end: iso(start + duration * 1000),
        duration_s: duration,
        from_percent: 14 + ((i + k) % 9),
        to_percent: 100 - ((i * k) % 6),
      };
    }),
  );
  const timeline = chart(from, 1800, 96, '%', ['fleet mean (%)', 'lowest robot (%)'], (i, s) => {
    const cycle = 100 - ((i * 3.1) % 75);
    return s === 0 ? cycle - 8 + rnd() * 3 : Math.max(4, cycle - 38 + rnd() * 6);
  });
  return {
    ...common({
      title: 'Battery, last 48 hours',
      from: iso(from),
      to: iso(to),
      timezone: 'UTC',
      timeRange: '48h',
      robots: FIXTURE_ROBOTS,
      silent: SILENT,
      scope: 'fleet',
      resolution: '1m',
      telemetry: true,
      findings: [
        finding('critical', 'battery_below_10', 'tonypi_05', 'battery', 'tonypi_05 was below 10 % for 15 min', {
          below_10_s: 900,
        }),
        finding(
          'warning',
          'discharge_drift',
          'tonypi_03',
          'battery',
          'tonypi_03 discharged 60 % faster in the second half of the period: the battery may be wearing',
          { first_half_per_h: 5.1, second_half_per_h: 8.2, drifting: true },
        ),
        finding('info', 'battery_below_20', 'tonypi_01', 'battery', 'tonypi_01 was below 20 % for 40 min', {
          below_20_s: 2400,
        }),
      ],
    }),
    type: 'battery',
    sections: { robots, sessions, timeline },
  };
}

export function systemReport(): ReportOf<'system'> {
  const rnd = random(41);
  const from = Date.UTC(2026, 11, 3);
  const to = from + 96 * HOUR;
  const period = 96 * 3600;
  const availability = FIXTURE_ROBOTS.map((robot_id, i) => {
    const unknown = robot_id === 'drohne-zürich' ? 20 * 3600 : 0;
    const offline = SILENT.includes(robot_id) ? period - unknown : i === 9 ? 7 * 3600 : Math.round(rnd() * 3000);
    const online = period - offline - unknown;
    return {
      robot_id,
      online_s: online,
      offline_s: offline,
      unknown_s: unknown,
      availability_percent: round((online / (online + offline)) * 100, 3),
      incidents: SILENT.includes(robot_id) ? 1 : 1 + (i % 3),
    };
  });
  const incidents = availability.flatMap((a, i) =>
    Array.from({ length: a.incidents }, (_, k) => {
      const start = from + (i * 7 + k * 31) * HOUR;
      const still = SILENT.includes(a.robot_id);
      const duration = still ? (to - start) / 1000 : Math.round(a.offline_s / a.incidents);
      return {
        robot_id: a.robot_id,
        start: iso(start),
        end: still ? null : iso(start + duration * 1000),
        duration_s: duration,
        cause: k % 2 === 0 ? ('timeout' as const) : ('disconnected' as const),
      };
    }),
  );
  const byType = [
    { alert_type: 'network', severity: 'critical', count: 17, open: 1 },
    { alert_type: 'battery', severity: 'warning', count: 9, open: 0 },
    { alert_type: 'battery', severity: 'critical', count: 2, open: 0 },
    { alert_type: 'temperature', severity: 'warning', count: 12, open: 1 },
    { alert_type: 'temperature', severity: 'critical', count: 3, open: 0 },
    { alert_type: 'performance', severity: 'warning', count: 6, open: 0 },
    { alert_type: 'servo', severity: 'warning', count: 4, open: 0 },
    { alert_type: 'emergency_stop', severity: 'critical', count: 1, open: 0 },
    { alert_type: 'sensor', severity: 'info', count: 5, open: 2 },
  ];
  const timeline = chart(from, 3600, 96, 'robots', ['robots online'], (i) =>
    i === 50 ? null : 10 - (i % 24 < 6 ? 1 : 0) - (rnd() < 0.1 ? 1 : 0),
  );
  return {
    ...common({
      title: 'System health, 3–7 Dec',
      from: iso(from),
      to: iso(to),
      timezone: 'Europe/London',
      timeRange: null,
      robots: FIXTURE_ROBOTS,
      silent: SILENT,
      scope: 'fleet',
      resolution: '1h',
      telemetry: false,
      findings: [
        finding('critical', 'availability', 'tonypi_12', null, 'tonypi_12 was offline for the whole period', {
          availability_percent: 0,
        }),
        finding('warning', 'availability', 'rover-δ', null, 'rover-δ was available 92.7 % of the time', {
          availability_percent: 92.7,
          offline_s: 25200,
        }),
        finding('warning', 'slow_acknowledgement', null, null, 'Half the alerts waited more than 12 min for someone', {
          acknowledge_median_s: 744,
        }),
        finding('info', 'emergency_stops', 'tonypi_03', null, 'One emergency stop, on tonypi_03', { count: 1 }),
        finding('info', 'dead_letters', null, null, '41 messages were refused, most for an invalid payload', {
          total: 41,
          top_reason: 'invalid_payload',
        }),
      ],
    }),
    type: 'system',
    sections: {
      availability,
      incidents,
      alerts: {
        total: byType.reduce((n, a) => n + a.count, 0),
        by_type: byType,
        acknowledge_median_s: 744,
        acknowledge_p95_s: 5_260,
        resolve_median_s: 1_810,
        resolve_p95_s: 14_400,
      },
      commands: {
        total: 212,
        by_status: [
          { status: 'completed', count: 188 },
          { status: 'failed', count: 9 },
          { status: 'timeout', count: 12 },
          { status: 'pending', count: 3 },
        ],
        by_type: [
          { type: 'move', count: 96, completed: 90 },
          { type: 'stand', count: 40, completed: 40 },
          { type: 'head_move', count: 51, completed: 45 },
          { type: 'emergency_stop', count: 1, completed: 1 },
          { type: 'resume', count: 1, completed: 1 },
          { type: 'configure', count: 23, completed: 11 },
        ],
        emergency_stops: 1,
      },
      dead_letters: {
        total: 41,
        by_reason: [
          { reason: 'invalid_payload', count: 27 },
          { reason: 'unknown_robot', count: 9 },
          { reason: 'clock: robot clock 9 min ahead, time of receipt used', count: 5 },
        ],
      },
      timeline,
    },
  };
}

export function missionReport(): ReportOf<'mission'> {
  // November in Sydney (UTC+11), from local midnight.
  const from = Date.UTC(2026, 9, 31, 13);
  const to = Date.UTC(2026, 10, 30, 13);
  const types = ['delivery', 'patrol', 'inspection', 'mapping'];
  const statuses = ['completed', 'completed', 'completed', 'failed', 'cancelled', 'in_progress', 'pending'];
  const robots = FIXTURE_ROBOTS.filter((r) => !SILENT.includes(r));
  const missions = Array.from({ length: 36 }, (_, i) => {
    const status = statuses[i % statuses.length] ?? 'completed';
    const started = status === 'pending' ? null : iso(from + (i * 19 + 8) * HOUR);
    const waypoints = 4 + (i % 9);
    return {
      mission_id: `m-${(1000 + i * 17).toString(16)}`,
      name:
        i === 5
          ? 'Night patrol of the north warehouse, aisles 1 to 14, with a stop at the charger'
          : `${types[i % 4]} #${i + 1}`,
      mission_type: types[i % 4] ?? 'delivery',
      robot_id: status === 'pending' ? null : (robots[i % robots.length] ?? null),
      status,
      started_at: started,
      duration_s: status === 'completed' || status === 'failed' ? 1200 + i * 95 : null,
      estimated_duration_s: i % 6 === 0 ? null : 1500 + i * 60,
      waypoints,
      waypoints_reached: status === 'completed' ? waypoints : Math.floor(waypoints / 2),
      failure_reason:
        status === 'failed' ? (i % 2 ? 'waypoint 3 unreachable: door closed' : '+ lost localisation') : null,
    };
  });
  const count = (s: string) => missions.filter((m) => m.status === s).length;
  const byStatus = [...new Set(missions.map((m) => m.status))].map((status) => ({ status, count: count(status) }));
  return {
    ...common({
      title: 'Missions, November',
      from: iso(from),
      to: iso(to),
      timezone: 'Australia/Sydney',
      timeRange: null,
      robots: FIXTURE_ROBOTS,
      silent: SILENT,
      scope: 'robots',
      resolution: '1h',
      telemetry: false,
      findings: [
        finding('warning', 'mission_failed', 'tonypi_04', null, '5 missions failed, 3 of them on tonypi_04', {
          failed: 5,
          on_robot: 3,
        }),
        finding('info', 'mission_overran', 'tonypi_02', null, 'inspection #3 took 40 % longer than estimated', {
          duration_s: 1390,
          estimated_duration_s: 1620,
        }),
      ],
    }),
    type: 'mission',
    sections: {
      totals: {
        missions: missions.length,
        by_status: byStatus,
        waypoints: missions.reduce((n, m) => n + m.waypoints, 0),
        waypoints_reached: missions.reduce((n, m) => n + m.waypoints_reached, 0),
        duration_median_s: 2_350,
        duration_p95_s: 4_210,
      },
      missions,
      by_type: types.map((mission_type) => ({
        mission_type,
        count: missions.filter((m) => m.mission_type === mission_type).length,
        completed: missions.filter((m) => m.mission_type === mission_type && m.status === 'completed').length,
        failed: missions.filter((m) => m.mission_type === mission_type && m.status === 'failed').length,
      })),
    },
  };
}

/** One fixture per generated type. */
export const REPORT_FIXTURES: { [T in GeneratedReportType]: () => ReportOf<T> } = {
  performance: () => performanceReport(),
  job: jobReport,
  maintenance: maintenanceReport,
  battery: batteryReport,
  system: systemReport,
  mission: missionReport,
};
