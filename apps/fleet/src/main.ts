import { runService } from '@fleet/platform';
import { FleetModule } from './fleet.module';

void runService('fleet', FleetModule);
