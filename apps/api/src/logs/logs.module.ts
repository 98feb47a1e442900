import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';
import { LogsController } from './logs.controller';
import { LogsService } from './logs.service';

/** The system log (list, statistics, streamed export, clearing) and the messages ingest rejected. */
@Module({
  imports: [DatabaseModule],
  controllers: [LogsController, DeadLettersController],
  providers: [LogsService, DeadLettersService],
  exports: [LogsService],
})
export class LogsModule {}
