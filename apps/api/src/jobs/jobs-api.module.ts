import { Module } from '@nestjs/common';
import { DatabaseModule } from '@fleet/database';
import { JobsApiController } from './jobs-api.controller';
import { JobsApiService } from './jobs-api.service';

/** Fleet's read routes over robots' jobs, which the jobs service tracks. */
@Module({
  imports: [DatabaseModule],
  controllers: [JobsApiController],
  providers: [JobsApiService],
})
export class JobsApiModule {}
