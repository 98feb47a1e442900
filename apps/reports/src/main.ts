import { runService } from '@fleet/platform';
import { ReportsModule } from './reports.module';

void runService('reports', ReportsModule);
