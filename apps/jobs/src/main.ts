import { runService } from '@fleet/platform';
import { JobsModule } from './jobs.module';

void runService('jobs', JobsModule);
