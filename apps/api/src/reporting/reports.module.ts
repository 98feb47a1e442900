import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { ReportingModule } from '@fleet/reports';
import { ReportSchedulesController } from './report-schedules.controller';
import { ReportSchedulesService } from './report-schedules.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Reports through the API: listing, asking for, downloading and deleting them, and their schedules. */
@Module({
  imports: [DatabaseModule, MessagingModule, ReportingModule],
  controllers: [ReportsController, ReportSchedulesController],
  providers: [ReportsService, ReportSchedulesService],
  exports: [ReportsService],
})
export class ReportsApiModule {}
