import { z } from 'zod';
import { robotIdSchema } from './robot.schema';

/**
 * Metrics with a threshold. `above`: a value over the threshold is bad (cpu, temperature);
 * `below`: a value under it is bad (battery, servo voltage).
 */
export const THRESHOLD_DIRECTIONS = ['above', 'below'] as const;
export const thresholdDirectionSchema = z.enum(THRESHOLD_DIRECTIONS);
export type ThresholdDirection = z.infer<typeof thresholdDirectionSchema>;

export const metricTypeSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only')
  // Alerting keeps a robot's silence under this name.
  .refine((name) => name !== 'offline', "'offline' is reserved: set a robot's silence timeout on the robot instead");

export const thresholdInputSchema = z
  .object({
    robot_id: robotIdSchema.nullable().default(null),
    metric_type: metricTypeSchema,
    warning_threshold: z.number().finite(),
    critical_threshold: z.number().finite(),
    direction: thresholdDirectionSchema.default('above'),
    enabled: z.boolean().default(true),
    /** Seconds the condition must hold before an alert fires. Omitted: as the global row for the metric, else 0. */
    pending_s: z.number().int().min(0).max(86_400).optional(),
    /**
     * Hysteresis: an alert resolves only once the value is back past the warning threshold by this much.
     * Omitted: as the global row for the metric, else 0.
     */
    clear_margin: z.number().finite().min(0).optional(),
    /** Whether Fleet resolves the alert itself when the value recovers (else an operator does). Default true. */
    auto_resolve: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    const ordered =
      t.direction === 'above'
        ? t.critical_threshold >= t.warning_threshold
        : t.critical_threshold <= t.warning_threshold;
    if (!ordered) {
      ctx.addIssue({
        code: 'custom',
        path: ['critical_threshold'],
        message:
          t.direction === 'above'
            ? 'must be at least warning_threshold when higher values are worse'
            : 'must be at most warning_threshold when lower values are worse',
      });
    }
  });

export type ThresholdInput = z.input<typeof thresholdInputSchema>;
export type Threshold = z.output<typeof thresholdInputSchema>;
