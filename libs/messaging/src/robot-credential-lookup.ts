import type { Kysely } from 'kysely';
import { RobotCredentialRepository, type DB } from '@fleet/database';
import type { RobotCredentialLookup } from './robot-logins';

/**
 * The embedded broker's view of the `robot_credentials` table.
 *
 * @example
 * new EmbeddedBroker({ ...options, robotCredentials: robotCredentialLookup(db) });
 */
export function robotCredentialLookup(db: Kysely<DB>): RobotCredentialLookup {
  const credentials = new RobotCredentialRepository(db);
  return {
    findActive: async (robotId) => {
      const found = await credentials.findActive(robotId);
      return found && { id: found.id, secretHash: found.secret_hash };
    },
    markUsed: (id, at) => credentials.markUsed(id, at),
  };
}
