import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import { RobotCredentialRepository, RobotRepository } from '@fleet/database';
import { EmbeddedBroker, robotCredentialLookup, robotSecretMatches } from '@fleet/messaging';
import { freePort } from '@fleet/platform';
import { describeEachDatabase } from './support/database';
import { captureLogs } from './support/logs';
import { robotClient } from './support/mqtt';
import { tempDir } from './support/temp-dir';
import { migrations, MIGRATION_COUNT } from './support/migrations';

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
    expect(before.out).toContain(`0 applied, ${MIGRATION_COUNT} pending`);
    expect(before.out).not.toContain(new URL(url).password || '\u0000');

    const migrate = await fleet(['db', 'migrate'], env);
    expect(migrate).toMatchObject({ code: 0, err: '' });
    expect(migrate.out).toContain('applied 20261122010500-default-thresholds');
    expect(migrate.out).toContain(`${MIGRATION_COUNT} migration(s) applied`);
    expect((await fleet(['db', 'migrate'], env)).out).toContain('nothing to apply');

    const after = await fleet(['db', 'status'], env);
    expect(after.out).toMatch(/20261122010000-tonypi-schema\s+applied 20\d\d-/);
    expect(after.out).toContain(`${MIGRATION_COUNT} applied, 0 pending`);

    const newest = Object.keys(migrations).sort().at(-1) ?? '';
    expect((await fleet(['db', 'down'], env)).out).toContain(`reverted ${newest}`);
    expect((await fleet(['db', 'status'], env)).out).toContain(`${MIGRATION_COUNT - 1} applied, 1 pending`);
    const all = await fleet(['db', 'down', '--all'], env);
    expect(all.out.match(/reverted /g)).toHaveLength(MIGRATION_COUNT - 1);
    expect((await fleet(['db', 'down'], env)).out).toContain('nothing to revert');
  });
});

describeEachDatabase('fleet robots credentials (command line)', (factory) => {
  const secretIn = (out: string) => /^ {2}secret: +(\S+)$/m.exec(out)?.[1] ?? '';

  it('issues a secret the embedded broker accepts, rotates it, lists and revokes it, with an audit trail', async () => {
    const { url, db } = await factory().create();
    const env = { DATABASE_URL: url };
    const credentials = new RobotCredentialRepository(db);

    const unknown = await fleet(['robots', 'credentials', 'tonypi_01'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("robot 'tonypi_01' is not registered: check the id, or add --create to register it");

    const created = await fleet(['robots', 'credentials', 'tonypi_01', '--create'], env);
    expect(created).toMatchObject({ code: 0, err: '' });
    expect(created.out).toContain('registered robot tonypi_01');
    expect(created.out).toContain('  username: tonypi_01');
    expect(created.out).not.toContain('replaces');
    const first = secretIn(created.out);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await new RobotRepository(db).get('tonypi_01')).toMatchObject({ name: 'tonypi_01' });
    const stored = await credentials.findActive('tonypi_01');
    expect(stored?.secret_hash).not.toContain(first);
    expect(robotSecretMatches(first, stored?.secret_hash ?? '')).toBe(true);

    // The secret opens the embedded broker for this robot.
    const broker = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      wsPort: 0,
      internalSecret: 'fleet-secret-for-this-test',
      topicPrefix: '',
      robotCredentials: robotCredentialLookup(db),
      logger: captureLogs().logger,
    });
    try {
      const { port } = await broker.start();
      const robot = await robotClient(`mqtt://127.0.0.1:${port}`, 'tonypi_01', {
        username: 'tonypi_01',
        password: first,
      });
      await robot.endAsync();
    } finally {
      await broker.close();
    }

    const rotated = await fleet(['robots', 'credentials', 'tonypi_01'], {
      ...env,
      MQTT_URL: 'mqtt://broker.example:1883',
    });
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('MQTT credential for robot tonypi_01 (replaces the previous one)');
    expect(rotated.out).toContain('The previous secret stops working within 30 seconds');
    expect(rotated.out).toContain('MQTT_URL is set');
    const second = secretIn(rotated.out);
    expect(second).not.toBe(first);
    const replaced = await credentials.findActive('tonypi_01');
    expect(robotSecretMatches(second, replaced?.secret_hash ?? '')).toBe(true);
    expect(robotSecretMatches(first, replaced?.secret_hash ?? '')).toBe(false);

    const listed = await fleet(['robots', 'credentials', '--list'], env);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^robot +state +issued +by +last used$/m);
    expect(listed.out).toMatch(/^tonypi_01 +active +20\d\d-\S+ +cli +never$/m);

    const revoked = await fleet(['robots', 'credentials', 'tonypi_01', '--revoke'], env);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain('revoked the MQTT credential of robot tonypi_01');
    expect(await credentials.findActive('tonypi_01')).toBeUndefined();
    expect((await fleet(['robots', 'credentials', 'tonypi_01', '--revoke'], env)).out).toContain(
      'robot tonypi_01 has no active MQTT credential: nothing to revoke',
    );
    expect((await fleet(['robots', 'credentials', 'tonypi_01', '--list'], env)).out).toMatch(
      /^tonypi_01 +revoked 20\d\d-/m,
    );

    const audit = await db
      .selectFrom('audit_entries')
      .select(['actor', 'action', 'entity_id', 'after'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.actor, a.action, a.entity_id])).toEqual([
      ['cli', 'robot_credential.issue', 'tonypi_01'],
      ['cli', 'robot_credential.rotate', 'tonypi_01'],
      ['cli', 'robot_credential.revoke', 'tonypi_01'],
    ]);
    const trail = JSON.stringify(audit);
    for (const secret of [first, second, stored?.secret_hash ?? first]) expect(trail).not.toContain(secret);

    // A new secret after a revocation is a fresh issue, not a rotation.
    const reissued = await fleet(['robots', 'credentials', 'tonypi_01'], env);
    expect(reissued.out).not.toContain('replaces');
    expect(
      robotSecretMatches(secretIn(reissued.out), (await credentials.findActive('tonypi_01'))?.secret_hash ?? ''),
    ).toBe(true);
  });

  it('refuses ids that cannot be MQTT usernames, deactivated robots and contradictory options', async () => {
    const { url, db } = await factory().create();
    const env = { DATABASE_URL: url };

    const invalid = await fleet(['robots', 'credentials', 'tonypi/01', '--create'], env);
    expect(invalid.code).toBe(64);
    expect(invalid.err).toContain("'tonypi/01' cannot be a robot's MQTT username: letters, digits and _ . : - only");
    const reserved = await fleet(['robots', 'credentials', 'broadcast', '--create'], env);
    expect(reserved.code).toBe(64);
    expect(reserved.err).toContain("'broadcast' is reserved");

    const missing = await fleet(['robots', 'credentials'], env);
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('missing robot id (or use --list)');
    const both = await fleet(['robots', 'credentials', 'tonypi_01', '--revoke', '--create'], env);
    expect(both.code).toBe(64);
    expect(both.err).toContain("option '--revoke' cannot be used with option '--create'");

    await new RobotRepository(db).create('tonypi_02');
    await new RobotRepository(db).deactivate('tonypi_02');
    const inactive = await fleet(['robots', 'credentials', 'tonypi_02'], env);
    expect(inactive.code).toBe(1);
    expect(inactive.err).toContain("robot 'tonypi_02' is deactivated");
    expect(await new RobotCredentialRepository(db).list()).toEqual([]);
  });
});

describe('fleet command line', () => {
  it('runs on the embedded database when DATABASE_URL is unset, and stops it afterwards', async () => {
    const dir = await tempDir('fleet-cli');
    try {
      const result = await fleet(['db', 'migrate'], { FLEET_DATA_DIR: dir.path });
      expect(result.code).toBe(0);
      expect(result.out).toContain('(embedded)');
      expect(result.out).toContain(`${MIGRATION_COUNT} migration(s) applied`);
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
