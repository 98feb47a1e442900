import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Robot secrets are 32 random bytes, so they cannot be guessed or found in a dictionary: a plain SHA-256 of one is
 * as safe to store as a slow password hash would be, and costs microseconds. A slow hash (argon2, bcrypt) is for
 * passwords people choose; on every MQTT connect it would let a storm of reconnecting robots, or anyone with the
 * broker's address, burn the CPU. No salt is needed for the same reason: there is nothing to precompute.
 */

const SCHEME = 'sha256';
const SECRET_BYTES = 32;

/** A new robot secret (32 random bytes, base64url: 43 characters), shown once and stored only as its hash. */
export function newRobotSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/**
 * What is stored for `secret`: `sha256:<hex>`.
 *
 * @example
 * hashRobotSecret('s3cr3t'); // 'sha256:4e738ca5...'
 */
export function hashRobotSecret(secret: string | Buffer): string {
  return `${SCHEME}:${digest(secret).toString('hex')}`;
}

/** Whether `secret` is the one `hash` was made from; compares in constant time. */
export function robotSecretMatches(secret: string | Buffer, hash: string): boolean {
  const [scheme, hex] = hash.split(':');
  if (scheme !== SCHEME || !hex || !/^[0-9a-f]{64}$/.test(hex)) return false;
  return timingSafeEqual(digest(secret), Buffer.from(hex, 'hex'));
}

function digest(secret: string | Buffer): Buffer {
  return createHash('sha256').update(secret).digest();
}
