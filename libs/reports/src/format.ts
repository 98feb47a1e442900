/** Words and numbers as findings and the PDF show them. */

/**
 * A duration in words, to the minute past an hour and to the second below a minute.
 *
 * @example
 * formatDuration(7_800) // '2 h 10 min'
 * formatDuration(45) // '45 s'
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  const rest = s % 60;
  return minutes >= 10 || rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** A number with at most `digits` decimals, trailing zeros dropped. */
export function formatNumber(value: number, digits = 1): string {
  return String(Number(value.toFixed(digits)));
}

/** A ratio as findings say it: `4x`, `2.5x`. */
export function formatRatio(ratio: number): string {
  return `${formatNumber(ratio, ratio >= 10 ? 0 : 1)}x`;
}

/** A list in words, shortened past `max`: `a, b and 3 more`. */
export function formatList(items: readonly string[], max = 5): string {
  if (items.length <= max)
    return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** `1 job`, `3 jobs`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
