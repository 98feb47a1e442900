import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  alertAcknowledgeAllResultSchema,
  alertAcknowledgeAllSchema,
  alertCreateSchema,
  alertListQuerySchema,
  alertPageSchema,
  alertResolveSchema,
  alertSnapshotSchema,
  alertStatsQuerySchema,
  alertStatsSchema,
  serialIdSchema,
  type AlertAcknowledgeAll,
  type AlertCreate,
  type AlertListQueryInput,
  type AlertResolve,
  type AlertStatsQueryInput,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(@Inject(AlertsService) private readonly alerts: AlertsService) {}

  /** Alerts matching every filter given, newest first. */
  @Access('viewer')
  @Returns(alertPageSchema)
  @Get()
  list(@ValidQuery(alertListQuerySchema) query: AlertListQueryInput) {
    return this.alerts.list(query);
  }

  /** Counts by severity and type, open and unacknowledged, over the alerts created in a range (all time when omitted). */
  @Access('viewer')
  @Returns(alertStatsSchema)
  @Get('stats')
  stats(@ValidQuery(alertStatsQuerySchema) query: AlertStatsQueryInput) {
    return this.alerts.stats(query);
  }

  @Access('viewer')
  @Returns(alertSnapshotSchema)
  @Get(':id')
  get(@ValidParam('id', serialIdSchema) id: number) {
    return this.alerts.get(id);
  }

  /**
   * Raises an alert by hand, announced and sent to webhooks as alerting's are. One alert at most is open per robot,
   * type and source: another is a conflict (409).
   */
  @Access('operator')
  @Returns(alertSnapshotSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(alertCreateSchema) input: AlertCreate) {
    return this.alerts.create(actor, input);
  }

  /** Deletes the alert for good, announced as `deleted` (the audit trail keeps what it was). */
  @Access('admin')
  @HttpCode(204)
  @Delete(':id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number): Promise<void> {
    await this.alerts.remove(actor, id);
  }

  /** Acknowledges the open alerts of one robot or all, up to a limit; says how many, and how many are left. */
  @Access('operator')
  @Returns(alertAcknowledgeAllResultSchema)
  @HttpCode(200)
  @Post('acknowledge-all')
  acknowledgeAll(@CurrentActor() actor: Actor, @ValidBody(alertAcknowledgeAllSchema) input: AlertAcknowledgeAll) {
    return this.alerts.acknowledgeAll(actor, input);
  }

  @Access('operator')
  @Returns(alertSnapshotSchema)
  @HttpCode(200)
  @Post(':id/acknowledge')
  acknowledge(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number) {
    return this.alerts.acknowledge(actor, id);
  }

  @Access('operator')
  @Returns(alertSnapshotSchema)
  @HttpCode(200)
  @Post(':id/resolve')
  resolve(
    @CurrentActor() actor: Actor,
    @ValidParam('id', serialIdSchema) id: number,
    @ValidBody(alertResolveSchema) input: AlertResolve,
  ) {
    return this.alerts.resolve(actor, id, input.note);
  }
}
