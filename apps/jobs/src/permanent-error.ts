/**
 * Whether retrying cannot help: a programming or data error (a TypeError, SQLSTATE classes 22 data exception,
 * 23 integrity violation, 42 syntax or undefined object). Lost connections, timeouts and deadlocks are retried.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}
