import type { ColumnType, Generated } from 'kysely';

/** `timestamptz`: read as a Date, written as a Date or an ISO string, defaulted by the database where Generated. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `jsonb`: read parsed, written as JSON text (node-postgres would turn a JS array into a Postgres array). */
type Json<T = unknown> = ColumnType<T, string, string>;
type NullableJson<T = unknown> = ColumnType<T | null, string | null | undefined, string | null>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
/** `bigserial`/`bigint`: node-postgres returns them as strings to keep every digit. */
type BigIntId = ColumnType<string, never, never>;
/** A uuid (or TonyPi's uuid-as-text) primary key the database generates unless one is given. */
type GeneratedUuid = ColumnType<string, string | undefined, never>;

// ---- Tables from the TonyPi schema (names and types kept so an existing TonyPi database can be adopted) ----

export interface UsersTable {
  id: GeneratedUuid;
  username: string;
  email: string;
  password_hash: string;
  role: Defaulted<string>;
  is_active: Defaulted<boolean>;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
  last_login_at: NullableTimestamp;
}

export interface RobotsTable {
  id: Generated<number>;
  robot_id: string;
  name: string | null;
  description: string | null;
  location: NullableJson<{ x: number; y: number; z?: number; heading?: number }>;
  status: Defaulted<string>;
  ip_address: string | null;
  camera_url: string | null;
  battery_threshold_low: Defaulted<number>;
  battery_threshold_critical: Defaulted<number>;
  temp_threshold_warning: Defaulted<number>;
  temp_threshold_critical: Defaulted<number>;
  settings: NullableJson<Record<string, unknown>>;
  last_seen: NullableTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
  is_active: Defaulted<boolean>;
  device_type: Defaulted<string>;
  offline_timeout_s: Defaulted<number | null>;
}

export interface JobsTable {
  id: Generated<number>;
  robot_id: string;
  start_time: Timestamp;
  end_time: NullableTimestamp;
  items_total: number | null;
  items_done: Defaulted<number>;
  percent_complete: Defaulted<number>;
  last_item: NullableJson;
  /** A {@link JobStatus}; text, as an adopted TonyPi database may hold other words in old rows. */
  status: Defaulted<string>;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
  task_name: string | null;
  phase: string | null;
  estimated_duration_s: number | null;
  /** Seconds from start to end, as the robot reported it (`elapsed_time`) or else measured. */
  duration_s: number | null;
  /** Why it was cancelled or failed, as the robot said. */
  end_reason: string | null;
  /** Robot time of the last message applied: an older one is late and changes nothing. */
  last_message_at: NullableTimestamp;
  /** Key of the last message applied: the same message delivered again changes nothing. */
  last_message_key: string | null;
}

/** TonyPi's `active`, `completed`, `failed`, plus `cancelled` and `superseded` (another job started meanwhile). */
export type JobStatus = 'active' | 'completed' | 'failed' | 'cancelled' | 'superseded';

export interface AlertsTable {
  id: Generated<number>;
  robot_id: string | null;
  alert_type: string;
  severity: string;
  title: string;
  message: string;
  source: string | null;
  value: number | null;
  threshold: number | null;
  acknowledged: Defaulted<boolean>;
  acknowledged_by: string | null;
  acknowledged_at: NullableTimestamp;
  resolved: Defaulted<boolean>;
  resolved_at: NullableTimestamp;
  details: NullableJson<Record<string, unknown>>;
  created_at: GeneratedTimestamp;
  /** Who resolved it: a user name, or null when Fleet resolved it itself (`resolution: 'auto'`). */
  resolved_by: string | null;
  resolution: 'auto' | 'manual' | 'superseded' | null;
  /** Why it was resolved, in words. */
  resolution_note: string | null;
  updated_at: NullableTimestamp;
}

export interface AlertThresholdsTable {
  id: Generated<number>;
  robot_id: string | null;
  metric_type: string;
  warning_threshold: number;
  critical_threshold: number;
  enabled: Defaulted<boolean>;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
  direction: Defaulted<'above' | 'below'>;
  /** Seconds the condition must hold before an alert fires. */
  pending_s: Defaulted<number>;
  /** Hysteresis: how far back past the warning threshold a value must come for the alert to resolve. */
  clear_margin: Defaulted<number>;
  auto_resolve: Defaulted<boolean>;
}

export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

/** A file made for a report, under the reports directory. */
export interface ReportFile {
  /** Relative to the reports directory. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ReportsTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  /** The robot, for a report on one robot (TonyPi's column). */
  robot_id: string | null;
  report_type: string;
  data: NullableJson;
  file_path: string | null;
  created_at: GeneratedTimestamp;
  created_by: string | null;
  status: Defaulted<ReportStatus>;
  /** The robots covered; null: the whole fleet. */
  robot_ids: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  period_from: NullableTimestamp;
  period_to: NullableTimestamp;
  time_range: string | null;
  timezone: string | null;
  formats: ColumnType<string[], string[] | undefined, string[]>;
  options: NullableJson<Record<string, unknown>>;
  schema_version: number | null;
  files: NullableJson<Record<string, ReportFile>>;
  error: string | null;
  attempts: Defaulted<number>;
  max_attempts: Defaulted<number>;
  next_attempt_at: NullableTimestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  schedule_id: string | null;
  due_at: NullableTimestamp;
  updated_at: NullableTimestamp;
}

export interface ReportSchedulesTable {
  id: GeneratedUuid;
  name: string;
  report_type: string;
  robot_ids: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  period: 'day' | 'week' | 'month';
  cron: string;
  timezone: Defaulted<string>;
  formats: ColumnType<string[], string[] | undefined, string[]>;
  enabled: Defaulted<boolean>;
  missed: Defaulted<'run_once' | 'skip'>;
  webhook_url: string | null;
  webhook_secret: string | null;
  next_due_at: NullableTimestamp;
  last_due_at: NullableTimestamp;
  last_report_id: number | null;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
}

export interface SystemLogsTable {
  id: Generated<number>;
  level: string;
  category: string;
  message: string;
  robot_id: string | null;
  details: NullableJson<Record<string, unknown>>;
  timestamp: GeneratedTimestamp;
  /** Set on rows made from a robot's message, so reading the message again adds nothing. */
  message_key: string | null;
}

// ---- Tables Fleet adds for what the other systems it replaces need ----

export type CommandStatus = 'created' | 'sent' | 'completed' | 'partial' | 'failed' | 'timed_out' | 'cancelled';
export type CommandResultStatus = 'waiting' | 'pending' | 'ack_success' | 'ack_error' | 'timed_out' | 'cancelled';

export interface CommandsTable {
  id: GeneratedUuid;
  type: string;
  parameters: ColumnType<Record<string, unknown>, string | undefined, string>;
  broadcast: Defaulted<boolean>;
  status: Defaulted<CommandStatus>;
  created_at: GeneratedTimestamp;
  sent_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  target_count: Defaulted<number>;
  success_count: Defaulted<number>;
  failure_count: Defaulted<number>;
  timeout_s: Defaulted<number>;
  retries: Defaulted<number>;
  attempts: Defaulted<number>;
  response: NullableJson;
  created_by: string | null;
  mission_id: string | null;
}

export interface CommandResultsTable {
  command_id: string;
  robot_id: string;
  status: Defaulted<CommandResultStatus>;
  message: string | null;
  data: NullableJson;
  attempts: Defaulted<number>;
  sent_at: NullableTimestamp;
  responded_at: NullableTimestamp;
  deadline_at: NullableTimestamp;
}

export type ConnectionEvent = 'connected' | 'disconnected' | 'timeout';

export interface RobotConnectionLogsTable {
  id: BigIntId;
  robot_id: string;
  event: ConnectionEvent;
  timestamp: GeneratedTimestamp;
  details: NullableJson<Record<string, unknown>>;
  message_key: string | null;
}

/** A message ingest rejected, with why. */
export interface DeadLettersTable {
  id: BigIntId;
  message_key: string;
  received_at: Timestamp;
  topic: string;
  robot_id: string | null;
  reason: string;
  detail: string;
  payload: string;
  payload_bytes: number;
  created_at: GeneratedTimestamp;
}

export type MissionType = 'pickup' | 'delivery' | 'patrol' | 'maintenance' | 'emergency' | 'custom';
export type MissionStatus = 'pending' | 'assigned' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface MissionsTable {
  id: GeneratedUuid;
  name: string;
  mission_type: MissionType;
  status: Defaulted<MissionStatus>;
  priority: Defaulted<number>;
  assigned_robot_id: string | null;
  scheduled_start: NullableTimestamp;
  assigned_at: NullableTimestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  estimated_duration_s: number | null;
  actual_duration_s: number | null;
  failure_reason: string | null;
  payload: NullableJson<Record<string, unknown>>;
  special_instructions: string | null;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
}

export type WaypointStatus = 'pending' | 'in_progress' | 'completed' | 'modified' | 'skipped';

export interface MissionWaypointsTable {
  id: GeneratedUuid;
  mission_id: string;
  sequence_order: number;
  name: string | null;
  coordinates: Json<Record<string, number>>;
  action: string | null;
  status: Defaulted<WaypointStatus>;
  estimated_arrival: NullableTimestamp;
  actual_arrival: NullableTimestamp;
  original_coordinates: NullableJson<Record<string, number>>;
  modification_reason: string | null;
  modified_by: string | null;
  modified_at: NullableTimestamp;
  created_at: GeneratedTimestamp;
}

export interface RobotCredentialsTable {
  id: GeneratedUuid;
  robot_id: string;
  username: string;
  secret_hash: string;
  created_at: GeneratedTimestamp;
  created_by: string | null;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface RefreshTokensTable {
  id: GeneratedUuid;
  user_id: string;
  token_hash: string;
  family_id: string;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  replaced_by: string | null;
  user_agent: string | null;
  ip_address: string | null;
}

export interface AuditEntriesTable {
  id: BigIntId;
  occurred_at: GeneratedTimestamp;
  actor: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: NullableJson;
  after: NullableJson;
  ip_address: string | null;
  request_id: string | null;
}

export interface TelemetryRollupsTable {
  robot_id: string;
  measurement: string;
  series: Defaulted<string>;
  field: string;
  bucket: Timestamp;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  last_time: Timestamp;
}

/** The hourly rollup tier (see the migration): aggregates of the points, and of the hour's minute means. */
export interface TelemetryRollupsHourlyTable extends TelemetryRollupsTable {
  minutes: number;
  min_mean: number;
  max_mean: number;
}

export type RollupTier = 'minute' | 'hour';

export interface TelemetryRollupProgressTable {
  tier: RollupTier;
  /** The tier covers `rolled_from` to `rolled_until`. */
  rolled_from: Timestamp;
  rolled_until: Timestamp;
  updated_at: GeneratedTimestamp;
}

export interface TelemetryRollupMarksTable {
  tier: RollupTier;
  robot_id: string;
  measurement: string;
  bucket: Timestamp;
  seq: ColumnType<string, never, never>;
  marked_at: GeneratedTimestamp;
}

/** Raw points of the Postgres telemetry store, partitioned by day (see the migration). */
export interface TelemetryPointsTable {
  robot_id: string;
  measurement: string;
  series: Defaulted<string>;
  time: Timestamp;
  fields: Json<Record<string, number | string | boolean>>;
}

// ---- Alerting ----

export type AlertStateName = 'normal' | 'pending' | 'firing';

/** Where one (robot, metric, source) stands in evaluation; shared by every alerting replica. */
export interface AlertStatesTable {
  robot_id: string;
  metric: string;
  source: string;
  state: AlertStateName;
  severity: 'warning' | 'critical' | null;
  /** When the condition began (pending or firing). */
  since: NullableTimestamp;
  value: number | null;
  /** Time of the newest sample evaluated; older or repeated samples are ignored. */
  event_at: Timestamp;
  alert_id: number | null;
  updated_at: GeneratedTimestamp;
}

export interface AlertSnoozesTable {
  id: Generated<number>;
  robot_id: string;
  /** Null: every alert type of the robot. */
  alert_type: string | null;
  until: Timestamp;
  reason: string | null;
  created_by: string | null;
  created_at: GeneratedTimestamp;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertEventType = 'opened' | 'escalated' | 'acknowledged' | 'resolved' | 'deleted';

export interface AlertWebhooksTable {
  id: Generated<number>;
  name: string;
  url: string;
  secret: string | null;
  min_severity: Defaulted<AlertSeverity>;
  events: Defaulted<AlertEventType[]>;
  enabled: Defaulted<boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: NullableTimestamp;
}

/** The webhook delivery queue: one row per webhook and alert change, written with the change itself. */
export interface AlertNotificationsTable {
  id: BigIntId;
  webhook_id: number;
  alert_id: number | null;
  event: AlertEventType;
  payload: Json<Record<string, unknown>>;
  status: Defaulted<'pending' | 'delivered' | 'failed'>;
  attempts: Defaulted<number>;
  next_attempt_at: GeneratedTimestamp;
  locked_until: NullableTimestamp;
  last_status: number | null;
  last_error: string | null;
  created_at: GeneratedTimestamp;
  delivered_at: NullableTimestamp;
}

/** How far each replica of a service has got (ingest: every message received before `watermark` is written). */
export interface ServiceHeartbeatsTable {
  service: string;
  instance: string;
  beat_at: Timestamp;
  watermark: Timestamp;
  details: NullableJson<Record<string, unknown>>;
}

/** Every table Fleet keeps in PostgreSQL. */
export interface DB {
  users: UsersTable;
  robots: RobotsTable;
  jobs: JobsTable;
  alerts: AlertsTable;
  alert_thresholds: AlertThresholdsTable;
  reports: ReportsTable;
  system_logs: SystemLogsTable;
  commands: CommandsTable;
  command_results: CommandResultsTable;
  robot_connection_logs: RobotConnectionLogsTable;
  missions: MissionsTable;
  mission_waypoints: MissionWaypointsTable;
  robot_credentials: RobotCredentialsTable;
  refresh_tokens: RefreshTokensTable;
  audit_entries: AuditEntriesTable;
  telemetry_rollups: TelemetryRollupsTable;
  telemetry_rollups_hourly: TelemetryRollupsHourlyTable;
  telemetry_rollup_progress: TelemetryRollupProgressTable;
  telemetry_rollup_marks: TelemetryRollupMarksTable;
  report_schedules: ReportSchedulesTable;
  dead_letters: DeadLettersTable;
  telemetry_points: TelemetryPointsTable;
  alert_states: AlertStatesTable;
  alert_snoozes: AlertSnoozesTable;
  alert_webhooks: AlertWebhooksTable;
  alert_notifications: AlertNotificationsTable;
  service_heartbeats: ServiceHeartbeatsTable;
}
