import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import { checkPassword } from '@fleet/platform';
import { describeEachDatabase } from './support/database';
import { tempDir } from './support/temp-dir';

async function fleet(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { env, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describeEachDatabase('fleet users (command line)', (factory) => {
  it('creates an account with a generated password shown once, changes it from a file, disables and lists', async () => {
    const { url, db } = await factory().create();
    const env = { DATABASE_URL: url };
    const hashOf = async (username: string) =>
      await db
        .selectFrom('users')
        .select(['password_hash', 'is_active'])
        .where('username', '=', username)
        .executeTakeFirstOrThrow();

    const created = await fleet(
      ['users', 'create', 'ops.lead', '--email', 'ops@example.test', '--role', 'operator'],
      env,
    );
    expect(created.code).toBe(0);
    const generated = /^ {2}password: (\S+)$/m.exec(created.out)?.[1] ?? '';
    expect(generated.length).toBeGreaterThanOrEqual(20);
    expect((await checkPassword((await hashOf('ops.lead')).password_hash, generated)).ok).toBe(true);

    const dir = await tempDir('fleet-cli-users');
    try {
      const file = join(dir.path, 'password');
      await writeFile(file, 'a chosen long password\n');
      const changed = await fleet(['users', 'passwd', 'ops.lead', '--password-file', file], env);
      expect(changed).toMatchObject({ code: 0 });
      expect(changed.out).not.toContain('a chosen long password');
      expect((await checkPassword((await hashOf('ops.lead')).password_hash, 'a chosen long password')).ok).toBe(true);

      await writeFile(file, 'short\n');
      const weak = await fleet(['users', 'passwd', 'ops.lead', '--password-file', file], env);
      expect(weak.code).toBe(64);
      expect(weak.err).toContain('at least 10 characters');
    } finally {
      await dir.remove();
    }

    expect((await fleet(['users', 'disable', 'ops.lead'], env)).code).toBe(0);
    expect((await hashOf('ops.lead')).is_active).toBe(false);
    const listed = await fleet(['users', 'list'], env);
    expect(listed.out).toMatch(/^ops\.lead\s+operator\s+disabled ops@example\.test$/m);

    const audit = await db.selectFrom('audit_entries').select(['actor', 'action']).orderBy('id').execute();
    expect(audit).toEqual([
      { actor: 'cli', action: 'user.create' },
      { actor: 'cli', action: 'user.password_set' },
      { actor: 'cli', action: 'user.update' },
    ]);
  });

  it('refuses to disable the last active admin and names an unknown account', async () => {
    const { url } = await factory().create();
    const env = { DATABASE_URL: url };
    await fleet(['users', 'create', 'root', '--email', 'root@example.test', '--role', 'admin'], env);
    const last = await fleet(['users', 'disable', 'root'], env);
    expect(last.code).toBe(1);
    expect(last.err).toContain('last active admin');
    const ghost = await fleet(['users', 'passwd', 'ghost'], env);
    expect(ghost.code).toBe(1);
    expect(ghost.err).toContain("no account named 'ghost'");
  });
});
