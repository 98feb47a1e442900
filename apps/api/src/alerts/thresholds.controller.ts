import { Controller, Delete, Get, HttpCode, Inject, Patch, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  serialIdSchema,
  thresholdDefaultSchema,
  thresholdListSchema,
  thresholdPatchSchema,
  thresholdQuerySchema,
  thresholdUpsertSchema,
  thresholdViewSchema,
  type ThresholdPatch,
  type ThresholdQuery,
  type ThresholdUpsert,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { ThresholdsService } from './thresholds.service';

@ApiTags('thresholds')
@ApiBearerAuth()
@Controller('api/v1/thresholds')
export class ThresholdsController {
  constructor(@Inject(ThresholdsService) private readonly thresholds: ThresholdsService) {}

  /** The global defaults; with `robot_id`, the robot's own rows and the defaults it inherits (`inherited: true`). */
  @Access('viewer')
  @Returns(thresholdListSchema)
  @Get()
  list(@ValidQuery(thresholdQuerySchema) query: ThresholdQuery) {
    return this.thresholds.list(query);
  }

  /** The defaults Fleet ships with, each beside the global row as it now is. */
  @Access('viewer')
  @Returns(z.array(thresholdDefaultSchema))
  @Get('defaults')
  defaults() {
    return this.thresholds.defaults();
  }

  /** Creates or replaces the row for (robot or global, metric). */
  @Access('admin')
  @Returns(thresholdViewSchema)
  @Put()
  upsert(@CurrentActor() actor: Actor, @ValidBody(thresholdUpsertSchema) input: ThresholdUpsert) {
    return this.thresholds.upsert(actor, input);
  }

  @Access('admin')
  @Returns(thresholdViewSchema)
  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('id', serialIdSchema) id: number,
    @ValidBody(thresholdPatchSchema) changes: ThresholdPatch,
  ) {
    return this.thresholds.update(actor, id, changes);
  }

  /** Removes a robot's own row; a global default is refused (409): robots rely on it. */
  @Access('admin')
  @HttpCode(204)
  @Delete(':id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number): Promise<void> {
    await this.thresholds.remove(actor, id);
  }
}
