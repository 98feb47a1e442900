import { RobotLogins, type ActiveRobotCredential, type RobotCredentialLookup } from './robot-logins';
import { hashRobotSecret } from './robot-secret';

/** The credential table as a map, counting how often it is asked. */
class CredentialTable implements RobotCredentialLookup {
  readonly rows = new Map<string, ActiveRobotCredential>();
  readonly used: { id: string; at: number }[] = [];
  lookups = 0;

  set(robotId: string, id: string, secret: string): ActiveRobotCredential {
    const row = { id, secretHash: hashRobotSecret(secret) };
    this.rows.set(robotId, row);
    return row;
  }

  findActive(robotId: string): Promise<ActiveRobotCredential | undefined> {
    this.lookups += 1;
    return Promise.resolve(this.rows.get(robotId));
  }

  markUsed(id: string, at: Date): Promise<void> {
    this.used.push({ id, at: at.getTime() });
    return Promise.resolve();
  }
}

const TTL = 30_000;

describe('robot logins on the embedded broker', () => {
  let table: CredentialTable;
  let now: number;
  let logins: RobotLogins;
  const secret = (text: string) => Buffer.from(text);

  beforeEach(() => {
    table = new CredentialTable();
    now = 1_000_000;
    logins = new RobotLogins(
      table,
      TTL,
      () => now,
      (error) => {
        throw error;
      },
    );
  });

  it('asks the database once per robot per cache period, however often it reconnects', async () => {
    const row = table.set('tonypi_01', 'c1', 's1');
    for (let i = 0; i < 5; i++) await expect(logins.verify('tonypi_01', secret('s1'))).resolves.toEqual(row);
    expect(table.lookups).toBe(1);
    expect(table.used).toEqual([{ id: 'c1', at: now }]);

    now += TTL;
    await expect(logins.verify('tonypi_01', secret('s1'))).resolves.toEqual(row);
    expect(table.lookups).toBe(2);
    expect(table.used).toHaveLength(2);
  });

  it('shares one query among logins that arrive together', async () => {
    table.set('tonypi_01', 'c1', 's1');
    const results = await Promise.all(Array.from({ length: 20 }, () => logins.verify('tonypi_01', secret('s1'))));
    expect(results.every((r) => r?.id === 'c1')).toBe(true);
    expect(table.lookups).toBe(1);
  });

  it('refuses a wrong secret, an unknown robot and an empty secret', async () => {
    table.set('tonypi_01', 'c1', 's1');
    await expect(logins.verify('tonypi_01', secret('guess'))).resolves.toBeUndefined();
    await expect(logins.verify('tonypi_02', secret('s1'))).resolves.toBeUndefined();
    await expect(logins.verify('tonypi_01', secret(''))).resolves.toBeUndefined();
    expect(table.used).toEqual([]);
  });

  it('accepts a rotated secret at once, and the replaced one until the cache period ends', async () => {
    table.set('tonypi_01', 'c1', 'old');
    await logins.verify('tonypi_01', secret('old'));
    const rotated = table.set('tonypi_01', 'c1', 'new');

    await expect(logins.verify('tonypi_01', secret('new'))).resolves.toEqual(rotated);
    // The new secret replaced the cached one: the old one is checked against the database again.
    await expect(logins.verify('tonypi_01', secret('old'))).resolves.toBeUndefined();
  });

  it('lets a revoked credential in only until the cache period ends', async () => {
    table.set('tonypi_01', 'c1', 's1');
    await logins.verify('tonypi_01', secret('s1'));
    table.rows.delete('tonypi_01');

    now += TTL - 1;
    await expect(logins.verify('tonypi_01', secret('s1'))).resolves.toMatchObject({ id: 'c1' });
    now += 1;
    await expect(logins.verify('tonypi_01', secret('s1'))).resolves.toBeUndefined();
  });

  it('tells whether a connected robot still holds its credential, asking the database each time', async () => {
    const row = table.set('tonypi_01', 'c1', 's1');
    await logins.verify('tonypi_01', secret('s1'));
    await expect(logins.stillActive('tonypi_01', row)).resolves.toBe(true);

    table.set('tonypi_01', 'c1', 's2');
    await expect(logins.stillActive('tonypi_01', row)).resolves.toBe(false);
    table.rows.delete('tonypi_01');
    await expect(logins.stillActive('tonypi_01', row)).resolves.toBe(false);
    expect(table.lookups).toBe(4);
    // Forgotten: the next login goes to the database.
    await expect(logins.verify('tonypi_01', secret('s1'))).resolves.toBeUndefined();
  });

  it('reports a failure to record a login without refusing it', async () => {
    const failures: unknown[] = [];
    const failing = new RobotLogins(
      { findActive: (id) => table.findActive(id), markUsed: () => Promise.reject(new Error('database away')) },
      TTL,
      () => now,
      (error) => failures.push(error),
    );
    table.set('tonypi_01', 'c1', 's1');
    await expect(failing.verify('tonypi_01', secret('s1'))).resolves.toMatchObject({ id: 'c1' });
    expect(failures).toEqual([new Error('database away')]);
  });
});
