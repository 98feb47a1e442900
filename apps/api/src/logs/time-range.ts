/** A validated `from`/`to` query pair as the repositories take it. */
export function timeRange(query: { from?: string; to?: string }): { from?: Date; to?: Date } {
  return {
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
  };
}
