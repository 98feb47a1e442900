import { runService } from '@fleet/platform';
import { ApiModule } from './api.module';

void runService('api', ApiModule);
