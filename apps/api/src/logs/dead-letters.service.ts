import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetterListQuery, DeadLetterReasonsQuery } from '@fleet/contracts';
import { DeadLetterRepository } from '@fleet/database';
import { timeRange } from './time-range';

/** Messages ingest rejected, with why: what an operator reads to find a misbehaving robot or client. */
@Injectable()
export class DeadLettersService {
  constructor(@Inject(DeadLetterRepository) private readonly letters: DeadLetterRepository) {}

  list(query: DeadLetterListQuery) {
    return this.letters.list({
      reason: query.reason,
      robotId: query.robot_id,
      topic: query.topic,
      ...timeRange(query),
      limit: query.limit,
      offset: query.offset,
    });
  }

  async reasons(query: DeadLetterReasonsQuery) {
    const byReason = await this.letters.countsByReason({ robotId: query.robot_id, ...timeRange(query) });
    const total = Object.values(byReason).reduce((sum, n) => sum + n, 0);
    return { total, by_reason: byReason };
  }
}
