import { inspect } from 'node:util';
import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import type { DB } from './db.types';
import { migrations } from './migrations';

export interface MigrationState {
  name: string;
  /** When it was applied, or null while pending. */
  appliedAt: Date | null;
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Applies and reverts Fleet's schema migrations. Each migration runs in its own transaction, so a failure leaves
 * the ones before it applied and nothing of the failing one. Concurrent runs (several services starting at once)
 * serialise on Kysely's migration lock.
 *
 * @example
 * const applied = await new SchemaMigrator(db).migrateToLatest();
 */
export class SchemaMigrator {
  private readonly migrator: Migrator;

  constructor(db: Kysely<DB>) {
    this.migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  }

  /** Every known migration in order, with when it was applied. */
  async status(): Promise<MigrationState[]> {
    try {
      const infos = await this.migrator.getMigrations();
      return infos.map((m) => ({ name: m.name, appliedAt: m.executedAt ?? null }));
    } catch (error) {
      throw new MigrationError(`cannot read the migration state: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Applies every pending migration, one transaction each, and returns their names. */
  async migrateToLatest(): Promise<string[]> {
    const applied: string[] = [];
    for (let names = await this.migrateUp(); names.length > 0; names = await this.migrateUp()) applied.push(...names);
    return applied;
  }

  private async migrateUp(): Promise<string[]> {
    return this.check(await this.migrator.migrateUp(), 'apply');
  }

  /** Reverts the latest applied migration and returns its name, or null when none is applied. */
  async migrateDown(): Promise<string | null> {
    const names = this.check(await this.migrator.migrateDown(), 'revert');
    return names[0] ?? null;
  }

  /** Reverts every applied migration, newest first, and returns their names. */
  async migrateDownAll(): Promise<string[]> {
    const reverted: string[] = [];
    for (let name = await this.migrateDown(); name !== null; name = await this.migrateDown()) reverted.push(name);
    return reverted;
  }

  private check({ error, results = [] }: MigrationResultSet, verb: string): string[] {
    if (error !== undefined) {
      const failed = results.find((r) => r.status === 'Error')?.migrationName;
      const cause = error instanceof Error ? error.message : inspect(error);
      throw new MigrationError(
        failed ? `could not ${verb} migration ${failed}: ${cause}` : `could not ${verb} migrations: ${cause}`,
        { cause: error },
      );
    }
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}
