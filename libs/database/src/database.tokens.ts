/** Injection token for the `Kysely<DB>` instance. */
export const DATABASE = Symbol('DATABASE');
/** Injection token for the {@link DatabaseConnection} (mode, target, close). */
export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');
