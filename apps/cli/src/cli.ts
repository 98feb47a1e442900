import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { ConfigError, loadConfig, type FleetConfig } from '@fleet/config';
import { connectDatabase, SchemaMigrator, type DatabaseConnection } from '@fleet/database';
import { registerDocsCommand } from './docs.command';
import { registerReportsCommand } from './reports.command';
import { registerRobotsCommand } from './robots.command';
import { registerSimulateCommand } from './simulate.command';
import { registerUsersCommand } from './users.command';
import { registerWebhooksCommand } from './webhooks.command';

export interface CliIo {
  /** The environment to configure from; the process's own when omitted. */
  env?: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** What a command that works on the database needs from the command line around it. */
export interface DatabaseCommandContext {
  io: CliIo;
  /** Tells the command line that a command ran (it prints help otherwise). */
  ran: () => void;
  withDatabase: (
    io: CliIo,
    work: (connection: DatabaseConnection, config: FleetConfig) => Promise<void>,
  ) => Promise<void>;
}

/** Runs one `fleet` command and returns the exit code; never exits the process itself. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('fleet')
    .description('Operate a Fleet installation')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  let ran = false;
  const db = program.command('db').description('database schema migrations');
  db.command('status')
    .description('list every migration, applied or pending')
    .action(async () => {
      ran = true;
      await withDatabase(io, (c) => status(new SchemaMigrator(c.db), io));
    });
  db.command('migrate')
    .description('apply pending migrations, one transaction each')
    .action(async () => {
      ran = true;
      await withDatabase(io, (c) => migrate(new SchemaMigrator(c.db), io));
    });
  db.command('down')
    .description('revert the latest applied migration (drops what it created)')
    .option('--all', 'revert every applied migration, newest first')
    .action(async (options: { all?: boolean }) => {
      ran = true;
      await withDatabase(io, (c) => down(new SchemaMigrator(c.db), io, options.all === true));
    });
  registerRobotsCommand(program, { io, ran: () => (ran = true), withDatabase });
  registerSimulateCommand(program, { io, ran: () => (ran = true) });
  registerWebhooksCommand(program, { io, ran: () => (ran = true), withDatabase });
  registerUsersCommand(program, { io, ran: () => (ran = true), withDatabase });
  registerReportsCommand(program, { io, ran: () => (ran = true), withDatabase });
  registerDocsCommand(program, io, () => (ran = true));

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (!ran) {
      program.outputHelp({ error: true });
      return 64; // EX_USAGE
    }
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 64;
    io.err(`fleet: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof ConfigError ? 78 : 1;
  }
}

async function withDatabase(
  io: CliIo,
  work: (connection: DatabaseConnection, config: FleetConfig) => Promise<void>,
): Promise<void> {
  const config: FleetConfig = loadConfig(io.env);
  // Only warnings and errors: the command's own output is the answer.
  const logger = pino({ level: 'warn', base: { service: 'cli' } }, { write: (line: string) => io.err(line) });
  let connection: DatabaseConnection | undefined;
  try {
    connection = await connectDatabase({
      database: config.database,
      dataDir: config.dataDir,
      logger,
      applicationName: 'fleet-cli',
      attachToRunning: true,
    });
    io.out(`database: ${connection.target} (${connection.mode})\n`);
    await work(connection, config);
  } finally {
    await connection?.close();
  }
}

async function status(migrator: SchemaMigrator, io: CliIo): Promise<void> {
  const states = await migrator.status();
  const width = Math.max(...states.map((s) => s.name.length));
  for (const s of states) {
    io.out(`${s.name.padEnd(width)}  ${s.appliedAt ? `applied ${s.appliedAt.toISOString()}` : 'pending'}\n`);
  }
  const pending = states.filter((s) => !s.appliedAt).length;
  io.out(`${states.length - pending} applied, ${pending} pending\n`);
}

async function migrate(migrator: SchemaMigrator, io: CliIo): Promise<void> {
  const applied = await migrator.migrateToLatest();
  for (const name of applied) io.out(`applied ${name}\n`);
  io.out(
    applied.length === 0 ? 'nothing to apply: the schema is up to date\n' : `${applied.length} migration(s) applied\n`,
  );
}

async function down(migrator: SchemaMigrator, io: CliIo, all: boolean): Promise<void> {
  const reverted = all ? await migrator.migrateDownAll() : [await migrator.migrateDown()].filter((n) => n !== null);
  for (const name of reverted) io.out(`reverted ${name}\n`);
  if (reverted.length === 0) io.out('nothing to revert: no migration is applied\n');
}
