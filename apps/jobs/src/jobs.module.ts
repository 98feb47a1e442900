import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';
import { JobTracker } from './job.tracker';

/**
 * Tracks jobs, missions and commands sent to robots with their acknowledgements.
 */
@Module({
  imports: [DatabaseModule, MessagingModule],
  providers: [JobTracker],
})
export class JobsModule {}
