import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  deadLetterPageSchema,
  deadLetterQuerySchema,
  deadLetterReasonsQuerySchema,
  deadLetterReasonsSchema,
  type DeadLetterListQuery,
  type DeadLetterReasonsQuery,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns, ValidQuery } from '../http/zod-input';
import { DeadLettersService } from './dead-letters.service';

/** Robot payloads ingest refused: no secrets in them, so viewers may read them. */
@ApiTags('logs')
@ApiBearerAuth()
@Access('viewer')
@Controller('api/v1/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DeadLettersService) private readonly letters: DeadLettersService) {}

  /** Rejected messages, newest first. */
  @Returns(deadLetterPageSchema)
  @Get()
  list(@ValidQuery(deadLetterQuerySchema) query: DeadLetterListQuery) {
    return this.letters.list(query);
  }

  /** How many messages were rejected for each reason. */
  @Returns(deadLetterReasonsSchema)
  @Get('reasons')
  reasons(@ValidQuery(deadLetterReasonsQuerySchema) query: DeadLetterReasonsQuery) {
    return this.letters.reasons(query);
  }
}
