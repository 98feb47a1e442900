import { hashRobotSecret, newRobotSecret, robotSecretMatches } from './robot-secret';

describe('robot secrets', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const secret = newRobotSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newRobotSecret()).not.toBe(secret);
  });

  it('are stored as a SHA-256 hash that names its scheme and does not contain the secret', () => {
    const secret = newRobotSecret();
    const hash = hashRobotSecret(secret);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
  });

  it('match only their own hash, as text or as the bytes MQTT delivers', () => {
    const secret = newRobotSecret();
    const hash = hashRobotSecret(secret);
    expect(robotSecretMatches(secret, hash)).toBe(true);
    expect(robotSecretMatches(Buffer.from(secret), hash)).toBe(true);
    expect(robotSecretMatches(newRobotSecret(), hash)).toBe(false);
    expect(robotSecretMatches('', hash)).toBe(false);
  });

  it('never match a hash in another or a broken format', () => {
    const secret = newRobotSecret();
    const hex = hashRobotSecret(secret).slice('sha256:'.length);
    expect(robotSecretMatches(secret, hex)).toBe(false);
    expect(robotSecretMatches(secret, `argon2id:${hex}`)).toBe(false);
    expect(robotSecretMatches(secret, `sha256:${hex.slice(2)}`)).toBe(false);
    expect(robotSecretMatches(secret, '')).toBe(false);
  });
});
