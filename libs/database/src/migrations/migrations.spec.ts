import { migrations } from './index';

describe('migration list', () => {
  const names = Object.keys(migrations);

  it('names each migration <UTC timestamp>-<name>, in the order they must run', () => {
    for (const name of names) expect(name).toMatch(/^\d{14}-[a-z0-9]+(-[a-z0-9]+)*$/);
    expect([...names].sort()).toEqual(names);
  });

  it('gives every migration a way back', () => {
    for (const migration of Object.values(migrations)) {
      expect(typeof migration.up).toBe('function');
      expect(typeof migration.down).toBe('function');
    }
  });
});
