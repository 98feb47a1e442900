/**
 * Robot text as Postgres can store it: NUL (valid in JSON, refused by Postgres text) and lone surrogates become
 * U+FFFD, so one odd character never holds up a batch.
 */
export function storable(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what is replaced
  return value.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
