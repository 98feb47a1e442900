import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { CommandAnswers } from './commands/command-answers';
import { CommandDispatcher } from './commands/command.dispatcher';
import { CommandMetrics } from './commands/command.metrics';
import { JobTracker } from './job.tracker';
import { TelemetryReader } from './telemetry.reader';

/**
 * Tracks robots' jobs, and delivers commands to robots with their acknowledgements.
 */
@Module({
  imports: [DatabaseModule, MessagingModule],
  providers: [JobTracker, CommandMetrics, CommandAnswers, CommandDispatcher, TelemetryReader],
})
export class JobsModule {}
