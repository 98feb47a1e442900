import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  serialIdSchema,
  tonypiAcknowledgeAllQuerySchema,
  tonypiAcknowledgeAllResultSchema,
  tonypiAcknowledgeQuerySchema,
  tonypiAcknowledgeResultSchema,
  tonypiAlertCreateSchema,
  tonypiAlertListQuerySchema,
  tonypiAlertSchema,
  tonypiAlertStatsQuerySchema,
  tonypiAlertStatsSchema,
  tonypiMessageSchema,
  type TonyPiAcknowledgeAllQuery,
  type TonyPiAlertCreate,
  type TonyPiAlertListQuery,
  type TonyPiAlertStatsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../../http/zod-input';
import { TonyPiAlerts } from './tonypi-alerts.service';

/** TonyPi's alert page: bare lists, `{message}` results, side effects driven by query parameters. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/alerts')
export class TonyPiAlertsController {
  constructor(@Inject(TonyPiAlerts) private readonly alerts: TonyPiAlerts) {}

  /** Alerts created within `time_range` and matching every filter given, newest first. */
  @Access('viewer')
  @Returns(tonypiAlertSchema.array())
  @Get()
  list(@ValidQuery(tonypiAlertListQuerySchema) query: TonyPiAlertListQuery) {
    return this.alerts.list(query);
  }

  /** Counts over the alerts created within `time_range`; severities and `unacknowledged` count open alerts. */
  @Access('viewer')
  @Returns(tonypiAlertStatsSchema)
  @Get('stats')
  stats(@ValidQuery(tonypiAlertStatsQuerySchema) query: TonyPiAlertStatsQuery) {
    return this.alerts.stats(query);
  }

  /**
   * Raises an alert, announced and sent to webhooks as alerting's are. One alert at most is open per robot, type
   * and source: another is a conflict (409).
   */
  @Access('operator')
  @Returns(tonypiAlertSchema)
  @HttpCode(200)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(tonypiAlertCreateSchema) input: TonyPiAlertCreate) {
    return this.alerts.create(actor, input);
  }

  /** Acknowledges the open alerts of one robot or all, up to 1000 a call (`remaining` says how many are left). */
  @Access('operator')
  @Returns(tonypiAcknowledgeAllResultSchema)
  @HttpCode(200)
  @Post('acknowledge-all')
  acknowledgeAll(
    @CurrentActor() actor: Actor,
    @ValidQuery(tonypiAcknowledgeAllQuerySchema) query: TonyPiAcknowledgeAllQuery,
  ) {
    return this.alerts.acknowledgeAll(actor, query.robot_id);
  }

  /** Recorded as acknowledged by the signed-in user, whatever `acknowledged_by` says; a resolved alert is a 409. */
  @Access('operator')
  @Returns(tonypiAcknowledgeResultSchema)
  @HttpCode(200)
  @Post(':alert_id/acknowledge')
  acknowledge(
    @CurrentActor() actor: Actor,
    @ValidParam('alert_id', serialIdSchema) id: number,
    @ValidQuery(tonypiAcknowledgeQuerySchema) _query: unknown,
  ) {
    return this.alerts.acknowledge(actor, id);
  }

  /** Resolves by hand; an alert already resolved is a 409. */
  @Access('operator')
  @Returns(tonypiMessageSchema)
  @HttpCode(200)
  @Post(':alert_id/resolve')
  resolve(@CurrentActor() actor: Actor, @ValidParam('alert_id', serialIdSchema) id: number) {
    return this.alerts.resolve(actor, id);
  }

  /** Deletes the alert for good (the audit trail keeps it). */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Delete(':alert_id')
  remove(@CurrentActor() actor: Actor, @ValidParam('alert_id', serialIdSchema) id: number) {
    return this.alerts.remove(actor, id);
  }
}
