import { containsPattern, jsonb, pageBounds } from './sql-helpers';

describe('SQL helpers', () => {
  it('makes LIKE patterns that take the user text literally', () => {
    expect(containsPattern('tonypi')).toBe('%tonypi%');
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });

  it.each([
    [{}, { limit: 50, offset: 0 }],
    [
      { limit: 0, offset: -5 },
      { limit: 1, offset: 0 },
    ],
    [
      { limit: 10_000, offset: 20 },
      { limit: 500, offset: 20 },
    ],
    [
      { limit: 7.9, offset: 3.2 },
      { limit: 7, offset: 3 },
    ],
  ])('bounds pages: %j → %j', (query, bounds) => {
    expect(pageBounds(query)).toEqual(bounds);
  });

  it('writes JSON text and leaves undefined alone', () => {
    expect(jsonb({ x: 1, list: [1, 2] })).toBe('{"x":1,"list":[1,2]}');
    expect(jsonb([1, 2])).toBe('[1,2]');
    expect(jsonb(null)).toBeNull();
    expect(jsonb(undefined)).toBeUndefined();
  });
});
