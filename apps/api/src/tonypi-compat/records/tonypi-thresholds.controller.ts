import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  serialIdSchema,
  tonypiDefaultThresholdsSchema,
  tonypiMessageSchema,
  tonypiThresholdCreateSchema,
  tonypiThresholdQuerySchema,
  tonypiThresholdSchema,
  tonypiThresholdUpdateSchema,
  type TonyPiThresholdCreate,
  type TonyPiThresholdQuery,
  type TonyPiThresholdUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../../http/zod-input';
import { TonyPiThresholds } from './tonypi-thresholds.service';

/** TonyPi's threshold dialog: viewers read, admins change. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/alerts/thresholds')
export class TonyPiThresholdsController {
  constructor(@Inject(TonyPiThresholds) private readonly thresholds: TonyPiThresholds) {}

  /** The global rows; with `robot_id`, every global row and then the robot's own. */
  @Access('viewer')
  @Returns(tonypiThresholdSchema.array())
  @Get()
  list(@ValidQuery(tonypiThresholdQuerySchema) query: TonyPiThresholdQuery) {
    return this.thresholds.list(query);
  }

  @Access('viewer')
  @Returns(tonypiDefaultThresholdsSchema)
  @Get('defaults')
  defaults() {
    return this.thresholds.defaults();
  }

  /** Creates or replaces the row for (robot or global, metric); the dashboard saves six of these at once. */
  @Access('admin')
  @Returns(tonypiThresholdSchema)
  @HttpCode(200)
  @Post()
  upsert(@CurrentActor() actor: Actor, @ValidBody(tonypiThresholdCreateSchema) input: TonyPiThresholdCreate) {
    return this.thresholds.upsert(actor, input);
  }

  /** Puts back the global defaults whose rows are gone. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @HttpCode(200)
  @Post('init-defaults')
  initDefaults(@CurrentActor() actor: Actor) {
    return this.thresholds.initDefaults(actor);
  }

  @Access('admin')
  @Returns(tonypiThresholdSchema)
  @Put(':threshold_id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('threshold_id', serialIdSchema) id: number,
    @ValidBody(tonypiThresholdUpdateSchema) changes: TonyPiThresholdUpdate,
  ) {
    return this.thresholds.update(actor, id, changes);
  }

  /** Deletes a robot's own row; a global row is refused (409): robots without their own rely on it. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Delete(':threshold_id')
  remove(@CurrentActor() actor: Actor, @ValidParam('threshold_id', serialIdSchema) id: number) {
    return this.thresholds.remove(actor, id);
  }
}
