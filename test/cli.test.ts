import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import { freePort } from '@fleet/platform';
import { describeEachDatabase } from './support/database';
import { tempDir } from './support/temp-dir';

async function fleet(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { env, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describeEachDatabase('fleet db (command line)', (factory) => {
  it('shows, applies and reverts migrations', async () => {
    const { url } = await factory().create({ migrated: false });
    const env = { DATABASE_URL: url };

    const before = await fleet(['db', 'status'], env);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/20261122010000-tonypi-schema\s+pending/);
    expect(before.out).toMatch(/0 applied, 6 pending/);
    expect(before.out).not.toContain(new URL(url).password || '\u0000');

    const migrate = await fleet(['db', 'migrate'], env);
    expect(migrate).toMatchObject({ code: 0, err: '' });
    expect(migrate.out).toContain('applied 20261122010500-default-thresholds');
    expect(migrate.out).toContain('6 migration(s) applied');
    expect((await fleet(['db', 'migrate'], env)).out).toContain('nothing to apply');

    const after = await fleet(['db', 'status'], env);
    expect(after.out).toMatch(/20261122010000-tonypi-schema\s+applied 20\d\d-/);
    expect(after.out).toMatch(/6 applied, 0 pending/);

    expect((await fleet(['db', 'down'], env)).out).toContain('reverted 20261122010500-default-thresholds');
    expect((await fleet(['db', 'status'], env)).out).toMatch(/5 applied, 1 pending/);
    const all = await fleet(['db', 'down', '--all'], env);
    expect(all.out.match(/reverted /g)).toHaveLength(5);
    expect((await fleet(['db', 'down'], env)).out).toContain('nothing to revert');
  });
});

describe('fleet command line', () => {
  it('runs on the embedded database when DATABASE_URL is unset, and stops it afterwards', async () => {
    const dir = await tempDir('fleet-cli');
    try {
      const result = await fleet(['db', 'migrate'], { FLEET_DATA_DIR: dir.path });
      expect(result.code).toBe(0);
      expect(result.out).toContain('(embedded)');
      expect(result.out).toContain('6 migration(s) applied');
      expect(existsSync(join(dir.path, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      await dir.remove();
    }
  });

  it('fails loudly: usage, configuration and connection errors each get their own exit code and message', async () => {
    const usage = await fleet(['db', 'explode'], {});
    expect(usage.code).toBe(64);
    expect(usage.err).toContain("unknown command 'explode'");
    expect((await fleet([], {})).code).toBe(64);

    const config = await fleet(['db', 'status'], { DATABASE_URL: 'mysql://localhost/fleet' });
    expect(config.code).toBe(78);
    expect(config.err).toContain('DATABASE_URL: expected a postgres, postgresql URL');

    const closed = await freePort();
    const unreachable = await fleet(['db', 'status'], {
      DATABASE_URL: `postgres://fleet:hunter2@127.0.0.1:${closed}/fleet`,
      DATABASE_CONNECT_TIMEOUT_MS: '300',
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toContain(`cannot reach PostgreSQL at 127.0.0.1:${closed}/fleet (DATABASE_URL)`);
    expect(unreachable.err).not.toContain('hunter2');
  });

  it('prints help', async () => {
    const help = await fleet(['db', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/status\s+list every migration/);
  });
});
