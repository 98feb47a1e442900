import { z } from 'zod';
import { robotIdSchema } from '../robot.schema';
import { LOG_LEVELS, type LogLevel } from '../system-log.schema';
import { robotTimestampSchema } from './fields.schema';

const LEVEL_NAMES: Readonly<Record<string, LogLevel>> = {
  ...Object.fromEntries(LOG_LEVELS.map((l) => [l, l])),
  WARN: 'WARNING',
  FATAL: 'CRITICAL',
};

/** A log level in any case, with the common aliases WARN and FATAL, read as one of TonyPi's levels. */
export const robotLogLevelSchema = z
  .string()
  .transform((level, ctx): LogLevel => {
    const known = LEVEL_NAMES[level.toUpperCase()];
    if (known) return known;
    ctx.issues.push({
      code: 'custom',
      message: `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level.slice(0, 40))}`,
      input: level,
    });
    return z.NEVER;
  })
  .meta({ description: `One of ${LOG_LEVELS.join(', ')} (any case; WARN and FATAL are accepted as aliases).` });

/**
 * `tonypi/logs/{robotId}`: a line from the robot's own log (start, stop, periodic "running normally", emergency
 * stops). `source` names the module (`main`, `telemetry`, `emergency`).
 *
 * @example
 * { robot_id: 'tonypi_raspberrypi', level: 'INFO', message: 'Robot client started and connected', source: 'main',
 *   timestamp: '2026-01-24T10:30:45.123456' }
 */
export const logsPayloadSchema = z.looseObject({
  robot_id: robotIdSchema.nullish(),
  level: robotLogLevelSchema.default('INFO'),
  message: z.string().max(10_000),
  source: z.string().max(100).nullish(),
  timestamp: robotTimestampSchema,
});
export type LogsPayload = z.output<typeof logsPayloadSchema>;
