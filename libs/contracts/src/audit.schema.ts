import { z } from 'zod';
import { pageQuerySchema } from './pagination.schema';

export const auditQuerySchema = pageQuerySchema.extend({
  actor: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  entity_type: z.string().max(50).optional(),
  entity_id: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export type AuditQueryInput = z.infer<typeof auditQuerySchema>;
