import { Controller, Delete, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  serialIdSchema,
  webhookInputSchema,
  webhookListQuerySchema,
  webhookPageSchema,
  webhookPatchSchema,
  webhookTestResultSchema,
  webhookViewSchema,
  type PageQuery,
  type WebhookInput,
  type WebhookPatch,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { AlertWebhooksService } from './alert-webhooks.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Access('admin')
@Controller('api/v1/alerts/webhooks')
export class AlertWebhooksController {
  constructor(@Inject(AlertWebhooksService) private readonly webhooks: AlertWebhooksService) {}

  /** Webhooks by name, with their pending and failed deliveries; never their secrets. */
  @Returns(webhookPageSchema)
  @Get()
  list(@ValidQuery(webhookListQuerySchema) query: PageQuery) {
    return this.webhooks.list(query);
  }

  /** Adds a webhook. Its secret signs deliveries and is never shown again; internal addresses are refused (422). */
  @Returns(webhookViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(webhookInputSchema) input: WebhookInput) {
    return this.webhooks.create(actor, input);
  }

  /**
   * Changes a webhook's name, URL, secret (`null` removes it), minimum severity, events or whether it is enabled;
   * what is not given is kept. A new URL is checked as on creation (422 for an internal address).
   */
  @Returns(webhookViewSchema)
  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @ValidParam('id', serialIdSchema) id: number,
    @ValidBody(webhookPatchSchema) changes: WebhookPatch,
  ) {
    return this.webhooks.update(actor, id, changes);
  }

  /** Removes a webhook and the deliveries it has not had yet. */
  @HttpCode(204)
  @Delete(':id')
  async remove(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number): Promise<void> {
    await this.webhooks.remove(actor, id);
  }

  /** Posts a signed sample "opened" event to the webhook now and says how it answered. */
  @Returns(webhookTestResultSchema)
  @HttpCode(200)
  @Post(':id/test')
  test(@CurrentActor() actor: Actor, @ValidParam('id', serialIdSchema) id: number) {
    return this.webhooks.test(actor, id);
  }
}
