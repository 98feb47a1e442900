import { storedName } from './line-protocol';

/** An InfluxQL identifier (database, measurement, tag or field key) in double quotes, escaped. */
export function influxqlIdentifier(name: string): string {
  return `"${storedName(name).replace(/["\\]/g, '\\$&')}"`;
}

/** An InfluxQL string literal in single quotes, escaped; compared with tag values as InfluxDB stores them. */
export function influxqlString(value: string): string {
  return `'${storedName(value).replace(/['\\]/g, '\\$&')}'`;
}
