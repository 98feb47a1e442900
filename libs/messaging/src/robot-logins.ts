import { robotSecretMatches } from './robot-secret';

/** A robot's active credential as the broker needs it: which one it is, and the hash of its secret. */
export interface ActiveRobotCredential {
  id: string;
  secretHash: string;
}

/**
 * Where the embedded broker finds robots' credentials. Fleet wires it to the `robot_credentials` table; tests pass
 * a map.
 *
 * @example
 * const lookup: RobotCredentialLookup = {
 *   findActive: async (robotId) => credentials.get(robotId),
 *   markUsed: async () => undefined,
 * };
 */
export interface RobotCredentialLookup {
  /** The robot's credential that is neither revoked nor replaced, if it has one. */
  findActive(robotId: string): Promise<ActiveRobotCredential | undefined>;
  /** Records a login with the credential; called at most once per cache period per robot. */
  markUsed(credentialId: string, at: Date): Promise<void>;
}

interface Verified {
  credential: ActiveRobotCredential;
  expiresAt: number;
}

/**
 * Checks robots' secrets, remembering each robot's verified credential for `ttlMs` so that a fleet reconnecting at
 * once (after a network outage or a broker restart) costs one database query per robot, not one per attempt. A
 * revoked or replaced credential therefore keeps working for new connections for up to `ttlMs`.
 */
export class RobotLogins {
  private readonly verified = new Map<string, Verified>();
  private readonly inFlight = new Map<string, Promise<ActiveRobotCredential | undefined>>();

  constructor(
    private readonly lookup: RobotCredentialLookup,
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly onMarkUsedError: (error: unknown) => void,
  ) {}

  /** The credential `secret` belongs to, or undefined when it is not the robot's active secret. */
  async verify(robotId: string, secret: Buffer): Promise<ActiveRobotCredential | undefined> {
    const cached = this.verified.get(robotId);
    if (cached && cached.expiresAt > this.now() && robotSecretMatches(secret, cached.credential.secretHash)) {
      return cached.credential;
    }
    // A miss, an expired entry, or another secret (the credential may have been rotated): ask the store.
    const credential = await this.fetch(robotId);
    if (!credential || !robotSecretMatches(secret, credential.secretHash)) return undefined;
    const at = this.now();
    this.verified.set(robotId, { credential, expiresAt: at + this.ttlMs });
    // Awaited so that `last_used_at` is current once the robot is in; a failure to record it refuses no one.
    await this.lookup.markUsed(credential.id, new Date(at)).catch(this.onMarkUsedError);
    return credential;
  }

  /**
   * Whether `credential` is still the robot's active one, asking the store (not the cache). Refreshes the cache
   * when it is, forgets the robot when it is not.
   */
  async stillActive(robotId: string, credential: ActiveRobotCredential): Promise<boolean> {
    const current = await this.fetch(robotId);
    const active = current?.id === credential.id && current.secretHash === credential.secretHash;
    if (active) this.verified.set(robotId, { credential: current, expiresAt: this.now() + this.ttlMs });
    else this.verified.delete(robotId);
    return active;
  }

  /** One query per robot at a time: logins arriving together share it. */
  private fetch(robotId: string): Promise<ActiveRobotCredential | undefined> {
    let pending = this.inFlight.get(robotId);
    if (!pending) {
      pending = this.lookup.findActive(robotId).finally(() => this.inFlight.delete(robotId));
      this.inFlight.set(robotId, pending);
    }
    return pending;
  }
}
