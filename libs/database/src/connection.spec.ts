import { describeTarget } from './connection';

describe('describeTarget', () => {
  it('shows host, port and database, never credentials', () => {
    expect(describeTarget('postgres://fleet:s3cret@db.example:6543/fleet')).toBe('db.example:6543/fleet');
    expect(describeTarget('postgresql://db.example/fleet')).toBe('db.example:5432/fleet');
  });
});
