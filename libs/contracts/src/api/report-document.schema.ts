import { z } from 'zod';

/**
 * The JSON of a generated report, as `reports.data` keeps it and `GET /api/v1/reports/{id}.json` serves it. One
 * schema per report type (the `type` discriminates); the common part says what the report covers. Numbers are in
 * the unit their key names (`_s` seconds, `_percent` percent, `_per_h` per hour); a statistic that has no data is
 * null, never 0.
 */

const instant = z.iso.datetime();

/** The version of the document's shape; a reader meeting a newer one knows it may lack fields. */
export const REPORT_SCHEMA_VERSION = 1;

export const REPORT_TYPES = ['performance', 'job', 'maintenance', 'battery', 'system', 'mission', 'custom'] as const;
export const reportTypeSchema = z.enum(REPORT_TYPES);
export type ReportType = z.infer<typeof reportTypeSchema>;

/** Report types Fleet builds from its data; `custom` is stored as the caller gives it. */
export const GENERATED_REPORT_TYPES = REPORT_TYPES.filter((t): t is Exclude<ReportType, 'custom'> => t !== 'custom');
export type GeneratedReportType = (typeof GENERATED_REPORT_TYPES)[number];

export const FINDING_SEVERITIES = ['critical', 'warning', 'info'] as const;

/**
 * A short sentence computed from the data by a rule, with the numbers it rests on. Findings are ordered most
 * severe first.
 *
 * @example
 * { rule: 'servo_hot', severity: 'warning', robot_id: 'tonypi_02', subject: 'servo_3',
 *   text: 'servo_3 on tonypi_02 spent 2 h 10 min above 60 °C (warning), 4x the fleet median',
 *   evidence: { minutes_above_warning: 130, warning_c: 60, fleet_median_minutes: 32.5 } }
 */
export const reportFindingSchema = z.object({
  rule: z.string().describe('the rule that made it: the same rule gives the same kind of sentence'),
  severity: z.enum(FINDING_SEVERITIES),
  robot_id: z.string().nullable(),
  subject: z.string().nullable().describe('what on the robot it is about (`servo_3`, `battery`), if not the robot'),
  text: z.string(),
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type ReportFinding = z.infer<typeof reportFindingSchema>;

/** A summary written by a language model, when one is configured and asked for. */
export const reportSummarySchema = z.object({
  text: z.string(),
  model: z.string(),
  generated_at: instant,
});

export const reportPeriodSchema = z.object({
  from: instant,
  to: instant,
  /** TonyPi's `time_range` when the report was asked for that way (`24h`), else null. */
  time_range: z.string().nullable(),
  /** The zone the period's days, weeks and months were counted in, and times in the PDF are shown in. */
  timezone: z.string(),
});

export const reportCoverageSchema = z.object({
  scope: z.enum(['fleet', 'robots']),
  /** Every robot the report covers. */
  robots: z.array(z.string()),
  /** Those of them that sent data the report reads in the period; the others are listed in `without_data`. */
  with_data: z.array(z.string()),
  without_data: z.array(z.string()),
  /** Telemetry is read up to here (the rollups of the last seconds may not be made yet); null if none is read. */
  telemetry_until: instant.nullable(),
  /** The unit of the percentiles: `1m` (periods up to 48 h) or `1h`. */
  resolution: z.enum(['1m', '1h']),
});

const base = {
  schema_version: z.literal(REPORT_SCHEMA_VERSION),
  title: z.string(),
  generated_at: instant,
  period: reportPeriodSchema,
  coverage: reportCoverageSchema,
  findings: z.array(reportFindingSchema),
  summary: reportSummarySchema.nullable(),
};

/** Two thresholds of one metric as they applied to a robot when the report was made. */
const thresholdSchema = z.object({ warning: z.number(), critical: z.number(), direction: z.enum(['above', 'below']) });

/** Statistics of one metric over the period. */
export const metricStatsSchema = z.object({
  mean: z.number(),
  p95: z.number().describe('95th percentile of the 1-minute (or, past 48 h, 1-hour) means'),
  min: z.number(),
  max: z.number(),
  samples: z.number().int(),
  minutes: z.number().int().describe('minutes with data'),
  past_warning_s: z.number().nullable().describe('time the 1-minute mean was past the warning threshold'),
  past_critical_s: z.number().nullable(),
  threshold: thresholdSchema.nullable(),
});
export type MetricStats = z.infer<typeof metricStatsSchema>;

/** A point of a chart: a bucket's start and one value per series named in the chart's `series`. */
const chartSchema = z.object({
  bucket_s: z.number().int(),
  unit: z.string(),
  series: z.array(z.string()),
  points: z.array(z.object({ time: instant, values: z.array(z.number().nullable()) })),
});
export type ReportChart = z.infer<typeof chartSchema>;

export const PERFORMANCE_METRICS = ['cpu', 'memory', 'disk', 'temperature'] as const;
export type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number];

const performanceMetricsSchema = z.object({
  cpu: metricStatsSchema.nullable(),
  memory: metricStatsSchema.nullable(),
  disk: metricStatsSchema.nullable(),
  temperature: metricStatsSchema.nullable(),
});

export const performanceReportSchema = z.object({
  ...base,
  type: z.literal('performance'),
  sections: z.object({
    robots: z.array(z.object({ robot_id: z.string(), metrics: performanceMetricsSchema })),
    /** Robots by mean CPU, busiest first (at most 10). */
    busiest: z.array(
      z.object({
        robot_id: z.string(),
        cpu_mean: z.number(),
        cpu_p95: z.number(),
        memory_mean: z.number().nullable(),
      }),
    ),
    /** Fleet mean and highest robot mean of CPU and memory (percent) and temperature (°C), over time. */
    timeline: chartSchema,
  }),
});

export const jobReportSchema = z.object({
  ...base,
  type: z.literal('job'),
  sections: z.object({
    totals: z.object({
      started: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      superseded: z.number().int(),
      active: z.number().int(),
      items_processed: z.number().int(),
      success_rate_percent: z.number().nullable().describe('completed among completed, failed and cancelled'),
      duration_median_s: z.number().nullable(),
      duration_p95_s: z.number().nullable(),
    }),
    by_robot: z.array(
      z.object({
        robot_id: z.string(),
        started: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
        items_processed: z.number().int(),
        success_rate_percent: z.number().nullable(),
        duration_median_s: z.number().nullable(),
      }),
    ),
    by_task: z.array(
      z.object({
        task: z.string().describe('the task name, or `(none)`'),
        started: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
        success_rate_percent: z.number().nullable(),
        duration_median_s: z.number().nullable(),
      }),
    ),
    /** The longest finished jobs (at most 10). */
    longest: z.array(
      z.object({
        job_id: z.number().int(),
        robot_id: z.string(),
        task: z.string().nullable(),
        status: z.string(),
        start_time: instant,
        duration_s: z.number(),
        items_done: z.number().int(),
      }),
    ),
    /** Jobs that failed, newest first (at most 20), with the robot's reason. */
    failures: z.array(
      z.object({
        job_id: z.number().int(),
        robot_id: z.string(),
        task: z.string().nullable(),
        start_time: instant,
        reason: z.string().nullable(),
      }),
    ),
    /** Jobs started per day (or hour, for periods up to 48 h), by outcome. */
    timeline: chartSchema,
  }),
});

const servoStatsSchema = z.object({
  robot_id: z.string(),
  servo: z.string().describe('`servo_<id>`, as alerts name it'),
  name: z.string().nullable(),
  temperature: metricStatsSchema.nullable(),
  voltage: metricStatsSchema.nullable(),
  alerts: z.object({ warning: z.number().int(), critical: z.number().int() }),
});

export const maintenanceReportSchema = z.object({
  ...base,
  type: z.literal('maintenance'),
  sections: z.object({
    servos: z.array(servoStatsSchema),
    /** Servos that need attention, most urgent first, each with why. */
    attention: z.array(
      z.object({
        rank: z.number().int(),
        robot_id: z.string(),
        servo: z.string(),
        name: z.string().nullable(),
        urgency: z.enum(['critical', 'warning']),
        score: z.number(),
        evidence: z.array(z.string()),
      }),
    ),
    /** Hottest servo temperature (°C) per robot, over time. */
    timeline: chartSchema,
  }),
});

export const batteryReportSchema = z.object({
  ...base,
  type: z.literal('battery'),
  sections: z.object({
    robots: z.array(
      z.object({
        robot_id: z.string(),
        level: metricStatsSchema.nullable().describe('battery percentage'),
        voltage: metricStatsSchema.nullable(),
        discharge_per_h: z.number().nullable().describe('percentage points lost per hour off the charger'),
        discharge_first_half_per_h: z.number().nullable(),
        discharge_second_half_per_h: z.number().nullable(),
        drifting: z.boolean().describe('discharging markedly faster in the second half of the period'),
        charging_sessions: z.number().int(),
        charging_s: z.number(),
        below_20_s: z.number().describe('time the 1-minute mean was below 20%'),
        below_10_s: z.number(),
        low_battery_alerts: z.number().int(),
      }),
    ),
    sessions: z.array(
      z.object({
        robot_id: z.string(),
        start: instant,
        end: instant,
        duration_s: z.number(),
        from_percent: z.number(),
        to_percent: z.number(),
      }),
    ),
    /** Fleet mean and lowest robot mean battery level (percent), over time. */
    timeline: chartSchema,
  }),
});

export const systemReportSchema = z.object({
  ...base,
  type: z.literal('system'),
  sections: z.object({
    availability: z.array(
      z.object({
        robot_id: z.string(),
        online_s: z.number(),
        offline_s: z.number(),
        unknown_s: z.number().describe('time before Fleet first heard of the robot'),
        availability_percent: z.number().nullable().describe('online time over the known time'),
        incidents: z.number().int(),
      }),
    ),
    incidents: z.array(
      z.object({
        robot_id: z.string(),
        start: instant,
        end: instant.nullable().describe('null: still offline at the end of the period'),
        duration_s: z.number(),
        cause: z.enum(['timeout', 'disconnected']),
      }),
    ),
    alerts: z.object({
      total: z.number().int(),
      by_type: z.array(
        z.object({
          alert_type: z.string(),
          severity: z.string(),
          count: z.number().int(),
          open: z.number().int(),
        }),
      ),
      acknowledge_median_s: z.number().nullable(),
      acknowledge_p95_s: z.number().nullable(),
      resolve_median_s: z.number().nullable(),
      resolve_p95_s: z.number().nullable(),
    }),
    commands: z.object({
      total: z.number().int(),
      by_status: z.array(z.object({ status: z.string(), count: z.number().int() })),
      by_type: z.array(z.object({ type: z.string(), count: z.number().int(), completed: z.number().int() })),
      emergency_stops: z.number().int(),
    }),
    dead_letters: z.object({
      total: z.number().int(),
      by_reason: z.array(z.object({ reason: z.string(), count: z.number().int() })),
    }),
    /** Robots online per hour (or per day past 7 days), over time. */
    timeline: chartSchema,
  }),
});

export const missionReportSchema = z.object({
  ...base,
  type: z.literal('mission'),
  sections: z.object({
    totals: z.object({
      missions: z.number().int().describe('missions started, or created if never started, in the period'),
      by_status: z.array(z.object({ status: z.string(), count: z.number().int() })),
      waypoints: z.number().int(),
      waypoints_reached: z.number().int(),
      duration_median_s: z.number().nullable(),
      duration_p95_s: z.number().nullable(),
    }),
    missions: z.array(
      z.object({
        mission_id: z.string(),
        name: z.string(),
        mission_type: z.string(),
        robot_id: z.string().nullable(),
        status: z.string(),
        started_at: instant.nullable(),
        duration_s: z.number().nullable(),
        estimated_duration_s: z.number().nullable(),
        waypoints: z.number().int(),
        waypoints_reached: z.number().int(),
        failure_reason: z.string().nullable(),
      }),
    ),
    by_type: z.array(
      z.object({
        mission_type: z.string(),
        count: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
      }),
    ),
  }),
});

/**
 * TonyPi's stored report (`POST /tonypi/api/v1/reports`): whatever `data` the caller gave, kept as given, as TonyPi
 * keeps it (so is the `data` of reports in an adopted TonyPi database).
 */
export const customReportDataSchema = z.record(z.string(), z.unknown());

/** The document of a report Fleet made, by type. */
export const reportDocumentSchema = z.discriminatedUnion('type', [
  performanceReportSchema,
  jobReportSchema,
  maintenanceReportSchema,
  batteryReportSchema,
  systemReportSchema,
  missionReportSchema,
]);
export type ReportDocument = z.infer<typeof reportDocumentSchema>;
export type GeneratedReport = ReportDocument;
export type ReportOf<T extends GeneratedReportType> = Extract<ReportDocument, { type: T }>;
