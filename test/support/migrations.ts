import { migrations } from '@fleet/database';

export { migrations };

/** How many migrations Fleet has: what a fresh database gets applied. */
export const MIGRATION_COUNT = Object.keys(migrations).length;
