import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { USER_ROLES, usernameSchema, type UserRole } from '@fleet/contracts';
import { AuditRepository, RefreshTokenRepository, UserRepository } from '@fleet/database';
import { hashPassword, passwordProblem } from '@fleet/platform';
import type { CliIo, DatabaseCommandContext } from './cli';

/** Who the audit trail names for changes made here. */
const CLI = { actor: 'cli', ip_address: null, request_id: null };

interface PasswordOptions {
  passwordFile?: string;
}

/**
 * `fleet users create | passwd | disable | enable | list`: accounts, for the first admin's lost password and for
 * scripts. Passwords come from a file (kept out of the process list and shell history) or are generated and shown
 * once.
 */
export function registerUsersCommand(program: Command, context: DatabaseCommandContext): void {
  const { io, ran, withDatabase } = context;
  const users = program.command('users').description('user accounts of the API and dashboard');
  const passwordFile = new Option('--password-file <path>', 'the password read from a file; generated when omitted');

  users
    .command('create')
    .description('create an account')
    .argument('<username>', 'letters, digits, dot, underscore and dash', parseUsername)
    .requiredOption('--email <email>', 'its e-mail address')
    .addOption(new Option('--role <role>', 'its role').choices(USER_ROLES).default('viewer'))
    .addOption(passwordFile)
    .action(
      async (username: string, options: PasswordOptions & { email: string; role: UserRole }, command: Command) => {
        const password = passwordFrom(options, username, command);
        ran();
        await withDatabase(io, async ({ db }) => {
          const user = await new UserRepository(db).create({
            username,
            email: options.email,
            role: options.role,
            password_hash: await hashPassword(password.value),
          });
          await new AuditRepository(db).append({
            ...CLI,
            action: 'user.create',
            entity_type: 'user',
            entity_id: user.id,
            after: user,
          });
          io.out(`created ${options.role} ${username}\n`);
          showGenerated(password, io);
        });
      },
    );

  users
    .command('passwd')
    .description("set an account's password; every login of it ends")
    .argument('<username>', 'the account')
    .addOption(passwordFile)
    .action(async (username: string, options: PasswordOptions, command: Command) => {
      const password = passwordFrom(options, username, command);
      ran();
      await withDatabase(io, async ({ db }) => {
        const user = await find(new UserRepository(db), username);
        await new UserRepository(db).setPasswordHash(user.id, await hashPassword(password.value));
        await new RefreshTokenRepository(db).revokeAllOf(user.id, new Date());
        await new AuditRepository(db).append({
          ...CLI,
          action: 'user.password_set',
          entity_type: 'user',
          entity_id: user.id,
        });
        io.out(`password of ${username} changed; its logins were ended\n`);
        showGenerated(password, io);
      });
    });

  for (const [name, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    users
      .command(name)
      .description(active ? 'let an account sign in again' : 'stop an account from signing in; its logins end')
      .argument('<username>', 'the account')
      .action(async (username: string) => {
        ran();
        await withDatabase(io, async ({ db }) => {
          const repository = new UserRepository(db);
          const before = await find(repository, username);
          const after = await repository.update(before.id, { is_active: active }, { keepAnAdmin: true });
          if (!active) await new RefreshTokenRepository(db).revokeAllOf(before.id, new Date());
          await new AuditRepository(db).append({
            ...CLI,
            action: 'user.update',
            entity_type: 'user',
            entity_id: before.id,
            before,
            after,
          });
          io.out(`${username} ${active ? 'enabled' : 'disabled'}\n`);
        });
      });
  }

  users
    .command('list')
    .description('list accounts')
    .action(async () => {
      ran();
      await withDatabase(io, async ({ db }) => {
        const page = await new UserRepository(db).list({ limit: 500 });
        for (const u of page.items) {
          io.out(`${u.username.padEnd(24)} ${u.role.padEnd(9)} ${u.is_active ? 'active  ' : 'disabled'} ${u.email}\n`);
        }
        io.out(`${page.total} account(s)\n`);
      });
    });
}

function parseUsername(value: string): string {
  const parsed = usernameSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'not a valid username');
  return parsed.data;
}

function passwordFrom(
  options: PasswordOptions,
  username: string,
  command: Command,
): { value: string; generated: boolean } {
  if (options.passwordFile === undefined) return { value: randomBytes(18).toString('base64url'), generated: true };
  let value: string;
  try {
    value = readFileSync(options.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return command.error(`error: --password-file: cannot read ${options.passwordFile}: ${(error as Error).message}`);
  }
  const problem = passwordProblem(value, username);
  if (problem) return command.error(`error: --password-file: the password ${problem}`);
  return { value, generated: false };
}

function showGenerated(password: { value: string; generated: boolean }, io: CliIo): void {
  if (password.generated) io.out(`  password: ${password.value}\nThis password is shown only this once.\n`);
}

async function find(users: UserRepository, username: string) {
  const user = await users.findByUsername(username);
  if (!user) throw new Error(`no account named '${username}'`);
  return user;
}
