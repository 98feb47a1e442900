import { sql, type Kysely } from 'kysely';

/**
 * Where each rollup tier starts (`rolled_from`) besides where it has got to: a tier covers `rolled_from` to
 * `rolled_until`, and readers take what lies outside from the raw points. A tier rolled before this column existed
 * is known to cover only from its watermark; the minute tier then rolls back from there to the start of the raw
 * retention.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE telemetry_rollup_progress ADD COLUMN rolled_from TIMESTAMP WITH TIME ZONE;
    UPDATE telemetry_rollup_progress SET rolled_from = rolled_until;
    ALTER TABLE telemetry_rollup_progress ALTER COLUMN rolled_from SET NOT NULL;
    ALTER TABLE telemetry_rollup_progress ADD CONSTRAINT telemetry_rollup_progress_range
      CHECK (rolled_from <= rolled_until);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE telemetry_rollup_progress DROP COLUMN IF EXISTS rolled_from`.execute(db);
}
