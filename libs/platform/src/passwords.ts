import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane (about 30 ms here). */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const ARGON2_PREFIX = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;
const BCRYPT = /^\$2[abxy]\$\d\d\$/;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** A hash computed at start-up, verified against when a username is unknown so that case takes as long. */
let decoy: Promise<string> | undefined;

export interface PasswordCheck {
  ok: boolean;
  /** The hash is bcrypt (from TonyPi) or weaker argon2 parameters: store a new argon2id hash now. */
  needsRehash: boolean;
}

/**
 * Password hashing: argon2id for every new hash; bcrypt hashes (TonyPi's users table) still verify, and say they
 * need a rehash so login can upgrade them.
 *
 * @example
 * const stored = await hashPassword('correct horse battery');
 * (await checkPassword(stored, 'correct horse battery')).ok === true
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function checkPassword(stored: string, password: string): Promise<PasswordCheck> {
  if (BCRYPT.test(stored)) return { ok: await bcrypt.compare(password, stored), needsRehash: true };
  if (!stored.startsWith('$argon2')) return { ok: false, needsRehash: false };
  try {
    const ok = await verify(stored, password);
    return { ok, needsRehash: ok && !stored.startsWith(ARGON2_PREFIX) };
  } catch {
    return { ok: false, needsRehash: false };
  }
}

/** Spends the time a real check would, so an unknown username cannot be told from a wrong password by timing. */
export async function checkDecoyPassword(password: string): Promise<void> {
  decoy ??= hashPassword('decoy password that matches nothing');
  await checkPassword(await decoy, password);
}

/** Why `password` is not acceptable as a new password, or undefined when it is. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
  return undefined;
}
