import bcrypt from 'bcryptjs';
import { checkPassword, hashPassword, passwordProblem } from './passwords';

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await checkPassword(stored, 'correct horse battery')).toEqual({ ok: true, needsRehash: false });
    expect(await checkPassword(stored, 'wrong horse battery')).toEqual({ ok: false, needsRehash: false });
  });

  it("verifies TonyPi's bcrypt hashes and asks for an argon2id rehash", async () => {
    const legacy = await bcrypt.hash('tonypi-secret-1', 4);
    expect(await checkPassword(legacy, 'tonypi-secret-1')).toEqual({ ok: true, needsRehash: true });
    expect((await checkPassword(legacy, 'tonypi-secret-2')).ok).toBe(false);
  });

  it('asks for a rehash of argon2 hashes made with weaker parameters', async () => {
    const { hash } = await import('@node-rs/argon2');
    const weak = await hash('correct horse battery', { memoryCost: 8_192, timeCost: 1, parallelism: 1 });
    expect(await checkPassword(weak, 'correct horse battery')).toEqual({ ok: true, needsRehash: true });
  });

  it('refuses anything that is not a known hash format', async () => {
    expect(await checkPassword('plaintext', 'plaintext')).toEqual({ ok: false, needsRehash: false });
    expect(await checkPassword('$argon2id$garbage', 'x')).toEqual({ ok: false, needsRehash: false });
  });

  it('names what is wrong with a new password', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('alice-is-great-2026', 'Alice')).toMatch(/username/);
    expect(passwordProblem('a long enough secret')).toBeUndefined();
  });
});
