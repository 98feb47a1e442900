import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { reportTimeRangeSchema } from './report-api.schema';
import { GENERATED_REPORT_TYPES } from './report-document.schema';

/** A report as TonyPi's `/reports` routes answer it; `data` carries TonyPi's keys and Fleet's findings. */
export const tonypiReportSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  robot_id: z.string().nullable(),
  report_type: z.string(),
  created_at: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()).nullable(),
  created_by: z.string().nullable(),
});
export type TonyPiReport = z.infer<typeof tonypiReportSchema>;

export const tonypiReportListQuerySchema = z.object({
  robot_id: robotIdSchema.optional(),
  report_type: z.string().trim().min(1).max(50).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type TonyPiReportListQuery = z.infer<typeof tonypiReportListQuerySchema>;

/** TonyPi's stored report, with the caller's `data` kept as given (`created_by` is taken from the signed-in user). */
export const tonypiReportCreateSchema = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5_000).nullable().optional(),
  robot_id: robotIdSchema.nullable().optional(),
  report_type: z.string().trim().min(1).max(50),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  created_by: z
    .string()
    .max(100)
    .nullable()
    .optional()
    .describe('Accepted and not used: the signed-in user is recorded'),
});
export type TonyPiReportCreate = z.infer<typeof tonypiReportCreateSchema>;

export const tonypiReportGenerateQuerySchema = z.object({
  report_type: z.enum(GENERATED_REPORT_TYPES).default('performance'),
  robot_id: robotIdSchema.optional().describe('One robot; the whole fleet when left out'),
  time_range: reportTimeRangeSchema.default('24h'),
});
export type TonyPiReportGenerateQuery = z.infer<typeof tonypiReportGenerateQuerySchema>;

export const tonypiReportIdSchema = z.coerce
  .number({ error: 'a report id is a whole number' })
  .int()
  .min(1)
  .max(2_147_483_647);

export const tonypiReportPdfQuerySchema = z.object({
  include_ai: z
    .stringbool()
    .default(true)
    .describe('Accepted for TonyPi clients: a summary the report was made with is always included'),
});

export const tonypiReportExportQuerySchema = z.object({
  robot_id: robotIdSchema.optional(),
  report_type: z.string().max(50).optional().describe('Accepted for TonyPi clients and not used'),
  time_range: reportTimeRangeSchema.default('24h'),
});
export type TonyPiReportExportQuery = z.infer<typeof tonypiReportExportQuerySchema>;

export const tonypiReportExportFormatSchema = z.enum(['csv', 'json']);
