import { z } from 'zod';

/** TonyPi's log levels, upper case as its dashboard shows and filters them. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export const logLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof logLevelSchema>;

/** Known categories; robots and services may add others, so the column is free text. */
export const LOG_CATEGORIES = [
  'mqtt',
  'api',
  'database',
  'system',
  'auth',
  'command',
  'robot',
  'job',
  'alert',
] as const;
export const logCategorySchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9_.-]+$/, 'lower-case letters, digits and _ . - only');
