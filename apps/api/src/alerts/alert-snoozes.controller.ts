import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  serialIdSchema,
  snoozeInputSchema,
  snoozeListQuerySchema,
  snoozePageSchema,
  snoozeViewSchema,
  type SnoozeListQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { AlertSnoozesService } from './alert-snoozes.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/v1/alerts/snoozes')
export class AlertSnoozesController {
  constructor(@Inject(AlertSnoozesService) private readonly snoozes: AlertSnoozesService) {}

  /** The snoozes running now, of one robot or all. */
  @Access('viewer')
  @Returns(snoozePageSchema)
  @Get()
  list(@ValidQuery(snoozeListQuerySchema) query: SnoozeListQuery) {
    return this.snoozes.list(query);
  }

  /** Quiets a robot's alerts (every type, or one) until a time: no new alert opens while it runs. */
  @Access('operator')
  @Returns(snoozeViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(snoozeInputSchema) input: z.output<typeof snoozeInputSchema>) {
    return this.snoozes.create(actor, input);
  }

  @Access('operator')
  @HttpCode(204)
  @Delete(':id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number): Promise<void> {
    await this.snoozes.remove(actor, id);
  }
}
