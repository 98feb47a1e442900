import { Inject, Injectable, Module } from '@nestjs/common';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HealthRegistry, LOGGER, MetricsService, RESOURCES, SERVICE_NAME, type Resources } from '@fleet/platform';
import { connectDatabase, type DatabaseConnection } from './connection';
import { DATABASE, DATABASE_CONNECTION } from './database.tokens';
import { SchemaMigrator } from './migrator';
import { AlertNotificationRepository } from './repositories/alert-notification.repository';
import { AlertSnoozeRepository } from './repositories/alert-snooze.repository';
import { AlertThresholdRepository } from './repositories/alert-threshold.repository';
import { AlertWebhookRepository } from './repositories/alert-webhook.repository';
import { AlertRepository } from './repositories/alert.repository';
import { ConnectionLogRepository } from './repositories/connection-log.repository';
import { DeadLetterRepository } from './repositories/dead-letter.repository';
import { RobotCredentialRepository } from './repositories/robot-credential.repository';
import { RobotRepository } from './repositories/robot.repository';
import { ServiceHeartbeatRepository } from './repositories/service-heartbeat.repository';
import { SystemLogRepository } from './repositories/system-log.repository';
import { UserRepository } from './repositories/user.repository';
import { AuditRepository } from './repositories/audit.repository';
import { RefreshTokenRepository } from './repositories/refresh-token.repository';
import { CommandRepository } from './repositories/command.repository';
import { JobRepository } from './repositories/job.repository';
import { MissionRepository } from './repositories/mission.repository';
import { ReportDataRepository } from './repositories/report-data.repository';
import { ReportScheduleRepository } from './repositories/report-schedule.repository';
import { ReportRepository } from './repositories/report.repository';

async function openDatabase(
  config: FleetConfig,
  logger: Logger,
  service: string,
  resources: Resources,
): Promise<DatabaseConnection> {
  const log = logger.child({ component: 'database' });
  const opening = connectDatabase({
    database: config.database,
    dataDir: config.dataDir,
    logger: log,
    applicationName: `fleet-${service}`,
  });
  // Registered before it is open: if another part of start-up fails meanwhile, closing waits for it and stops it.
  let opened: DatabaseConnection | undefined;
  resources.add(
    'database',
    async () => (await opening.catch(() => undefined))?.close(),
    () => opened?.closeNow(),
  );
  const connection = (opened = await opening);
  if (config.database.migrateOnStart) {
    const applied = await new SchemaMigrator(connection.db).migrateToLatest();
    if (applied.length > 0) log.info({ applied }, `applied ${applied.length} migration(s)`);
  }
  log.info({ mode: connection.mode, target: connection.target }, 'database ready');
  return connection;
}

/** Reports `database` in `/health/ready`. (The connection closes with the process's other resources.) */
@Injectable()
class DatabaseHealth {
  constructor(
    @Inject(DATABASE_CONNECTION) connection: DatabaseConnection,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(MetricsService) metrics: MetricsService,
  ) {
    new Gauge({
      name: 'fleet_db_pool_connections',
      help: 'Database pool: connections open, idle, requests waiting for one, and the pool size',
      labelNames: ['state'],
      registers: [metrics.registry],
      collect() {
        const stats = connection.poolStats();
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, stats[state]);
      },
    });
    health.register({
      name: 'database',
      check: async () => {
        await sql`SELECT 1`.execute(connection.db);
        return { mode: connection.mode, target: connection.target };
      },
    });
  }
}

const repositories = [
  RobotRepository,
  RobotCredentialRepository,
  UserRepository,
  AlertThresholdRepository,
  SystemLogRepository,
  DeadLetterRepository,
  ConnectionLogRepository,
  AlertRepository,
  AlertSnoozeRepository,
  AlertWebhookRepository,
  AlertNotificationRepository,
  ServiceHeartbeatRepository,
  RefreshTokenRepository,
  AuditRepository,
  JobRepository,
  MissionRepository,
  CommandRepository,
  ReportRepository,
  ReportScheduleRepository,
  ReportDataRepository,
];

/**
 * PostgreSQL for a service: connects (or starts the embedded server), applies pending migrations unless
 * `DATABASE_MIGRATE_ON_START=false`, reports `database` in `/health/ready`, and provides the repositories.
 */
@Module({
  providers: [
    {
      provide: DATABASE_CONNECTION,
      useFactory: openDatabase,
      inject: [FLEET_CONFIG, LOGGER, SERVICE_NAME, RESOURCES],
    },
    { provide: DATABASE, useFactory: (c: DatabaseConnection) => c.db, inject: [DATABASE_CONNECTION] },
    DatabaseHealth,
    ...repositories,
  ],
  exports: [DATABASE, DATABASE_CONNECTION, ...repositories],
})
export class DatabaseModule {}
