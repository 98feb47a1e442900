import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { fleetSummarySchema } from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns } from '../http/zod-input';
import { FleetSummaryService } from './fleet-summary.service';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1/fleet')
export class FleetController {
  constructor(@Inject(FleetSummaryService) private readonly fleet: FleetSummaryService) {}

  /** Robots online, offline and otherwise, active jobs, open alerts by severity and the battery average. */
  @Access('viewer')
  @Returns(fleetSummarySchema)
  @Get('summary')
  summary() {
    return this.fleet.summary();
  }
}
