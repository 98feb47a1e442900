import { runService } from '@fleet/platform';
import { AlertingModule } from './alerting.module';

void runService('alerting', AlertingModule);
