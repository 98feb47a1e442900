/** A command-line flag's value as a whole number from 1 to `max`, or an error naming the flag. */
export function wholeNumber(flag: string, value: string | undefined, max: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new Error(`${flag}: expected a whole number from 1 to ${max}, got '${value ?? ''}'`);
  }
  return Number(value);
}
