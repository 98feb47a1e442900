import { z } from 'zod';

/** A short rendering of a value a robot sent, for messages that say what was wrong with it. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

// Decimal or exponent notation only: "0x10", "Infinity" and "" are not numbers a robot means to send.
const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const INTEGER = /^\s*[+-]?\d+\s*$/;

function numericString(pattern: RegExp, integer: boolean) {
  return z
    .string()
    .regex(pattern)
    .transform((text, ctx) => {
      const n = Number(text);
      if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
        ctx.issues.push({ code: 'custom', message: 'out of range', input: text });
        return z.NEVER;
      }
      return n;
    });
}

/**
 * A finite number, or a string holding one (`"12.5"`), as firmware that formats its readings sends them.
 *
 * @example
 * numberLike.parse('12.5'); // 12.5
 */
export const numberLike = z.union([z.number(), numericString(NUMERIC, false)], {
  error: (issue) =>
    issue.input === undefined ? 'required: expected a number' : `expected a number, got ${describeValue(issue.input)}`,
});

/** A safe integer, or a string holding one (`"3"`). */
export const intLike = z.union([z.number().int(), numericString(INTEGER, true)], {
  error: (issue) =>
    issue.input === undefined
      ? 'required: expected an integer'
      : `expected an integer, got ${describeValue(issue.input)}`,
});

/**
 * The robot's own time for the message: ISO 8601 with or without a zone, or epoch seconds or milliseconds.
 * Any value is accepted here: whether it is usable is decided by `resolveRobotTime`, which flags a value it cannot
 * read instead of refusing the reading that came with it.
 */
export const robotTimestampSchema = z
  .unknown()
  .optional()
  .meta({
    description:
      'When the robot produced the message: ISO 8601 with or without a zone (the TonyPi client sends naive local ' +
      'time from datetime.now().isoformat(), e.g. 2026-01-24T10:30:45.123456), or epoch seconds or milliseconds. ' +
      'Missing, unreadable or implausible times are replaced by the time of receipt and flagged.',
    anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }],
  });

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  literal: 'a fixed value',
};

/**
 * Per-parse messages that name what was expected and what arrived (`expected a boolean (true or false), got "yes"`),
 * instead of zod's generic wording. Used for every robot payload; computed only when a payload fails.
 */
export const robotIssueMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return issue.input === undefined
      ? `required: expected ${expected}`
      : `expected ${expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'too_big' && (issue.origin === 'string' || issue.origin === 'array')) {
    return `at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
  }
  if (issue.code === 'too_small' && (issue.origin === 'string' || issue.origin === 'array')) {
    return issue.origin === 'string' && issue.minimum === 1
      ? 'must not be empty'
      : `at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
  }
  return undefined;
};

const MAX_DETAIL = 480;

function pathSegment(key: PropertyKey): string {
  const text = String(key);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * One line naming every failing field and what was wrong (`value: expected a number, got "abc"; unit: ...`),
 * short enough for a log line or a dead-letter row.
 */
export function issuesDetail(issues: readonly z.core.$ZodIssue[]): string {
  let detail = '';
  for (const issue of issues) {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(pathSegment).join('.');
    detail += `${detail ? '; ' : ''}${path}: ${issue.message}`;
    if (detail.length > MAX_DETAIL) return `${detail.slice(0, MAX_DETAIL - 1)}…`;
  }
  return detail;
}
