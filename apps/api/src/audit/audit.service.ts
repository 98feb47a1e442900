import { Inject, Injectable } from '@nestjs/common';
import { AuditRepository, type AuditQuery } from '@fleet/database';
import type { Actor } from '../http/request-context';

/**
 * Who changed what, before and after, when and from where: every change made through the API is recorded here.
 *
 * @example
 * await audit.record(actor, 'robot.update', 'robot', 'tonypi_01', before, after);
 */
@Injectable()
export class AuditService {
  constructor(@Inject(AuditRepository) private readonly entries: AuditRepository) {}

  async record(
    actor: Actor,
    action: string,
    entityType: string,
    entityId: string | null,
    before: unknown = null,
    after: unknown = null,
  ): Promise<void> {
    await this.entries.append({
      actor: actor.user.username,
      actor_id: actor.user.id,
      action,
      entity_type: entityType,
      entity_id: entityId,
      before,
      after,
      ip_address: actor.ip,
      request_id: actor.requestId,
    });
  }

  list(query: AuditQuery) {
    return this.entries.list(query);
  }
}
