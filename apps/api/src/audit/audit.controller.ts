import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { auditQuerySchema, type AuditQueryInput } from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { ValidQuery } from '../http/zod-input';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  /** The audit trail, newest first. */
  @Access('admin')
  @Get()
  list(@ValidQuery(auditQuerySchema) query: AuditQueryInput) {
    return this.audit.list({
      actor: query.actor,
      action: query.action,
      entityType: query.entity_type,
      entityId: query.entity_id,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.limit,
      offset: query.offset,
    });
  }
}
