import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { MessagingModule } from '@fleet/messaging';

/**
 * Tracks jobs, missions and commands sent to robots with their acknowledgements.
 */
@Module({
  imports: [DatabaseModule, MessagingModule],
})
export class JobsModule {}
