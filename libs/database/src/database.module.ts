import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HealthRegistry, LOGGER, SERVICE_NAME } from '@fleet/platform';
import { connectDatabase, type DatabaseConnection } from './connection';
import { DATABASE, DATABASE_CONNECTION } from './database.tokens';
import { SchemaMigrator } from './migrator';
import { AlertThresholdRepository } from './repositories/alert-threshold.repository';
import { RobotRepository } from './repositories/robot.repository';
import { SystemLogRepository } from './repositories/system-log.repository';
import { UserRepository } from './repositories/user.repository';

async function openDatabase(config: FleetConfig, logger: Logger, service: string): Promise<DatabaseConnection> {
  const log = logger.child({ component: 'database' });
  const connection = await connectDatabase({
    database: config.database,
    dataDir: config.dataDir,
    logger: log,
    applicationName: `fleet-${service}`,
  });
  try {
    if (config.database.migrateOnStart) {
      const applied = await new SchemaMigrator(connection.db).migrateToLatest();
      if (applied.length > 0) log.info({ applied }, `applied ${applied.length} migration(s)`);
    }
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  log.info({ mode: connection.mode, target: connection.target }, 'database ready');
  return connection;
}

/** Closes the pool (and the embedded server) after every service has finished its work. */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    health.register({
      name: 'database',
      check: async () => {
        await sql`SELECT 1`.execute(connection.db);
        return { mode: connection.mode, target: connection.target };
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

const repositories = [RobotRepository, UserRepository, AlertThresholdRepository, SystemLogRepository];

/**
 * PostgreSQL for a service: connects (or starts the embedded server), applies pending migrations unless
 * `DATABASE_MIGRATE_ON_START=false`, reports `database` in `/health`, and provides the repositories.
 */
@Module({
  providers: [
    {
      provide: DATABASE_CONNECTION,
      useFactory: openDatabase,
      inject: [FLEET_CONFIG, LOGGER, SERVICE_NAME],
    },
    { provide: DATABASE, useFactory: (c: DatabaseConnection) => c.db, inject: [DATABASE_CONNECTION] },
    DatabaseLifecycle,
    ...repositories,
  ],
  exports: [DATABASE, DATABASE_CONNECTION, ...repositories],
})
export class DatabaseModule {}
