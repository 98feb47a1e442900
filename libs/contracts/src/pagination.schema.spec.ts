import { pageQuerySchema } from './pagination.schema';

describe('page query', () => {
  it('defaults to the first 50', () => {
    expect(pageQuerySchema.parse({})).toEqual({ limit: 50, offset: 0 });
  });

  it('reads query-string numbers', () => {
    expect(pageQuerySchema.parse({ limit: '20', offset: '40' })).toEqual({ limit: 20, offset: 40 });
  });

  it.each([{ limit: '0' }, { limit: '501' }, { limit: '2.5' }, { offset: '-1' }, { limit: 'all' }])(
    'refuses %j',
    (query) => {
      expect(pageQuerySchema.safeParse(query).success).toBe(false);
    },
  );
});
