export { connectDatabase, DatabaseUnavailableError, describeTarget, type DatabaseConnection } from './connection';
export { DatabaseModule } from './database.module';
export { DATABASE, DATABASE_CONNECTION } from './database.tokens';
export type { DB } from './db.types';
export { EmbeddedPostgres, EmbeddedPostgresError } from './embedded-postgres';
export { DEFAULT_THRESHOLDS } from './migrations/20261122010500-default-thresholds';
export { migrations } from './migrations';
export { MigrationError, SchemaMigrator, type MigrationState } from './migrator';
export { AlertThresholdRepository, type AlertThreshold } from './repositories/alert-threshold.repository';
export { ConnectionLogRepository, type NewConnectionLog } from './repositories/connection-log.repository';
export {
  DEAD_LETTER_PAYLOAD_BYTES,
  DeadLetterRepository,
  type DeadLetter,
  type DeadLetterQuery,
  type NewDeadLetter,
} from './repositories/dead-letter.repository';
export {
  RobotCredentialRepository,
  type CredentialActor,
  type RobotCredential,
} from './repositories/robot-credential.repository';
export { RobotRepository, type Robot, type RobotFields, type RobotSighting } from './repositories/robot.repository';
export { SystemLogRepository, type NewLogEntry, type SystemLog } from './repositories/system-log.repository';
export { UserRepository, type NewUser, type User } from './repositories/user.repository';
export {
  ALERT_COLUMNS,
  alertEvent,
  enqueueAlertEvent,
  toAlertSnapshot,
  type AlertRow,
} from './repositories/alert-outbox';
export type {
  AlertEventType,
  AlertSeverity,
  AlertStateName,
  JobStatus,
  ReportFile,
  ReportStatus,
  RollupTier,
} from './db.types';
export { AlertWebhookRepository, type AlertWebhook } from './repositories/alert-webhook.repository';
export {
  AlertNotificationRepository,
  type ClaimedNotification,
  type FailedAttempt,
  type Notification,
  type NotificationCounts,
  type NotificationQuery,
  type NotificationStatus,
} from './repositories/alert-notification.repository';
export {
  ALERT_ROBOT_LOCK,
  AlertRepository,
  OFFLINE_STATE_METRIC,
  lockAlertRobots,
  type AlertChange,
  type AlertListQuery,
  type AlertStats,
} from './repositories/alert.repository';
export { AlertSnoozeRepository, snoozeCovers, type AlertSnooze } from './repositories/alert-snooze.repository';
export { ServiceHeartbeatRepository, type Heartbeat } from './repositories/service-heartbeat.repository';
export {
  appendAuditEntry,
  AuditRepository,
  type AuditedBy,
  type AuditEntry,
  type AuditQuery,
  type NewAuditEntry,
} from './repositories/audit.repository';
export {
  RefreshTokenRepository,
  type NewRefreshToken,
  type RotationOutcome,
} from './repositories/refresh-token.repository';
export {
  JOB_ROBOT_LOCK,
  JobRepository,
  RobotJobs,
  type Job,
  type JobFields,
  type JobHistoryQuery,
  type JobMilestoneEntry,
  type JobStats,
  type TrackedJob,
} from './repositories/job.repository';
export type { ClientAlert } from './repositories/alert.repository';
export {
  CommandDelivery,
  CommandRepository,
  commandEvent,
  commandView,
  type CommandAnswer,
  type CommandChange,
  type CommandMission,
  type CommandRecord,
  type CommandResultRow,
  type CommandRow,
  type CreatedCommand,
  type DueResult,
  type NewCommand,
} from './repositories/command.repository';
export {
  MissionRepository,
  type Mission,
  type MissionChanges,
  type MissionDetail,
  type MissionQuery,
  type MissionSummary,
  type NewMission,
  type NewWaypoint,
  type Waypoint,
  type WaypointChanges,
} from './repositories/mission.repository';
export {
  ReportDataRepository,
  type ConnectionEventRow,
  type JobGroupStats,
  type ReportScope,
} from './repositories/report-data.repository';
export {
  REPORT_COLUMNS,
  ReportRepository,
  type NewReport,
  type ReportListFilter,
  type ReportRecord,
  type ReportResult,
  type ReportRow,
} from './repositories/report.repository';
export {
  ReportScheduleRepository,
  type DueDecision,
  type ReportSchedule,
  type ScheduleFields,
} from './repositories/report-schedule.repository';
