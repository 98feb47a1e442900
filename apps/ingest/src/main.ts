import { runService } from '@fleet/platform';
import { IngestModule } from './ingest.module';

void runService('ingest', IngestModule);
