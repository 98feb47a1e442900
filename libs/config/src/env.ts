import { z } from 'zod';

/** An unset variable and an empty one mean the same: use the default. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

export const bool = (defaultValue: boolean) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const s = v.trim().toLowerCase();
        if (TRUE.includes(s)) return true;
        if (FALSE.includes(s)) return false;
        ctx.addIssue({ code: 'custom', message: `expected true or false, got '${v}'` });
        return z.NEVER;
      })
      .optional()
      .transform((v) => v ?? defaultValue),
  );

export const int = (defaultValue: number, min: number, max: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const n = Number(v.trim());
        if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) {
          ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got '${v}'` });
          return z.NEVER;
        }
        return n;
      })
      .optional()
      .transform((v) => v ?? defaultValue),
  );

export const port = (defaultValue: number) => int(defaultValue, 0, 65535);

export const str = (defaultValue: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((v) => v ?? defaultValue),
  );

export const optionalStr = () => z.preprocess(blankToUndefined, z.string().optional());

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx): T[number] => {
        const s = v.trim().toLowerCase();
        if ((values as readonly string[]).includes(s)) return s;
        ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got '${v}'` });
        return z.NEVER;
      })
      .optional()
      .transform((v): T[number] => v ?? defaultValue),
  );

/** A URL whose scheme is one of `protocols` (without the colon). Credentials are never echoed back in errors. */
export const url = (protocols: readonly string[]) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        let parsed: URL;
        try {
          parsed = new URL(v.trim());
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: `expected a URL like ${protocols[0]}://host:port, got an unparsable value`,
          });
          return z.NEVER;
        }
        const scheme = parsed.protocol.replace(/:$/, '');
        if (!protocols.includes(scheme)) {
          ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(', ')} URL, got a ${scheme} URL` });
          return z.NEVER;
        }
        return v.trim();
      })
      .optional(),
  );

/** Durations in InfluxDB's form: `7d`, `48h`, `90m`, `INF`. */
export const influxDuration = (defaultValue: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(\d+(w|d|h|m)|INF)$/i, "expected a duration like '7d', '48h' or 'INF'")
      .optional()
      .transform((v) => v ?? defaultValue),
  );
