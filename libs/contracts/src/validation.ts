import type { z } from 'zod';
import { InvalidInputError, type FieldIssue } from './errors';

/** Turns zod issues into `{path, message}` pairs that name the failing field. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Parses `input` or throws an {@link InvalidInputError} naming every failing field.
 *
 * @example
 * const threshold = parseOrThrow(thresholdInputSchema, body, 'threshold');
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = fieldIssues(result.error);
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new InvalidInputError(`invalid ${what}: ${summary}`, issues, { cause: result.error });
  }
  return result.data;
}
