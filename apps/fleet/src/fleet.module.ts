// The all-in-one composition root: the only place where one app imports another.
import { Module } from '@nestjs/common';
import { AlertingModule } from '@apps/alerting/src/alerting.module';
import { ApiModule } from '@apps/api/src/api.module';
import { IngestModule } from '@apps/ingest/src/ingest.module';
import { JobsModule } from '@apps/jobs/src/jobs.module';
import { ReportsModule } from '@apps/reports/src/reports.module';

/**
 * Every Fleet service in one process, sharing one database pool, one MQTT connection and one HTTP server.
 * With no server configured it runs on embedded PostgreSQL and an embedded MQTT broker.
 */
@Module({
  imports: [IngestModule, AlertingModule, JobsModule, ReportsModule, ApiModule],
})
export class FleetModule {}
